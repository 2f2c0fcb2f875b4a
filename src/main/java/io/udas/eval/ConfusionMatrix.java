package io.udas.eval;

import io.udas.data.Cityscapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;

/**
 * Pixel-level confusion matrix of a semantic segmentation: {@code numClasses x numClasses} long counts,
 * rows = ground truth, columns = prediction.
 *
 * <p>Conventions (those of the official Cityscapes pixel-level evaluation):
 * <ul>
 *   <li>A ground-truth label outside {@code 0..numClasses-1} (255 = ignore, also -1 or any other id)
 *       is ignored: the pixel is not counted, whatever was predicted there. Ignored pixels are counted
 *       in {@link #ignoredPixels()}.</li>
 *   <li>A prediction outside {@code 0..numClasses-1} on a valid ground-truth pixel (a network never
 *       produces one; a hand-written PNG may hold 255) counts as <em>wrong</em>: a false negative of
 *       the ground-truth class. It has no column, so it is kept in a per-class "out-of-range" count
 *       that enters the row total ({@link #gtCount}) but no class's false positives.</li>
 * </ul>
 *
 * <p>Thread-safe: every method synchronises on the matrix, per call (never per pixel). For parallel
 * evaluation the cheaper pattern is still one matrix per worker, then {@link #merge}.
 */
public final class ConfusionMatrix {
    private final int numClasses;
    /** counts[gt * numClasses + pred]. */
    private final long[] counts;
    /** Per ground-truth class: pixels whose prediction was outside 0..numClasses-1. */
    private final long[] outOfRange;
    private long ignored;

    public ConfusionMatrix(int numClasses) {
        if (numClasses < 1 || numClasses > 255) {
            throw new IllegalArgumentException("numClasses must be in 1..255, got " + numClasses);
        }
        this.numClasses = numClasses;
        this.counts = new long[numClasses * numClasses];
        this.outOfRange = new long[numClasses];
    }

    /** A 19-class Cityscapes matrix. */
    public static ConfusionMatrix cityscapes() {
        return new ConfusionMatrix(Cityscapes.NUM_CLASSES);
    }

    /**
     * A matrix with the given counts (rows = ground truth), e.g. read back from a results JSON.
     *
     * @param outOfRange per-class out-of-range prediction counts, or null for none
     */
    public static ConfusionMatrix of(long[][] matrix, long[] outOfRange, long ignored) {
        int c = matrix.length;
        ConfusionMatrix m = new ConfusionMatrix(c);
        for (int g = 0; g < c; g++) {
            if (matrix[g].length != c) {
                throw new IllegalArgumentException("confusion matrix row " + g + " has " + matrix[g].length
                        + " entries, expected " + c);
            }
            for (int p = 0; p < c; p++) {
                if (matrix[g][p] < 0) {
                    throw new IllegalArgumentException("negative count at [" + g + "][" + p + "]");
                }
                m.counts[g * c + p] = matrix[g][p];
            }
        }
        if (outOfRange != null) {
            if (outOfRange.length != c) {
                throw new IllegalArgumentException("out_of_range has " + outOfRange.length + " entries, expected " + c);
            }
            System.arraycopy(outOfRange, 0, m.outOfRange, 0, c);
        }
        m.ignored = ignored;
        return m;
    }

    public int numClasses() {
        return numClasses;
    }

    // ------------------------------------------------------------------ accumulation

    /** Adds all pixels of a prediction / label pair (same length, row-major, any layout). */
    public void add(int[] prediction, int[] label) {
        if (prediction.length != label.length) {
            throw new IllegalArgumentException("prediction has " + prediction.length + " pixels, label has "
                    + label.length);
        }
        add(prediction, label, 0, label.length);
    }

    /** Adds pixels {@code from..from+length-1} of a prediction / label pair. */
    public synchronized void add(int[] prediction, int[] label, int from, int length) {
        final int c = numClasses;
        final long[] cm = counts;
        long ign = 0;
        int end = from + length;
        for (int i = from; i < end; i++) {
            int g = label[i];
            if (g < 0 || g >= c) {
                ign++;
                continue;
            }
            int p = prediction[i];
            if (p < 0 || p >= c) {
                outOfRange[g]++;
            } else {
                cm[g * c + p]++;
            }
        }
        ignored += ign;
    }

    /**
     * Adds class-index predictions and labels given as INDArrays of equal shape, e.g. [N,H,W] or [H,W]
     * (a singleton channel, [N,1,H,W], is accepted on either side). Any numeric data type; floating
     * values must be integral (they are truncated).
     */
    public void add(INDArray prediction, INDArray label) {
        long[] ps = spatialShape(prediction);
        long[] ls = spatialShape(label);
        if (!Arrays.equals(ps, ls)) {
            throw new IllegalArgumentException("prediction shape " + Arrays.toString(prediction.shape())
                    + " does not match label shape " + Arrays.toString(label.shape())
                    + " (upsample predictions to the label resolution first)");
        }
        add(toInts(prediction), toInts(label));
    }

    /**
     * Adds the argmax (over the class dimension) of logits or probabilities {@code [N,C,H,W]} against
     * labels {@code [N,H,W]} (or {@code [N,1,H,W]}); also {@code [C,H,W]} against {@code [H,W]}.
     * Ties go to the lowest class index. Logits must already have the label resolution.
     */
    public void addLogits(INDArray logits, INDArray labels) {
        int classDim;
        if (logits.rank() == 4) {
            classDim = 1;
        } else if (logits.rank() == 3) {
            classDim = 0;
        } else {
            throw new IllegalArgumentException("logits must be [N,C,H,W] or [C,H,W], got "
                    + Arrays.toString(logits.shape()));
        }
        if (logits.size(classDim) != numClasses) {
            throw new IllegalArgumentException("logits have " + logits.size(classDim) + " classes, matrix has "
                    + numClasses);
        }
        INDArray pred = Nd4j.argMax(logits, classDim);
        long[] expect = pred.shape();
        long[] ls = spatialShape(labels);
        if (!Arrays.equals(expect, ls)) {
            throw new IllegalArgumentException("logits " + Arrays.toString(logits.shape())
                    + " do not match labels " + Arrays.toString(labels.shape())
                    + " (upsample logits to the label resolution first)");
        }
        add(toInts(pred), toInts(labels));
    }

    /** Adds the counts of another matrix (same number of classes) to this one; returns this. */
    public ConfusionMatrix merge(ConfusionMatrix other) {
        if (other == this) {
            throw new IllegalArgumentException("cannot merge a matrix into itself");
        }
        if (other.numClasses != numClasses) {
            throw new IllegalArgumentException("cannot merge a " + other.numClasses + "-class matrix into a "
                    + numClasses + "-class one");
        }
        long[] oc;
        long[] oo;
        long oi;
        synchronized (other) {
            oc = other.counts.clone();
            oo = other.outOfRange.clone();
            oi = other.ignored;
        }
        synchronized (this) {
            for (int i = 0; i < oc.length; i++) {
                counts[i] += oc[i];
            }
            for (int i = 0; i < oo.length; i++) {
                outOfRange[i] += oo[i];
            }
            ignored += oi;
        }
        return this;
    }

    /** The sum of several matrices (a new one). */
    public static ConfusionMatrix sum(List<ConfusionMatrix> matrices) {
        if (matrices.isEmpty()) {
            throw new IllegalArgumentException("no matrices to sum");
        }
        ConfusionMatrix out = new ConfusionMatrix(matrices.get(0).numClasses);
        for (ConfusionMatrix m : matrices) {
            out.merge(m);
        }
        return out;
    }

    public synchronized ConfusionMatrix copy() {
        return of(toArray(), outOfRange.clone(), ignored);
    }

    public synchronized void reset() {
        Arrays.fill(counts, 0);
        Arrays.fill(outOfRange, 0);
        ignored = 0;
    }

    // ------------------------------------------------------------------ counts

    /** Pixels of ground-truth class {@code gt} predicted as {@code pred}. */
    public synchronized long count(int gt, int pred) {
        return counts[gt * numClasses + pred];
    }

    /** The matrix as rows (ground truth) of columns (prediction); a copy. */
    public synchronized long[][] toArray() {
        long[][] m = new long[numClasses][];
        for (int g = 0; g < numClasses; g++) {
            m[g] = Arrays.copyOfRange(counts, g * numClasses, (g + 1) * numClasses);
        }
        return m;
    }

    /** Per ground-truth class: valid pixels whose prediction was outside 0..numClasses-1; a copy. */
    public synchronized long[] outOfRange() {
        return outOfRange.clone();
    }

    public synchronized long truePositives(int c) {
        return counts[c * numClasses + c];
    }

    /** Ground-truth pixels of class {@code c} (the row total, out-of-range predictions included). */
    public synchronized long gtCount(int c) {
        long s = outOfRange[c];
        for (int p = 0; p < numClasses; p++) {
            s += counts[c * numClasses + p];
        }
        return s;
    }

    /** Pixels predicted as class {@code c} on non-ignored ground truth (the column total). */
    public synchronized long predCount(int c) {
        long s = 0;
        for (int g = 0; g < numClasses; g++) {
            s += counts[g * numClasses + c];
        }
        return s;
    }

    /** All evaluated (non-ignored) pixels. */
    public synchronized long total() {
        long s = 0;
        for (long v : counts) {
            s += v;
        }
        for (long v : outOfRange) {
            s += v;
        }
        return s;
    }

    /** Pixels skipped because their ground truth was 255 (or any id outside the classes). */
    public synchronized long ignoredPixels() {
        return ignored;
    }

    /** Valid pixels whose prediction was outside the classes (all classes). */
    public synchronized long outOfRangeTotal() {
        long s = 0;
        for (long v : outOfRange) {
            s += v;
        }
        return s;
    }

    // ------------------------------------------------------------------ metrics

    /**
     * Per-class IoU = TP / (TP + FP + FN). NaN for a class that occurs neither in the ground truth nor in
     * the predictions (it is then left out of {@link #meanIoU()}, like the official script); 0 for a class
     * that is predicted but absent from the ground truth.
     */
    public synchronized double[] iou() {
        double[] out = new double[numClasses];
        for (int c = 0; c < numClasses; c++) {
            long tp = counts[c * numClasses + c];
            long denom = gtCount(c) + predCount(c) - tp;
            out[c] = denom == 0 ? Double.NaN : (double) tp / denom;
        }
        return out;
    }

    /** Mean of the non-NaN per-class IoUs; NaN if there is none (nothing evaluated). */
    public double meanIoU() {
        return nanMean(iou());
    }

    /** Correct pixels / evaluated pixels; NaN when nothing was evaluated. */
    public synchronized double pixelAccuracy() {
        long tp = 0;
        for (int c = 0; c < numClasses; c++) {
            tp += counts[c * numClasses + c];
        }
        long t = total();
        return t == 0 ? Double.NaN : (double) tp / t;
    }

    /** Per-class accuracy (recall) = TP / ground-truth pixels; NaN for a class absent from the ground truth. */
    public synchronized double[] classAccuracy() {
        double[] out = new double[numClasses];
        for (int c = 0; c < numClasses; c++) {
            long g = gtCount(c);
            out[c] = g == 0 ? Double.NaN : (double) counts[c * numClasses + c] / g;
        }
        return out;
    }

    /** Mean of the non-NaN per-class accuracies. */
    public double meanClassAccuracy() {
        return nanMean(classAccuracy());
    }

    /** An immutable snapshot of all metrics, with class names (their number must match). */
    public synchronized SegMetrics metrics(List<String> classNames) {
        return SegMetrics.of(this, classNames);
    }

    /** Metrics with the Cityscapes class names when there are 19 classes, "class_i" otherwise. */
    public SegMetrics metrics() {
        return metrics(defaultNames(numClasses));
    }

    static List<String> defaultNames(int numClasses) {
        if (numClasses == Cityscapes.NUM_CLASSES) {
            return Cityscapes.CLASS_NAMES;
        }
        String[] n = new String[numClasses];
        for (int i = 0; i < numClasses; i++) {
            n[i] = "class_" + i;
        }
        return List.of(n);
    }

    static double nanMean(double[] v) {
        double s = 0;
        int n = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                s += x;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    // ------------------------------------------------------------------ helpers

    /** Shape without a singleton channel dimension ([N,1,H,W] -> [N,H,W]). */
    private static long[] spatialShape(INDArray a) {
        long[] s = a.shape();
        if (s.length == 4 && s[1] == 1) {
            return new long[]{s[0], s[2], s[3]};
        }
        return s;
    }

    /** The values of an array as a fresh row-major int[] (views, 'f' order and any data type handled). */
    static int[] toInts(INDArray a) {
        INDArray c = a.dataType() == DataType.INT32 ? a : a.castTo(DataType.INT32);
        if (c.isView() || c.ordering() != 'c' || c.data().length() != c.length()) {
            c = c.dup('c');
        }
        int[] v = c.data().asInt();
        if (v.length != a.length()) {
            throw new IllegalStateException("unexpected buffer length " + v.length + " for " + a.length() + " values");
        }
        return v;
    }

    @Override
    public synchronized String toString() {
        return "ConfusionMatrix[" + numClasses + " classes, " + total() + " pixels, " + ignored + " ignored]";
    }
}
