package io.udas.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

/**
 * CycleGAN PatchGAN discriminator (pytorch-CycleGAN {@code NLayerDiscriminator}, n_layers=3 is the 70x70 PatchGAN):
 * conv4x4 s2 ndf + LReLU(0.2); (n_layers-1) x [conv4x4 s2 + IN + LReLU] doubling channels (max 8ndf);
 * conv4x4 s1 + IN + LReLU; conv4x4 s1 -> 1. Padding 1 everywhere, all convs with bias (IN without affine).
 * Names follow the PyTorch Sequential: {@code model.0.weight}, {@code model.2.weight}, ..., {@code model.11.weight}
 * for n_layers=3. Init N(0, 0.02), bias 0.
 */
public final class PatchDiscriminator {

    public static final String OUT = "out";
    public static final String INPUT = "input";

    private PatchDiscriminator() {
    }

    public static final class Spec {
        private int inChannels = 3;
        private int ndf = 64;
        private int nLayers = 3;
        private boolean affineNorm = false;
        private double initStd = 0.02;

        public Spec inChannels(int c) {
            this.inChannels = c;
            return this;
        }

        public Spec ndf(int n) {
            this.ndf = n;
            return this;
        }

        public Spec nLayers(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("nLayers >= 1");
            }
            this.nLayers = n;
            return this;
        }

        /** Instance norm with trainable affine (names model.{i}.weight/bias); default false. */
        public Spec affineNorm(boolean b) {
            this.affineNorm = b;
            return this;
        }

        public Spec initStd(double s) {
            this.initStd = s;
            return this;
        }
    }

    /** Builds on a new placeholder {@code <prefix>input} [-1, C, -1, -1]. */
    public static Network build(SameDiff sd, String prefix, Spec spec) {
        SDVariable x = sd.placeHolder((prefix == null ? "" : prefix) + INPUT, Nd4j.defaultFloatingPointType(), -1, spec.inChannels, -1, -1);
        return build(Scope.of(sd, prefix, x.dataType()), spec, x);
    }

    public static Network build(SameDiff sd, String prefix, Spec spec, SDVariable input) {
        return build(Scope.of(sd, prefix, input.dataType()), spec, input);
    }

    /** Builds in the given scope ({@link Scope#reusing} shares the weights of an existing discriminator). */
    public static Network build(Scope root, Spec spec, SDVariable input) {
        Scope s = root.child("model");
        Init w = Init.normal(spec.initStd);
        Init b = Init.zeros();
        int idx = 0;
        SDVariable y = Layers.conv2d(s, Integer.toString(idx), input, Conv.of(spec.inChannels, spec.ndf, 4).stride(2).pad(1).init(w).biasInit(b));
        y = Layers.leakyRelu(y, 0.2);
        idx += 2;
        int mult = 1;
        for (int n = 1; n <= spec.nLayers; n++) {
            int prev = mult;
            mult = Math.min(1 << n, 8);
            int stride = n < spec.nLayers ? 2 : 1;
            int outC = spec.ndf * mult;
            y = Layers.conv2d(s, Integer.toString(idx), y, Conv.of(spec.ndf * prev, outC, 4).stride(stride).pad(1).init(w).biasInit(b));
            y = Layers.instanceNorm(s, Integer.toString(idx + 1), y, outC, spec.affineNorm);
            y = Layers.leakyRelu(y, 0.2);
            idx += 3;
        }
        y = Layers.conv2d(s, Integer.toString(idx), y, Conv.of(spec.ndf * mult, 1, 4).stride(1).pad(1).init(w).biasInit(b));
        return new Network(root.sd(), root.prefix(), input, Map.of(OUT, root.nameOutput(y, OUT)), root.trainable(), root.frozen(), List.of());
    }
}
