package io.udas.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

/**
 * Output-space discriminator (AdaptSegNet FCDiscriminator): 5 convs 4x4 stride 2 padding 1, channels
 * C -> ndf -> 2ndf -> 4ndf -> 8ndf -> 1, LeakyReLU(0.2) after the first four, no sigmoid (raw logits).
 * Names {@code conv1..conv4.weight/bias}, {@code classifier.weight/bias}; PyTorch default init.
 * Each conv halves H and W (floor), so the input must be at least 32x32.
 */
public final class OutputDiscriminator {

    /** Output key: the patch logits [N, 1, H/32, W/32]. */
    public static final String OUT = "out";
    public static final String INPUT = "input";

    private OutputDiscriminator() {
    }

    public static final class Spec {
        private int inChannels = 19;
        private int ndf = 64;
        private double slope = 0.2;
        private Init init = Init.torchDefault();

        public Spec inChannels(int c) {
            this.inChannels = c;
            return this;
        }

        public Spec ndf(int n) {
            this.ndf = n;
            return this;
        }

        public Spec negativeSlope(double a) {
            this.slope = a;
            return this;
        }

        /** Initialiser of weights and biases (default: PyTorch default). */
        public Spec init(Init i) {
            this.init = i;
            return this;
        }

        public int inChannels() {
            return inChannels;
        }

        public int ndf() {
            return ndf;
        }
    }

    /** Builds on a new placeholder {@code <prefix>input} [-1, C, -1, -1]. */
    public static Network build(SameDiff sd, String prefix, Spec spec) {
        SDVariable x = sd.placeHolder((prefix == null ? "" : prefix) + INPUT, Nd4j.defaultFloatingPointType(), -1, spec.inChannels, -1, -1);
        return build(Scope.of(sd, prefix, x.dataType()), spec, x);
    }

    /** Builds on {@code input} [N, C, H, W]. */
    public static Network build(SameDiff sd, String prefix, Spec spec, SDVariable input) {
        return build(Scope.of(sd, prefix, input.dataType()), spec, input);
    }

    /**
     * Builds in the given scope; with {@link Scope#reusing} an existing discriminator's weights are shared (apply the
     * same D to source and target predictions in one graph). Output named {@code <prefix>out} (or out_1, ...).
     */
    public static Network build(Scope s, Spec spec, SDVariable input) {
        int[] ch = {spec.inChannels, spec.ndf, spec.ndf * 2, spec.ndf * 4, spec.ndf * 8};
        SDVariable y = input;
        for (int i = 0; i < 4; i++) {
            y = Layers.conv2d(s, "conv" + (i + 1), y, Conv.of(ch[i], ch[i + 1], 4).stride(2).pad(1).init(spec.init).biasInit(spec.init));
            y = Layers.leakyRelu(y, spec.slope);
        }
        y = Layers.conv2d(s, "classifier", y, Conv.of(ch[4], 1, 4).stride(2).pad(1).init(spec.init).biasInit(spec.init));
        return new Network(s.sd(), s.prefix(), input, Map.of(OUT, s.nameOutput(y, OUT)), s.trainable(), s.frozen(), List.of());
    }
}
