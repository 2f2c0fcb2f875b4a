package io.udas.pseudo;

import io.udas.data.Cityscapes;

import java.util.Arrays;
import java.util.List;

/**
 * Fuses K teacher predictions of one image (already mapped back to the original geometry) into a
 * pseudo-label: per pixel, the view with the highest confidence (max class probability) decides the
 * class; the fused confidence is that maximum (the thesis' max-confidence map). Pixels below their
 * class threshold, or covered by no view, become 255.
 */
public final class MaxConfidenceFusion {
    private final int numClasses;
    private final double[] thresholds;

    /** One threshold for all classes. */
    public MaxConfidenceFusion(int numClasses, double threshold) {
        this.numClasses = numClasses;
        this.thresholds = new double[numClasses];
        Arrays.fill(thresholds, threshold);
    }

    /** Per-class thresholds (index = trainId). */
    public MaxConfidenceFusion(double[] classThresholds) {
        this.numClasses = classThresholds.length;
        this.thresholds = classThresholds.clone();
    }

    /**
     * One view's probabilities in the original geometry.
     *
     * @param probs [C * H * W] class-major probabilities
     * @param valid [H * W] whether the view saw the pixel (a crop or scale may not cover it); null = all
     */
    public record View(float[] probs, boolean[] valid) {
    }

    /**
     * The fused pseudo-label of one image: {@code argmax} is the winning view's class before the
     * threshold (255 where no view saw the pixel), {@code labels} after it.
     */
    public record Result(int height, int width, int[] argmax, int[] labels, float[] confidence) {
    }

    public Result fuse(List<View> views, int height, int width) {
        int hw = height * width;
        int[] argmax = new int[hw];
        int[] labels = new int[hw];
        float[] conf = new float[hw];
        for (int p = 0; p < hw; p++) {
            float best = -1;
            int bestClass = Cityscapes.IGNORE;
            for (View v : views) {
                if (v.valid() != null && !v.valid()[p]) {
                    continue;
                }
                float[] pr = v.probs();
                for (int c = 0; c < numClasses; c++) {
                    float q = pr[c * hw + p];
                    if (q > best) {
                        best = q;
                        bestClass = c;
                    }
                }
            }
            argmax[p] = bestClass;
            if (bestClass == Cityscapes.IGNORE) {
                labels[p] = Cityscapes.IGNORE;
                conf[p] = 0;
            } else {
                conf[p] = best;
                labels[p] = best >= thresholds[bestClass] ? bestClass : Cityscapes.IGNORE;
            }
        }
        return new Result(height, width, argmax, labels, conf);
    }
}
