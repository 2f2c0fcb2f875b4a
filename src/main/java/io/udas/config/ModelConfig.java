package io.udas.config;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Set;

/** The segmentation network: DeepLab-v2 on a ResNet backbone. */
public class ModelConfig implements Validatable {
    public String arch = "deeplabv2";
    public int numClasses = 19;
    /** ResNet depth: 18, 34, 50 or 101. */
    public int depth = 101;
    /** Channel width multiplier (1.0 = the standard widths; tests use tiny ones). */
    public double width = 1.0;
    /** Stride in the first 1x1 conv of a bottleneck (Caffe, DeepLab-v2/AdaptSegNet checkpoints) or in the 3x3 (torchvision). */
    @JsonProperty("stride_in_1x1")
    public boolean strideIn1x1 = true;
    public List<Integer> asppDilations = List.of(6, 12, 18, 24);
    public boolean alignCorners = true;
    public InputNormConfig input = new InputNormConfig();

    @Override
    public void validate(Validator v) {
        v.oneOf("arch", arch, Set.of("deeplabv2"));
        v.positive("num_classes", numClasses);
        v.oneOf("depth", depth, Set.of(18, 34, 50, 101));
        v.positive("width", width);
        v.check(asppDilations != null && !asppDilations.isEmpty() && asppDilations.stream().allMatch(d -> d >= 1),
                "aspp_dilations", "expected a non-empty list of dilations >= 1");
        v.section("input", input);
    }
}
