package io.udas.config;

import java.util.List;

/**
 * How a model wants its input: channel order and per-channel mean/std in 0..255 pixel units
 * (defaults: the Caffe DeepLab-v2 convention, BGR minus the ImageNet mean, no scaling).
 */
public class InputNormConfig implements Validatable {
    public enum ChannelOrder { BGR, RGB }

    public ChannelOrder channelOrder = ChannelOrder.BGR;
    public List<Double> mean = List.of(104.00698793, 116.66876762, 122.67891434);
    public List<Double> std = List.of(1.0, 1.0, 1.0);

    @Override
    public void validate(Validator v) {
        v.require("channel_order", channelOrder);
        v.check(mean != null && mean.size() == 3, "mean", "expected a list of 3 numbers");
        v.check(std != null && std.size() == 3 && std.stream().allMatch(s -> s > 0), "std",
                "expected a list of 3 numbers > 0");
    }
}
