package io.udas.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ResNet v1 backbone (no average pool, no fc), PyTorch/torchvision state-dict names, frozen BatchNorm.
 *
 * <p>Depth 18/34 use basic blocks with [2,2,2,2]/[3,4,6,3] units; 50/101/152 bottlenecks with
 * [3,4,6,3]/[3,4,23,3]/[3,8,36,3]. Stem: conv1 7x7 s2 p3 (no bias), bn1, relu, max-pool 3x3 s2 p1 (ceil mode optional).
 * Stage i has planes = base * 2^i with base = max(1, round(64 * width)); bottleneck outputs are 4 * planes.
 *
 * <p>Names: {@code conv1.weight}, {@code bn1.*}, {@code layer{1-4}.{b}.conv{1,2,3}.weight},
 * {@code layer{1-4}.{b}.bn{1,2,3}.{weight,bias,running_mean,running_var}},
 * {@code layer{1-4}.0.downsample.0.weight} (1x1 conv, no bias), {@code layer{1-4}.0.downsample.1.*} (BN).
 *
 * <p>Dilated stages (DeepLab-v2 / AdaptSegNet): every 3x3 conv of a stage with dilation d uses padding d and dilation d
 * (including the first block); the downsample branch has the stage's stride (1 for dilated stages).
 */
public final class ResNet {

    /** Output keys of {@link #build}. */
    public static final String OUT_LAYER4 = "layer4";
    public static final String OUT_LAYER3 = "layer3";
    public static final String OUT_LAYER2 = "layer2";
    public static final String OUT_LAYER1 = "layer1";

    private ResNet() {
    }

    /** Backbone specification (fluent setters). */
    public static final class Spec {
        private int depth = 101;
        private double width = 1.0;
        private boolean strideIn1x1 = true;
        private int[] strides = {1, 2, 2, 2};
        private int[] dilations = {1, 1, 1, 1};
        private boolean ceilMaxPool = true;
        private int inChannels = 3;
        private Init convInit = Init.kaimingNormalFanOut();
        private boolean scaledResidualInit = true;
        private boolean spaceToBatch = false;
        private boolean foldBatchNorm = false;
        private boolean channelsLast = false;

        public Spec depth(int d) {
            units(d);
            this.depth = d;
            return this;
        }

        /** Channel width multiplier (1.0 = standard; tests use e.g. 1/8). */
        public Spec width(double w) {
            if (!(w > 0)) {
                throw new IllegalArgumentException("width must be > 0");
            }
            this.width = w;
            return this;
        }

        /** Stride in the first 1x1 conv of a bottleneck (Caffe / DeepLab-v2 checkpoints) instead of the 3x3 (torchvision). */
        public Spec strideIn1x1(boolean b) {
            this.strideIn1x1 = b;
            return this;
        }

        /** Strides of layer1..layer4 (default 1,2,2,2). */
        public Spec strides(int... s) {
            if (s.length != 4) {
                throw new IllegalArgumentException("4 stage strides expected");
            }
            this.strides = s.clone();
            return this;
        }

        /** Dilations of layer1..layer4 (default 1,1,1,1). */
        public Spec dilations(int... d) {
            if (d.length != 4) {
                throw new IllegalArgumentException("4 stage dilations expected");
            }
            this.dilations = d.clone();
            return this;
        }

        /** DeepLab-v2 output stride 8: layer3 stride 1 dilation 2, layer4 stride 1 dilation 4. */
        public Spec outputStride8() {
            return strides(1, 2, 1, 1).dilations(1, 1, 2, 4);
        }

        /** Max-pool ceil_mode (true: Caffe / AdaptSegNet ResNet; false: torchvision). */
        public Spec ceilMaxPool(boolean b) {
            this.ceilMaxPool = b;
            return this;
        }

        public Spec inChannels(int c) {
            this.inChannels = c;
            return this;
        }

        /** Initialiser of every conv weight (default Kaiming normal, fan_out). */
        public Spec convInit(Init init) {
            this.convInit = init;
            return this;
        }

        /**
         * Initial value of the last frozen BN weight of every residual branch (bn2 of a basic block, bn3 of a
         * bottleneck): true (default) = 1/sqrt(number of blocks), false = 1 (PyTorch's BN default). With frozen BN
         * (no normalisation) identity-initialised branches make the activation variance grow about 2x per block
         * (logits ~1e4 for ResNet-101 at init), so training from scratch diverges; the scaled value keeps the growth
         * bounded (about e over the whole network). Irrelevant once pretrained BN values are imported by name.
         */
        public Spec scaledResidualInit(boolean b) {
            this.scaledResidualInit = b;
            return this;
        }

        public boolean scaledResidualInit() {
            return scaledResidualInit;
        }

        /**
         * Dilated stride-1 stages computed as dense convs on space-to-batch rearranged maps ({@link SpaceToBatch}):
         * same values and gradients, works on the oneDNN native build (which rejects dilated convs) and is faster.
         * Default false here (the plain graph keeps dilated conv ops); {@link DeepLabV2.Spec} turns it on.
         */
        public Spec spaceToBatch(boolean b) {
            this.spaceToBatch = b;
            return this;
        }

        public boolean spaceToBatch() {
            return spaceToBatch;
        }

        /**
         * Every frozen BN folded into the conv before it ({@link Layers#conv2dFrozenBatchNorm}): same parameters and
         * names, same values up to float rounding, two per-pixel passes fewer per conv. Default false here (the plain
         * graph has the conv ops directly on the weights); {@link DeepLabV2.Spec} turns it on.
         */
        public Spec foldBatchNorm(boolean b) {
            this.foldBatchNorm = b;
            return this;
        }

        public boolean foldBatchNorm() {
            return foldBatchNorm;
        }

        /**
         * Feature maps in [N, H, W, C] inside the backbone (the input stays [N, C, H, W]; {@link Feature#nchw()} gives a
         * stage output in the usual order): libnd4j's convs run faster on it, and a 1x1 conv becomes one matrix product
         * on a free reshape (with {@link #foldBatchNorm}). Default false here; {@link DeepLabV2.Spec} turns it on.
         */
        public Spec channelsLast(boolean b) {
            this.channelsLast = b;
            return this;
        }

        public boolean channelsLast() {
            return channelsLast;
        }

        public int depth() {
            return depth;
        }

        public double width() {
            return width;
        }

        public boolean strideIn1x1() {
            return strideIn1x1;
        }

        public int[] strides() {
            return strides.clone();
        }

        public int[] dilations() {
            return dilations.clone();
        }

        public boolean ceilMaxPool() {
            return ceilMaxPool;
        }

        public int inChannels() {
            return inChannels;
        }

        public boolean bottleneck() {
            return depth >= 50;
        }

        public int expansion() {
            return bottleneck() ? 4 : 1;
        }

        /** Blocks per stage. */
        public int[] units() {
            return units(depth);
        }

        private static int[] units(int depth) {
            return switch (depth) {
                case 18 -> new int[]{2, 2, 2, 2};
                case 34, 50 -> new int[]{3, 4, 6, 3};
                case 101 -> new int[]{3, 4, 23, 3};
                case 152 -> new int[]{3, 8, 36, 3};
                default -> throw new IllegalArgumentException("Unsupported ResNet depth " + depth + " (18, 34, 50, 101, 152)");
            };
        }

        /** Stem width: max(1, round(64 * width)). */
        public int baseWidth() {
            return Math.max(1, (int) Math.round(64 * width));
        }

        /** Planes of stage i (0..3): base * 2^i. */
        public int planes(int stage) {
            return baseWidth() << stage;
        }

        /** Output channels of stage i (0..3). */
        public int stageChannels(int stage) {
            return planes(stage) * expansion();
        }

        /** Output channels of layer4. */
        public int outChannels() {
            return stageChannels(3);
        }
    }

    /**
     * A feature map with its channel count and spatial size. {@code x} is plain, [N, C, H, W], or [N, H, W, C] when
     * {@code channelsLast}; {@code packed}, when not null, is the same map in the space-to-batch layout it was computed
     * in (consumers that can work packed, like the ASPP head, use it and skip the unpacking).
     */
    public record Feature(SDVariable x, int channels, int height, int width, SpaceToBatch.Packed packed,
                          boolean channelsLast) {
        public Feature(SDVariable x, int channels, int height, int width, boolean channelsLast) {
            this(x, channels, height, width, null, channelsLast);
        }

        /** The packed form if there is one, else x as a plain layout. */
        public SpaceToBatch.Packed asPacked() {
            return packed != null ? packed
                    : new SpaceToBatch.Packed(x, channels, SpaceToBatch.Layout.plain(height, width, channelsLast));
        }

        /** x as [N, C, H, W]. */
        public SDVariable nchw() {
            return channelsLast ? x.permute(0, 3, 1, 2) : x;
        }
    }

    /** Stem and stage outputs. {@code stages.get(i)} is layer(i+1). */
    public record Features(Feature stem, List<Feature> stages) {
        public Feature layer(int i) {
            return stages.get(i - 1);
        }
    }

    /** Builds the backbone in scope {@code s} on x [N, inC, inH, inW]. */
    public static Features features(Scope s, Spec spec, SDVariable x, int inH, int inW) {
        boolean last = spec.channelsLast();
        int base = spec.baseWidth();
        SDVariable y = convBn(s, spec, "conv1", "bn1", last ? x.permute(0, 2, 3, 1) : x,
                Conv.of(spec.inChannels(), base, 7).stride(2).pad(3).bias(false).init(spec.convInit), 1.0);
        int h = Layers.convOut(inH, 7, 2, 3, 1);
        int w = Layers.convOut(inW, 7, 2, 3, 1);
        y = Layers.relu(y);
        y = Layers.maxPool(y, 3, 2, 1, spec.ceilMaxPool(), h, w, last);
        h = Layers.poolOut(h, 3, 2, 1, spec.ceilMaxPool());
        w = Layers.poolOut(w, 3, 2, 1, spec.ceilMaxPool());
        Feature stem = new Feature(y, base, h, w, last);

        List<Feature> stages = new ArrayList<>();
        Feature cur = stem;
        int[] units = spec.units();
        for (int i = 0; i < 4; i++) {
            Scope st = s.child("layer" + (i + 1));
            if (spec.spaceToBatch() && spec.strides[i] == 1 && spec.dilations[i] > 1) {
                cur = packedStage(st, spec, cur, i, units[i]);
            } else {
                cur = stage(st, spec, plain(cur), spec.planes(i), units[i], spec.strides[i], spec.dilations[i]);
            }
            stages.add(cur);
        }
        return new Features(stem, List.copyOf(stages));
    }

    /** The feature without its space-to-batch form (a plain stage consumes x, or its rows). */
    private static Feature plain(Feature f) {
        SpaceToBatch.Packed p = f.packed();
        boolean packed = p != null && (!p.layout().factors().isEmpty() || p.layout().padded());
        return packed ? new Feature(f.x(), f.channels(), f.height(), f.width(), f.channelsLast()) : f;
    }

    /**
     * A stride-1 dilated stage in space-to-batch layout: the input is padded to a multiple of the stage's dilation d
     * and packed so that d becomes 1; the output stays packed (for the next dilated stage or the head) and is also
     * unpacked into a plain x. A following stage nests its packing into this one when the padded map allows it, else
     * it starts again from the plain x: padding each stage only to its own dilation computes fewer pixels than padding
     * once for all (321x321 input: layer3 on 42x42 instead of 44x44, 23 blocks; 161x161: 22x22 instead of 24x24).
     */
    private static Feature packedStage(Scope s, Spec spec, Feature in, int stage, int blocks) {
        int d = spec.dilations[stage];
        SpaceToBatch.Packed p = in.packed();
        if (p == null || d % p.layout().factor() != 0
                || p.layout().paddedHeight() % d != 0 || p.layout().paddedWidth() % d != 0) {
            p = SpaceToBatch.enter(in.x(), in.channels(), in.height(), in.width(), d, in.channelsLast());
        }
        p = p.pack(d / p.layout().factor());
        int planes = spec.planes(stage);
        int outC = planes * spec.expansion();
        for (int b = 0; b < blocks; b++) {
            boolean downsample = b == 0 && p.channels() != outC;
            Scope bs = s.child(Integer.toString(b));
            SDVariable y = spec.bottleneck()
                    ? bottleneckBody(bs, spec, p, planes, 1, 1, downsample)
                    : basicBody(bs, spec, p, planes, 1, 1, downsample);
            p = rowsPath(spec) ? p.withRows(y, outC) : p.with(y, outC);
        }
        return new Feature(p.unpack(), outC, in.height(), in.width(), p, in.channelsLast());
    }


    private static Feature stage(Scope s, Spec spec, Feature in, int planes, int blocks, int stride, int dilation) {
        int outC = planes * spec.expansion();
        if (rowsPath(spec)) {
            // blocks pass rows on; the stage's map is made only if something reads it
            SpaceToBatch.Packed p = in.asPacked();
            int h = in.height();
            int w = in.width();
            for (int b = 0; b < blocks; b++) {
                int st = b == 0 ? stride : 1;
                boolean downsample = b == 0 && (st != 1 || p.channels() != outC);
                SDVariable y = bottleneckBody(s.child(Integer.toString(b)), spec, p, planes, st, dilation, downsample);
                h = Layers.convOut(h, 1, st, 0, 1);
                w = Layers.convOut(w, 1, st, 0, 1);
                p = new SpaceToBatch.Packed(y, outC, SpaceToBatch.Layout.plain(h, w, true), true);
            }
            return new Feature(p.map(), outC, h, w, p, true);
        }
        Feature cur = in;
        for (int b = 0; b < blocks; b++) {
            int st = b == 0 ? stride : 1;
            boolean downsample = b == 0 && (st != 1 || cur.channels() != outC);
            Scope bs = s.child(Integer.toString(b));
            cur = spec.bottleneck()
                    ? bottleneck(bs, spec, cur, planes, st, dilation, downsample)
                    : basic(bs, spec, cur, planes, st, dilation, downsample);
        }
        return cur;
    }

    /**
     * conv (no bias) + frozen BN on x, folded into one conv when {@link Spec#foldBatchNorm()}, on [N, H, W, C] maps when
     * {@link Spec#channelsLast()}.
     */
    private static SDVariable convBn(Scope s, Spec spec, String conv, String bn, SDVariable x, Conv c, double bnInit) {
        boolean last = spec.channelsLast();
        if (spec.foldBatchNorm()) {
            return Layers.conv2dFrozenBatchNorm(s, conv, bn, x, c, bnInit, last);
        }
        return Layers.frozenBatchNorm(s, bn, Layers.conv2d(s, conv, x, c, last), c.outChannels(), bnInit, last);
    }

    /** Whether bottlenecks keep their maps as rows and run 1x1 stride-1 convs as matrix products. */
    private static boolean rowsPath(Spec spec) {
        return spec.channelsLast() && spec.foldBatchNorm() && spec.bottleneck();
    }

    /**
     * {@link #convBn} in a rows-path bottleneck: from and to rows [N*h*w, C]. A 1x1 stride-1 conv is one matrix
     * product; any other conv runs on the map and its output is turned to rows before anything reads it (a ReLU then
     * keeps the rows, not both forms, for its backward).
     */
    private static SDVariable convBnRows(Scope s, Spec spec, String conv, String bn, SpaceToBatch.Packed in, Conv c,
                                         double bnInit) {
        if (Layers.pointwise(c)) {
            return Layers.pointwiseFrozenBatchNorm(s, conv, bn, in.rows(), c, bnInit);
        }
        return Layers.rows(convBn(s, spec, conv, bn, in.masked(), c, bnInit), c.outChannels());
    }

    /** Initial weight of the last BN of a residual branch, see {@link Spec#scaledResidualInit(boolean)}. */
    static double branchScale(Spec spec) {
        if (!spec.scaledResidualInit()) {
            return 1.0;
        }
        int blocks = 0;
        for (int u : spec.units()) {
            blocks += u;
        }
        return 1.0 / Math.sqrt(blocks);
    }

    private static SDVariable shortcut(Scope s, Spec spec, SpaceToBatch.Packed in, int outC, int stride,
                                       boolean downsample) {
        boolean rows = rowsPath(spec);
        if (!downsample) {
            return rows ? in.rows() : in.x();
        }
        Scope ds = s.child("downsample");
        Conv c = Conv.of(in.channels(), outC, 1).stride(stride).bias(false).init(spec.convInit);
        return rows ? convBnRows(ds, spec, "0", "1", in, c, 1.0) : convBn(ds, spec, "0", "1", in.x(), c, 1.0);
    }

    private static Feature basic(Scope s, Spec spec, Feature in, int planes, int stride, int d, boolean downsample) {
        SDVariable y = basicBody(s, spec, in.asPacked(), planes, stride, d, downsample);
        return new Feature(y, planes, Layers.convOut(in.height(), 1, stride, 0, 1), Layers.convOut(in.width(), 1, stride, 0, 1),
                in.channelsLast());
    }

    /**
     * Basic block on x (plain, or packed: then 3x3 inputs are masked and d is the dilation on the packed map). Creates
     * its parameters in the same order whatever the layout.
     */
    private static SDVariable basicBody(Scope s, Spec spec, SpaceToBatch.Packed in, int planes, int stride, int d,
                                        boolean downsample) {
        SDVariable y = convBn(s, spec, "conv1", "bn1", in.masked(),
                Conv.of(in.channels(), planes, 3).stride(stride).pad(d).dilation(d).bias(false).init(spec.convInit), 1.0);
        y = Layers.relu(y);
        y = convBn(s, spec, "conv2", "bn2", in.with(y, planes).masked(),
                Conv.of(planes, planes, 3).pad(d).dilation(d).bias(false).init(spec.convInit), branchScale(spec));
        return Layers.relu(y.add(shortcut(s, spec, in, planes, stride, downsample)));
    }

    private static Feature bottleneck(Scope s, Spec spec, Feature in, int planes, int stride, int d, boolean downsample) {
        SDVariable y = bottleneckBody(s, spec, in.asPacked(), planes, stride, d, downsample);
        return new Feature(y, planes * 4, Layers.convOut(in.height(), 1, stride, 0, 1), Layers.convOut(in.width(), 1, stride, 0, 1),
                in.channelsLast());
    }

    /**
     * Bottleneck on x (plain or packed, see {@link #basicBody}); on the rows path ({@link #rowsPath}) it takes and gives
     * rows.
     */
    private static SDVariable bottleneckBody(Scope s, Spec spec, SpaceToBatch.Packed in, int planes, int stride, int d,
                                             boolean downsample) {
        int s1 = spec.strideIn1x1() ? stride : 1;
        int s3 = spec.strideIn1x1() ? 1 : stride;
        int outC = planes * 4;
        Conv c1 = Conv.of(in.channels(), planes, 1).stride(s1).bias(false).init(spec.convInit);
        Conv c2 = Conv.of(planes, planes, 3).stride(s3).pad(d).dilation(d).bias(false).init(spec.convInit);
        Conv c3 = Conv.of(planes, outC, 1).bias(false).init(spec.convInit);
        SDVariable y;
        if (rowsPath(spec)) {
            y = Layers.relu(convBnRows(s, spec, "conv1", "bn1", in, c1, 1.0));
            SpaceToBatch.Packed mid = s1 == 1 ? in.withRows(y, planes) : new SpaceToBatch.Packed(y, planes,
                    SpaceToBatch.Layout.plain(Layers.convOut(in.layout().packedHeight(), 1, s1, 0, 1),
                            Layers.convOut(in.layout().packedWidth(), 1, s1, 0, 1), true), true);
            y = Layers.relu(convBnRows(s, spec, "conv2", "bn2", mid, c2, 1.0));
        } else {
            y = Layers.relu(convBn(s, spec, "conv1", "bn1", in.x(), c1, 1.0));
            y = Layers.relu(convBn(s, spec, "conv2", "bn2", in.with(y, planes).masked(), c2, 1.0));
        }
        y = rowsPath(spec) ? Layers.pointwiseFrozenBatchNorm(s, "conv3", "bn3", y, c3, branchScale(spec))
                : convBn(s, spec, "conv3", "bn3", y, c3, branchScale(spec));
        return Layers.relu(y.add(shortcut(s, spec, in, outC, stride, downsample)));
    }

    /**
     * Builds a standalone backbone on {@code input} [N, inC, inH, inW] (or on a new placeholder {@code <prefix>input}
     * when input is null). Outputs: layer4 (main), layer3, layer2, layer1. No head.
     */
    public static Network build(SameDiff sd, String prefix, Spec spec, SDVariable input, int inH, int inW) {
        DataType dt = input != null ? input.dataType() : Nd4j.defaultFloatingPointType();
        Scope s = Scope.of(sd, prefix, dt);
        SDVariable x = input != null ? input : sd.placeHolder(s.name("input"), dt, -1, spec.inChannels(), inH, inW);
        Features f = features(s, spec, x, inH, inW);
        Map<String, SDVariable> out = new LinkedHashMap<>();
        out.put(OUT_LAYER4, s.nameOutput(f.layer(4).nchw(), OUT_LAYER4));
        out.put(OUT_LAYER3, f.layer(3).nchw());
        out.put(OUT_LAYER2, f.layer(2).nchw());
        out.put(OUT_LAYER1, f.layer(1).nchw());
        return new Network(sd, s.prefix(), x, out, s.trainable(), s.frozen(), List.of());
    }
}
