package io.udas.config;

/** Evaluation: the network's input size (predictions are upsampled to label size afterwards). */
public class EvalConfig implements Validatable {
    /** Network input size at evaluation; null = each dataset's own (resize) size. */
    public Size size;
    /** Evaluate at most this many images (0 = all); for quick checks during training. */
    public int maxImages = 0;

    @Override
    public void validate(Validator v) {
        v.optionalSection("size", size);
        v.nonNegative("max_images", maxImages);
    }
}
