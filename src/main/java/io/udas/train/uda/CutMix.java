package io.udas.train.uda;

import io.udas.data.Seeds;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * CutMix between a source and a labeled target batch (Yun et al. 2019, as the UDAS method uses it):
 * for each sample pair, lambda ~ U(0, 1), a box of r_w = floor(W sqrt(1 - lambda)) by
 * r_h = floor(H sqrt(1 - lambda)) pixels around a centre drawn uniformly over the pixels, clipped to
 * the image; the target's pixels are pasted into the source image inside the box, and the labels are
 * mixed with the same box. Pure: the draws are a function of the seed only.
 */
public final class CutMix {
    private CutMix() {
    }

    /** A half-open box {@code [y0, y1) x [x0, x1)}, possibly empty after clipping. */
    public record Box(int y0, int y1, int x0, int x1) {
        public int area() {
            return Math.max(0, y1 - y0) * Math.max(0, x1 - x0);
        }

        public boolean contains(int y, int x) {
            return y >= y0 && y < y1 && x >= x0 && x < x1;
        }
    }

    /**
     * The box for a given lambda and centre: {@code r = floor(size * sqrt(1 - lambda))}, top-left
     * corner {@code centre - floor(r / 2)}, so the unclipped box is exactly r_h x r_w; then clipped
     * to the image.
     */
    public static Box box(int height, int width, double lambda, int cy, int cx) {
        if (lambda < 0 || lambda > 1) {
            throw new IllegalArgumentException("lambda must be in [0, 1], got " + lambda);
        }
        double cut = Math.sqrt(1 - lambda);
        int rh = (int) Math.floor(height * cut);
        int rw = (int) Math.floor(width * cut);
        int y0 = cy - rh / 2;
        int x0 = cx - rw / 2;
        return new Box(clip(y0, height), clip(y0 + rh, height), clip(x0, width), clip(x0 + rw, width));
    }

    /** Draws lambda ~ U(0, 1) and the centre (uniform over pixels), in that order. */
    public static Box sample(int height, int width, SplittableRandom rnd) {
        double lambda = rnd.nextDouble();
        int cy = rnd.nextInt(height);
        int cx = rnd.nextInt(width);
        return box(height, width, lambda, cy, cx);
    }

    /** Mixed images [N,3,H,W] and labels [N,H,W], and the box of each sample. */
    public record Mixed(INDArray images, INDArray labels, List<Box> boxes) {
    }

    /** One box per sample, sample i drawn from {@code (seed, i)}. */
    public static List<Box> boxes(int n, int height, int width, long seed) {
        List<Box> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(sample(height, width, new SplittableRandom(Seeds.derive(seed, i))));
        }
        return out;
    }

    /** Source images/labels with each target sample pasted inside its box (new arrays; inputs unchanged). */
    public static Mixed mix(INDArray srcImages, INDArray srcLabels, INDArray tgtImages, INDArray tgtLabels,
                            List<Box> boxes) {
        long[] s = srcImages.shape();
        if (s.length != 4 || !java.util.Arrays.equals(s, tgtImages.shape())) {
            throw new IllegalArgumentException("source and target images must both be [N,3,H,W] of one shape, got "
                    + java.util.Arrays.toString(s) + " and " + java.util.Arrays.toString(tgtImages.shape()));
        }
        if (!java.util.Arrays.equals(srcLabels.shape(), tgtLabels.shape())
                || srcLabels.size(0) != s[0] || srcLabels.size(1) != s[2] || srcLabels.size(2) != s[3]) {
            throw new IllegalArgumentException("labels must be [N,H,W] matching the images");
        }
        if (boxes.size() != s[0]) {
            throw new IllegalArgumentException(boxes.size() + " boxes for " + s[0] + " samples");
        }
        INDArray images = srcImages.dup('c');
        INDArray labels = srcLabels.dup('c');
        for (int i = 0; i < boxes.size(); i++) {
            Box b = boxes.get(i);
            if (b.area() == 0) {
                continue;
            }
            INDArrayIndex ys = NDArrayIndex.interval(b.y0(), b.y1());
            INDArrayIndex xs = NDArrayIndex.interval(b.x0(), b.x1());
            INDArrayIndex n = NDArrayIndex.point(i);
            images.get(n, NDArrayIndex.all(), ys, xs).assign(tgtImages.get(n, NDArrayIndex.all(), ys, xs));
            labels.get(n, ys, xs).assign(tgtLabels.get(n, ys, xs));
        }
        return new Mixed(images, labels, boxes);
    }

    /** {@link #boxes} then {@link #mix}. */
    public static Mixed mix(INDArray srcImages, INDArray srcLabels, INDArray tgtImages, INDArray tgtLabels, long seed) {
        return mix(srcImages, srcLabels, tgtImages, tgtLabels,
                boxes((int) srcImages.size(0), (int) srcImages.size(2), (int) srcImages.size(3), seed));
    }

    private static int clip(int v, int size) {
        return Math.max(0, Math.min(size, v));
    }
}
