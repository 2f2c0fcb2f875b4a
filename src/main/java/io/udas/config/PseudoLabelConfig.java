package io.udas.config;

import java.util.List;

/**
 * Stage 3a: K-view max-confidence pseudo-labels from a teacher. View 0 is the image itself; views
 * 1..K-1 are scaled copies (scales evenly spaced over [scale_min, scale_max]; one view at their mean
 * when K = 2), every odd view mirrored when {@code flip}, each with random photometric jitter.
 */
public class PseudoLabelConfig implements Validatable {
    /** Number of augmented views per image (3 in the thesis). */
    public int views = 3;
    /** Pixels whose fused confidence is below this become 255. */
    public double threshold = 0.9;
    /** Optional per-class thresholds (one per class, trainId order) overriding threshold. */
    public List<Double> classThresholds;
    /** Scale range of the geometric views (the first view is always the identity). */
    public double scaleMin = 0.75;
    public double scaleMax = 1.25;
    public boolean flip = true;
    /** Photometric jitter strength of the views (brightness/contrast/saturation; hue a quarter). */
    public double jitter = 0.2;
    /** Also write the fused confidence of every pixel as an 8-bit PNG (confidence * 255). */
    public boolean saveConfidence = true;
    /** Images per teacher forward pass (images of one size are batched). */
    public int batchSize = 1;
    /** Colour previews of the first N pseudo-labels (0 = none). */
    public int previews = 6;

    @Override
    public void validate(Validator v) {
        v.positive("views", views);
        v.range("threshold", threshold, 0, 1);
        if (classThresholds != null) {
            v.check(classThresholds.stream().allMatch(t -> t != null && t >= 0 && t <= 1), "class_thresholds",
                    "expected values in [0, 1]");
        }
        v.positive("scale_min", scaleMin);
        v.check(scaleMax >= scaleMin, "scale_max", "expected >= scale_min");
        v.nonNegative("jitter", jitter);
        v.positive("batch_size", batchSize);
        v.nonNegative("previews", previews);
    }
}
