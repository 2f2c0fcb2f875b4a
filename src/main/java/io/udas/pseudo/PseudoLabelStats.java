package io.udas.pseudo;

import io.udas.data.Cityscapes;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-class statistics of a pseudo-labelling run: how many pixels the teacher predicted as each
 * class and what share of them survived the confidence threshold.
 */
public final class PseudoLabelStats {
    private final int numClasses;
    private final long[] predicted;
    private final long[] kept;
    private long pixels;

    public PseudoLabelStats(int numClasses) {
        this.numClasses = numClasses;
        this.predicted = new long[numClasses];
        this.kept = new long[numClasses];
    }

    /**
     * Adds one image: {@code argmax} is the fused class before thresholding (from the winning view),
     * {@code labels} the thresholded pseudo-label.
     */
    public synchronized void add(int[] argmax, int[] labels) {
        for (int p = 0; p < labels.length; p++) {
            pixels++;
            int a = argmax[p];
            if (a >= 0 && a < numClasses) {
                predicted[a]++;
                if (labels[p] == a) {
                    kept[a]++;
                }
            }
        }
    }

    public synchronized double keptShare(int c) {
        return predicted[c] == 0 ? Double.NaN : (double) kept[c] / predicted[c];
    }

    public synchronized double overallKeptShare() {
        long k = 0;
        for (long v : kept) {
            k += v;
        }
        return pixels == 0 ? Double.NaN : (double) k / pixels;
    }

    /** JSON-ready view: overall share and, per class name, predicted pixels and kept share. */
    public synchronized Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pixels", pixels);
        m.put("kept_share", overallKeptShare());
        Map<String, Object> per = new LinkedHashMap<>();
        for (int c = 0; c < numClasses; c++) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("predicted_pixels", predicted[c]);
            e.put("kept_pixels", kept[c]);
            e.put("kept_share", keptShare(c));
            per.put(c < Cityscapes.CLASS_NAMES.size() ? Cityscapes.CLASS_NAMES.get(c) : "class" + c, e);
        }
        m.put("classes", per);
        return m;
    }
}
