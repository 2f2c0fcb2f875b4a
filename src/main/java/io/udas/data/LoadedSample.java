package io.udas.data;

/**
 * A decoded sample in plain arrays: the image planar BGR [3,H,W] in 0..255, the label row-major trainIds
 * (255 = ignore) or null. The label has its own size: equal to the image's in training, the dataset's
 * size when evaluation feeds the network a different image size.
 */
public record LoadedSample(Sample sample, int height, int width, float[] image,
                           int labelHeight, int labelWidth, int[] label) {
}
