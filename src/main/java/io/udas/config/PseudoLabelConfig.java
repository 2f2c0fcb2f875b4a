package io.udas.config;

import java.util.List;

/** Stage 3a: K-view max-confidence pseudo-labels from a teacher. */
public class PseudoLabelConfig implements Validatable {
    /** Number of augmented views per image (3 in the thesis). */
    public int views = 3;
    /** Pixels whose fused confidence is below this become 255. */
    public double threshold = 0.9;
    /** Optional per-class thresholds (19 values) overriding threshold. */
    public List<Double> classThresholds;
    /** Scale range of the geometric views (the first view is always the identity). */
    public double scaleMin = 0.75;
    public double scaleMax = 1.25;
    public boolean flip = true;
    /** Photometric jitter strength of the views. */
    public double jitter = 0.2;
    public boolean saveConfidence = true;

    @Override
    public void validate(Validator v) {
        v.positive("views", views);
        v.range("threshold", threshold, 0, 1);
        if (classThresholds != null) {
            v.check(classThresholds.stream().allMatch(t -> t >= 0 && t <= 1), "class_thresholds",
                    "expected values in [0, 1]");
        }
        v.positive("scale_min", scaleMin);
        v.check(scaleMax >= scaleMin, "scale_max", "expected >= scale_min");
        v.nonNegative("jitter", jitter);
    }
}
