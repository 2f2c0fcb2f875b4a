package io.udas.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

/**
 * CycleGAN ResNet generator (pytorch-CycleGAN {@code ResnetGenerator}): reflection pad 3 + conv7x7 ngf + IN + ReLU;
 * two conv3x3 s2 p1 downsamplings (x2 channels) + IN + ReLU; n residual blocks (reflection pad 1, conv3x3, IN, ReLU,
 * reflection pad 1, conv3x3, IN, + skip); two transposed convs 3x3 s2 p1 output_padding 1 (H, W doubled, channels
 * halved) + IN + ReLU; reflection pad 3 + conv7x7 -> outC; tanh. All convs with bias; IN without affine by default.
 *
 * <p>Names follow the PyTorch Sequential indices: {@code model.1.weight} (first conv), {@code model.4}, {@code model.7}
 * (downsampling), {@code model.10.conv_block.1.weight} / {@code model.10.conv_block.5.weight} (first residual block),
 * then {@code model.{10+n}} and {@code model.{13+n}} (transposed convs) and {@code model.{17+n}} (last conv);
 * n = 9 gives model.19, model.22, model.26. Init N(0, 0.02), bias 0. Height and width must be multiples of 4.
 */
public final class ResnetGenerator {

    public static final String OUT = "out";
    public static final String INPUT = "input";

    private ResnetGenerator() {
    }

    public static final class Spec {
        private int inChannels = 3;
        private int outChannels = 3;
        private int ngf = 64;
        private int nBlocks = 9;
        private boolean affineNorm = false;
        private double initStd = 0.02;
        private int height = -1;
        private int width = -1;

        public Spec inChannels(int c) {
            this.inChannels = c;
            return this;
        }

        public Spec outChannels(int c) {
            this.outChannels = c;
            return this;
        }

        public Spec ngf(int n) {
            this.ngf = n;
            return this;
        }

        public Spec nBlocks(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("nBlocks >= 0");
            }
            this.nBlocks = n;
            return this;
        }

        public Spec affineNorm(boolean b) {
            this.affineNorm = b;
            return this;
        }

        public Spec initStd(double s) {
            this.initStd = s;
            return this;
        }

        /** Input (= output) size; both must be multiples of 4 and > 3 (reflection pad 3). */
        public Spec inputSize(int height, int width) {
            if (height % 4 != 0 || width % 4 != 0 || height < 4 || width < 4) {
                throw new IllegalArgumentException("Generator input size must be multiples of 4, got " + height + "x" + width);
            }
            this.height = height;
            this.width = width;
            return this;
        }

        public int height() {
            return height;
        }

        public int width() {
            return width;
        }
    }

    /** Builds on a new placeholder {@code <prefix>input} [-1, inC, H, W]. */
    public static Network build(SameDiff sd, String prefix, Spec spec) {
        requireSize(spec);
        SDVariable x = sd.placeHolder((prefix == null ? "" : prefix) + INPUT, Nd4j.defaultFloatingPointType(), -1, spec.inChannels, spec.height, spec.width);
        return build(Scope.of(sd, prefix, x.dataType()), spec, x);
    }

    public static Network build(SameDiff sd, String prefix, Spec spec, SDVariable input) {
        return build(Scope.of(sd, prefix, input.dataType()), spec, input);
    }

    /** Builds in the given scope ({@link Scope#reusing} applies an existing generator to another input). */
    public static Network build(Scope root, Spec spec, SDVariable input) {
        requireSize(spec);
        Scope s = root.child("model");
        Init w = Init.normal(spec.initStd);
        Init b = Init.zeros();
        int h = spec.height;
        int wd = spec.width;
        int ngf = spec.ngf;

        SDVariable y = Layers.reflectionPad(input, 3, h, wd);
        y = Layers.conv2d(s, "1", y, Conv.of(spec.inChannels, ngf, 7).init(w).biasInit(b));
        y = Layers.relu(Layers.instanceNorm(s, "2", y, ngf, spec.affineNorm));
        int idx = 4;
        int ch = ngf;
        for (int i = 0; i < 2; i++) {
            Conv c = Conv.of(ch, ch * 2, 3).stride(2).pad(1).init(w).biasInit(b);
            y = Layers.conv2d(s, Integer.toString(idx), y, c);
            h = c.outSize(h);
            wd = c.outSize(wd);
            ch *= 2;
            y = Layers.relu(Layers.instanceNorm(s, Integer.toString(idx + 1), y, ch, spec.affineNorm));
            idx += 3;
        }
        for (int i = 0; i < spec.nBlocks; i++) {
            Scope blk = s.child(Integer.toString(idx)).child("conv_block");
            SDVariable r = Layers.reflectionPad(y, 1, h, wd);
            r = Layers.conv2d(blk, "1", r, Conv.of(ch, ch, 3).init(w).biasInit(b));
            r = Layers.relu(Layers.instanceNorm(blk, "2", r, ch, spec.affineNorm));
            r = Layers.reflectionPad(r, 1, h, wd);
            r = Layers.conv2d(blk, "5", r, Conv.of(ch, ch, 3).init(w).biasInit(b));
            r = Layers.instanceNorm(blk, "6", r, ch, spec.affineNorm);
            y = y.add(r);
            idx++;
        }
        for (int i = 0; i < 2; i++) {
            Conv c = Conv.of(ch, ch / 2, 3).stride(2).pad(1).outputPadding(1).init(w).biasInit(b);
            y = Layers.transposedConv2d(s, Integer.toString(idx), y, c, h, wd);
            h = c.transposedOutSize(h);
            wd = c.transposedOutSize(wd);
            ch /= 2;
            y = Layers.relu(Layers.instanceNorm(s, Integer.toString(idx + 1), y, ch, spec.affineNorm));
            idx += 3;
        }
        y = Layers.reflectionPad(y, 3, h, wd);
        idx++;
        y = Layers.conv2d(s, Integer.toString(idx), y, Conv.of(ch, spec.outChannels, 7).init(w).biasInit(b));
        y = Layers.tanh(y);
        return new Network(root.sd(), root.prefix(), input, Map.of(OUT, root.nameOutput(y, OUT)), root.trainable(), root.frozen(), List.of());
    }

    private static void requireSize(Spec spec) {
        if (spec.height < 1) {
            throw new IllegalStateException("ResnetGenerator.Spec: inputSize(height, width) must be set");
        }
    }
}
