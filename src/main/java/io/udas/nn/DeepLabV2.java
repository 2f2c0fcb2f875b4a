package io.udas.nn;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.PadMode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DeepLab-v2 (AdaptSegNet / ADVENT flavour): dilated ResNet backbone (output stride 8, frozen BN) + ASPP classifier
 * = SUM of 3x3 convs (in -> numClasses, with bias, padding = dilation), optional auxiliary classifier on layer3
 * (AdaptSegNet multi-level). Logits are produced at stride 8 and bilinearly upsampled to the input size.
 *
 * <p>Names (after the prefix): the ResNet's ({@code conv1.weight}, {@code layer3.5.conv2.weight}, ...),
 * {@code layer5.conv2d_list.{i}.weight/bias} (main head on layer4), {@code layer6.conv2d_list.{i}.weight/bias}
 * (auxiliary head on layer3). Head = layer5 and layer6 (LR x10 in training).
 *
 * <p>Init: ResNet convs Kaiming normal (fan_out), frozen BN at identity except the last BN weight of each residual
 * branch (see {@link ResNet.Spec#scaledResidualInit(boolean)}), ASPP weights N(0, 0.01) and biases PyTorch
 * default U(+-1/sqrt(fan_in)).
 */
public final class DeepLabV2 {

    /** Main logits at stride 8, [N, C, h, w]. */
    public static final String LOGITS = "logits";
    /** Main logits upsampled to the input size, [N, C, H, W]. */
    public static final String LOGITS_UP = "logits_up";
    /** Auxiliary (layer3) logits at stride 8, present only with {@code aux(true)}. */
    public static final String AUX_LOGITS = "aux_logits";
    /** Auxiliary logits upsampled to the input size. */
    public static final String AUX_LOGITS_UP = "aux_logits_up";
    /** Name of the input placeholder created by {@link #build(SameDiff, String, Spec)} (after the prefix). */
    public static final String INPUT = "input";

    private DeepLabV2() {
    }

    /** Segmenter specification (fluent setters). Input height and width are required. */
    public static final class Spec {
        private int numClasses = 19;
        // The backbone's own settings live in its spec: dilated to output stride 8, graph speed-ups on.
        private final ResNet.Spec backbone = new ResNet.Spec().outputStride8().spaceToBatch(true).foldBatchNorm(true)
                .channelsLast(true);
        private int[] asppDilations = {6, 12, 18, 24};
        private boolean alignCorners = true;
        private boolean aux = false;
        private int inputHeight = -1;
        private int inputWidth = -1;
        private boolean asppShifted = true;

        public Spec numClasses(int c) {
            if (c < 1) {
                throw new IllegalArgumentException("numClasses must be >= 1");
            }
            this.numClasses = c;
            return this;
        }

        /** Backbone depth (see {@link ResNet.Spec#depth(int)}). */
        public Spec depth(int d) {
            backbone.depth(d);
            return this;
        }

        /** Channel width multiplier of the backbone. */
        public Spec width(double w) {
            backbone.width(w);
            return this;
        }

        public Spec strideIn1x1(boolean b) {
            backbone.strideIn1x1(b);
            return this;
        }

        public Spec ceilMaxPool(boolean b) {
            backbone.ceilMaxPool(b);
            return this;
        }

        /** See {@link ResNet.Spec#scaledResidualInit(boolean)} (default true; false = PyTorch BN default 1). */
        public Spec scaledResidualInit(boolean b) {
            backbone.scaledResidualInit(b);
            return this;
        }

        /**
         * Dilated backbone stages as dense convs on space-to-batch maps (default true; exact, see
         * {@link ResNet.Spec#spaceToBatch(boolean)}). Needed on the oneDNN native build.
         */
        public Spec spaceToBatch(boolean b) {
            backbone.spaceToBatch(b);
            return this;
        }

        /** Frozen BN folded into the convs (default true; see {@link ResNet.Spec#foldBatchNorm(boolean)}). */
        public Spec foldBatchNorm(boolean b) {
            backbone.foldBatchNorm(b);
            return this;
        }

        public Spec asppDilations(int... d) {
            if (d.length == 0) {
                throw new IllegalArgumentException("at least one ASPP dilation");
            }
            this.asppDilations = d.clone();
            return this;
        }

        public Spec asppDilations(List<Integer> d) {
            return asppDilations(d.stream().mapToInt(Integer::intValue).toArray());
        }

        /** Convention of the final bilinear upsampling. */
        public Spec alignCorners(boolean b) {
            this.alignCorners = b;
            return this;
        }

        /** Auxiliary classifier on layer3 (layer6). */
        public Spec aux(boolean b) {
            this.aux = b;
            return this;
        }

        /**
         * ASPP head computed as one 1x1 conv producing every tap's class map, then shifted and summed
         * ({@link #classifierShifted}; default true; exact, no dilated conv, taps that can only read padding are
         * skipped). False: the four dilated 3x3 convs of the reference.
         */
        public Spec asppShifted(boolean b) {
            this.asppShifted = b;
            return this;
        }

        /** Channels-last feature maps in the backbone (default true; see {@link ResNet.Spec#channelsLast(boolean)}). */
        public Spec channelsLast(boolean b) {
            backbone.channelsLast(b);
            return this;
        }

        /**
         * All graph speed-ups on (the default) or off (the reference graph: dilated convs, separate BN ops, [N, C, H, W]
         * maps throughout).
         */
        public Spec fast(boolean b) {
            return spaceToBatch(b).foldBatchNorm(b).asppShifted(b).channelsLast(b);
        }

        public boolean asppShifted() {
            return asppShifted;
        }

        public Spec inputSize(int height, int width) {
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException("input size must be positive");
            }
            this.inputHeight = height;
            this.inputWidth = width;
            return this;
        }

        public int numClasses() {
            return numClasses;
        }

        public int[] asppDilations() {
            return asppDilations.clone();
        }

        public boolean alignCorners() {
            return alignCorners;
        }

        public boolean aux() {
            return aux;
        }

        public int inputHeight() {
            return inputHeight;
        }

        public int inputWidth() {
            return inputWidth;
        }

        /** The backbone spec this segmenter uses (depth, width, stride placement, speed-ups: read them here). */
        public ResNet.Spec backbone() {
            return backbone;
        }

        /** Spatial size [h, w] of the stride-8 logits for this input size. */
        public int[] logitsSize() {
            requireSize();
            int h = Layers.poolOut(Layers.convOut(inputHeight, 7, 2, 3, 1), 3, 2, 1, backbone.ceilMaxPool());
            int w = Layers.poolOut(Layers.convOut(inputWidth, 7, 2, 3, 1), 3, 2, 1, backbone.ceilMaxPool());
            return new int[]{Layers.convOut(h, 1, 2, 0, 1), Layers.convOut(w, 1, 2, 0, 1)};
        }

        private void requireSize() {
            if (inputHeight < 1 || inputWidth < 1) {
                throw new IllegalStateException("DeepLabV2.Spec: inputSize(height, width) must be set");
            }
        }
    }

    /** Builds the segmenter on a new placeholder {@code <prefix>input} [-1, 3, H, W] of ND4J's default float type. */
    public static Network build(SameDiff sd, String prefix, Spec spec) {
        spec.requireSize();
        DataType dt = Nd4j.defaultFloatingPointType();
        SDVariable x = sd.placeHolder((prefix == null ? "" : prefix) + INPUT, dt, -1, 3, spec.inputHeight(), spec.inputWidth());
        return build(sd, prefix, spec, x);
    }

    /** Builds the segmenter on {@code input} [N, 3, H, W] (H, W as in the spec; N may be unknown). */
    public static Network build(SameDiff sd, String prefix, Spec spec, SDVariable input) {
        return build(Scope.of(sd, prefix, input.dataType()), spec, input);
    }

    /**
     * Builds in the given scope: {@link Scope#bound} to a model's weights, or {@link Scope#reusing} to apply an
     * existing segmenter (same prefix) to another input with shared weights, e.g. source and target images of
     * different sizes in one graph (the spec's input size is the new input's); outputs are then named
     * {@code <prefix>logits_1}, ... .
     */
    public static Network build(Scope s, Spec spec, SDVariable input) {
        spec.requireSize();
        SameDiff sd = s.sd();
        int inH = spec.inputHeight();
        int inW = spec.inputWidth();
        ResNet.Features f = ResNet.features(s, spec.backbone(), input, inH, inW);
        ResNet.Feature l4 = f.layer(4);

        Map<String, SDVariable> out = new LinkedHashMap<>();
        int before = s.trainable().size();
        SDVariable logits = spec.asppShifted()
                ? classifierShifted(s.child("layer5"), l4.asPacked(), spec.numClasses(), spec.asppDilations())
                : classifier(s.child("layer5"), l4.nchw(), l4.channels(), spec.numClasses(), spec.asppDilations());
        out.put(LOGITS, s.nameOutput(logits, LOGITS));
        out.put(LOGITS_UP, s.nameOutput(Resize.bilinear(logits, spec.numClasses(), l4.height(), l4.width(), inH, inW,
                spec.alignCorners()), LOGITS_UP));
        if (spec.aux()) {
            ResNet.Feature l3 = f.layer(3);
            SDVariable aux = spec.asppShifted()
                    ? classifierShifted(s.child("layer6"), l3.asPacked(), spec.numClasses(), spec.asppDilations())
                    : classifier(s.child("layer6"), l3.nchw(), l3.channels(), spec.numClasses(), spec.asppDilations());
            out.put(AUX_LOGITS, s.nameOutput(aux, AUX_LOGITS));
            out.put(AUX_LOGITS_UP, s.nameOutput(Resize.bilinear(aux, spec.numClasses(), l3.height(), l3.width(), inH, inW,
                    spec.alignCorners()), AUX_LOGITS_UP));
        }
        List<String> head = new ArrayList<>(s.trainable().subList(before, s.trainable().size()));
        return new Network(sd, s.prefix(), input, out, s.trainable(), s.frozen(), head);
    }

    /** ASPP classifier (AdaptSegNet Classifier_Module): sum over dilations of conv3x3(pad=d, dil=d, bias) -> classes. */
    public static SDVariable classifier(Scope s, SDVariable x, int inChannels, int numClasses, int[] dilations) {
        Scope list = s.child("conv2d_list");
        SDVariable sum = null;
        for (int i = 0; i < dilations.length; i++) {
            int d = dilations[i];
            SDVariable y = Layers.conv2d(list, Integer.toString(i), x,
                    Conv.of(inChannels, numClasses, 3).pad(d).dilation(d).bias(true)
                            .init(Init.normal(0.01)).biasInit(Init.torchDefault()));
            sum = sum == null ? y : sum.add(y);
        }
        return sum;
    }

    /**
     * The ASPP classifier of {@link #classifier} (same parameters, same names and creation order, same values up to
     * float rounding) without dilated convs: sum_i conv3x3_{d_i}(x) + b_i = sum over taps (dy, dx) of
     * shift_{dy,dx}(x . W_tap) + sum_i b_i, where the per-tap matrices of all branches go into ONE 1x1 conv (taps with the
     * same offset, e.g. the four centre taps, are summed first; taps whose offset is >= the map size only ever read
     * padding and are dropped), and each tap's class map (few channels) is shifted with zero fill. The 1x1 conv runs on
     * the packed map when the input is packed (per-pixel), so only the class maps are unpacked. On a channels-last input
     * the 1x1 conv is a matrix product and the class maps are turned to [N, C, h, w]; the result is [N, C, h, w].
     */
    public static SDVariable classifierShifted(Scope s, SpaceToBatch.Packed in, int numClasses, int[] dilations) {
        SameDiff sd = s.sd();
        Scope list = s.child("conv2d_list");
        int c = in.channels();
        int h = in.layout().height();
        int w = in.layout().width();
        SDVariable[] weights = new SDVariable[dilations.length];
        SDVariable biasSum = null;
        for (int i = 0; i < dilations.length; i++) {
            int d = dilations[i];
            Conv conv = Conv.of(c, numClasses, 3).pad(d).dilation(d).bias(true).init(Init.normal(0.01)).biasInit(Init.torchDefault());
            weights[i] = Layers.convWeight(list, Integer.toString(i), conv);
            SDVariable b = Layers.convBias(list, Integer.toString(i), conv);
            biasSum = biasSum == null ? b : biasSum.add(b);
        }
        // group taps by offset
        Map<Long, List<SDVariable>> taps = new LinkedHashMap<>();
        Map<Long, int[]> offsets = new LinkedHashMap<>();
        for (int i = 0; i < dilations.length; i++) {
            int d = dilations[i];
            // one unstack per branch: its backward is one stack, where a slice per tap would take a weight-sized
            // gradient per tap and sum them
            SDVariable[] branchTaps = sd.unstack(weights[i].reshape(9, c, numClasses), 0, 9);
            for (int ky = 0; ky < 3; ky++) {
                for (int kx = 0; kx < 3; kx++) {
                    int dy = (ky - 1) * d;
                    int dx = (kx - 1) * d;
                    if (Math.abs(dy) >= h || Math.abs(dx) >= w) {
                        continue; // reads padding only
                    }
                    long key = ((long) dy << 32) ^ (dx & 0xffffffffL);
                    SDVariable wt = branchTaps[ky * 3 + kx];
                    taps.computeIfAbsent(key, k -> new ArrayList<>()).add(wt);
                    offsets.put(key, new int[]{dy, dx});
                }
            }
        }
        List<SDVariable> mats = new ArrayList<>();
        for (List<SDVariable> group : taps.values()) {
            SDVariable m = group.get(0);
            for (int j = 1; j < group.size(); j++) {
                m = m.add(group.get(j));
            }
            mats.add(m);
        }
        int t = mats.size();
        SDVariable wcat = t == 1 ? mats.get(0) : sd.concat(1, mats.toArray(new SDVariable[0]));
        SpaceToBatch.Layout layout = in.layout();
        SDVariable plain = layout.channelsLast()
                ? in.withRows(in.rows().mmul(wcat), t * numClasses).unpack()
                : in.with(sd.cnn().conv2d(in.x(), wcat.reshape(1, 1, c, (long) t * numClasses),
                Layers.convConfig(Conv.of(c, t * numClasses, 1).bias(false), false)), t * numClasses).unpack();
        if (layout.channelsLast()) {
            plain = plain.permute(0, 3, 1, 2);
        }
        SDVariable[] parts = t == 1 ? new SDVariable[]{plain} : sd.split(plain, t, 1);
        SDVariable sum = null;
        int j = 0;
        for (int[] off : offsets.values()) {
            SDVariable y = shift(parts[j++], off[0], off[1], h, w);
            sum = sum == null ? y : sum.add(y);
        }
        return sum.add(biasSum.reshape(1, numClasses, 1, 1));
    }

    /** y[i, j] = x[i + dy, j + dx] (0 outside), x [N, C, h, w]. */
    static SDVariable shift(SDVariable x, int dy, int dx, int h, int w) {
        if (dy == 0 && dx == 0) {
            return x;
        }
        SameDiff sd = x.getSameDiff();
        SDVariable cut = x.get(SDIndex.all(), SDIndex.all(),
                SDIndex.interval(Math.max(0, dy), h + Math.min(0, dy)), SDIndex.interval(Math.max(0, dx), w + Math.min(0, dx)));
        SDVariable padding = sd.constant(Nd4j.createFromArray(new int[][]{{0, 0}, {0, 0},
                {Math.max(0, -dy), Math.max(0, dy)}, {Math.max(0, -dx), Math.max(0, dx)}}));
        return sd.nn().pad(cut, padding, PadMode.CONSTANT, 0.0);
    }
}
