package io.udas.nn;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.PadMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SameDiff layer kit, NCHW activations throughout. Every op used here has a working backward pass in SameDiff
 * 1.0.0-M2.1 (see the notes and the gradient-check tests).
 *
 * <p>Weight layouts (differ from PyTorch, convert at import):
 * <ul>
 *   <li>conv: [kH, kW, inC, outC] = PyTorch [outC, inC, kH, kW].permute(2, 3, 1, 0)</li>
 *   <li>transposed conv: [kH, kW, outC, inC] = PyTorch ConvTranspose2d [inC, outC, kH, kW].permute(2, 3, 1, 0)</li>
 *   <li>biases, BN and IN vectors: [C], as in PyTorch</li>
 * </ul>
 */
public final class Layers {

    /** BatchNorm epsilon (PyTorch default). */
    public static final double BN_EPS = 1e-5;
    /** InstanceNorm epsilon (PyTorch default). */
    public static final double IN_EPS = 1e-5;

    private Layers() {
    }

    /** Conv output size along one axis: floor((in + 2p - d(k-1) - 1) / s) + 1. */
    public static int convOut(int in, int k, int s, int p, int d) {
        int out = Math.floorDiv(in + 2 * p - d * (k - 1) - 1, s) + 1;
        if (out < 1) {
            throw new IllegalArgumentException("Input size " + in + " too small for k=" + k + " s=" + s + " p=" + p + " d=" + d);
        }
        return out;
    }

    /**
     * 2-D convolution with explicit symmetric padding (PyTorch {@code nn.Conv2d} semantics), weights
     * {@code <name>.weight} [k, k, inC, outC] and optional {@code <name>.bias} [outC]. A dilated conv on the oneDNN
     * native build runs through the generic implementation ({@link NativeBuild#dilatedConvFallback()} is attached to
     * the graph); the builders' fast paths avoid dilated convs instead ({@link SpaceToBatch}).
     */
    public static SDVariable conv2d(Scope s, String name, SDVariable x, Conv c) {
        return conv2d(s, name, x, c, false);
    }

    /** {@link #conv2d(Scope, String, SDVariable, Conv)} on x [N, C, H, W], or [N, H, W, C] when channelsLast. */
    public static SDVariable conv2d(Scope s, String name, SDVariable x, Conv c, boolean channelsLast) {
        SDVariable w = convWeight(s, name, c);
        SDVariable b = c.bias() ? convBias(s, name, c) : null;
        SameDiff sd = s.sd();
        if (c.dilation() > 1) {
            NativeBuild.ensureDilatedConvFallback(sd);
        }
        Conv2DConfig cfg = convConfig(c, channelsLast);
        return b == null ? sd.cnn().conv2d(x, w, cfg) : sd.cnn().conv2d(x, w, b, cfg);
    }

    /** The weight {@code <name>.weight} [k, k, inC, outC] of a conv (created, or reused in a reusing scope). */
    static SDVariable convWeight(Scope s, String name, Conv c) {
        long k = c.kernel();
        long fanIn = (long) c.inChannels() * k * k;
        long fanOut = (long) c.outChannels() * k * k;
        return s.param(name + ".weight", c.weightInit(), fanIn, fanOut, k, k, c.inChannels(), c.outChannels());
    }

    /** The bias {@code <name>.bias} [outC] of a conv. */
    static SDVariable convBias(Scope s, String name, Conv c) {
        long k = c.kernel();
        long fanIn = (long) c.inChannels() * k * k;
        long fanOut = (long) c.outChannels() * k * k;
        return s.param(name + ".bias", c.biasInit(), fanIn, fanOut, c.outChannels());
    }

    /** libnd4j config of a conv with explicit symmetric padding, NCHW or (channelsLast) NHWC. */
    static Conv2DConfig convConfig(Conv c, boolean channelsLast) {
        long k = c.kernel();
        return Conv2DConfig.builder()
                .kH(k).kW(k).sH(c.stride()).sW(c.stride()).pH(c.pad()).pW(c.pad()).dH(c.dilation()).dW(c.dilation())
                .paddingMode(PaddingMode.VALID).dataFormat(channelsLast ? "NHWC" : "NCHW").build();
    }

    /** Whether a conv is a plain per-pixel matrix product (1x1, stride 1, no padding). */
    public static boolean pointwise(Conv c) {
        return c.kernel() == 1 && c.stride() == 1 && c.pad() == 0;
    }

    /**
     * Pixels as rows: a channels-last map [N, h, w, C] reshaped to [N*h*w, C], on which a 1x1 stride-1 conv is ONE
     * matrix product. Faster than libnd4j's conv op (measured on DeepLab-v2's layer3 at 321x321: 5.0 ms against 7.1 ms
     * forward, 10.1 ms against 14.5 ms backward), which reorders to and from oneDNN's blocked layout on every call.
     * M2.1's reshape copies, so builders keep maps as rows between such products rather than reshaping around each.
     */
    public static SDVariable rows(SDVariable map, int channels) {
        return map.reshape(-1, channels);
    }

    /**
     * {@code frozenBatchNorm(conv2d(x))} computed as ONE conv with folded weights and bias: W' = W * scale (per output
     * channel), b' = (b - mean) * scale + bn.bias, where scale = bn.weight / sqrt(running_var + eps). The fold happens in
     * the graph (on the weight tensor, not per pixel), so the parameters keep their state-dict names and arrays
     * ({@code <conv>.weight}, {@code <bn>.weight/.bias/.running_mean/.running_var}, created in the same order as the
     * unfolded pair), gradients reach {@code <conv>.weight} exactly, and replacing the BN arrays takes effect. Same
     * values as the unfolded pair up to float rounding; saves two per-pixel passes forward and their backward.
     *
     * @param initialWeight initial value of {@code <bn>.weight}
     */
    public static SDVariable conv2dFrozenBatchNorm(Scope s, String convName, String bnName, SDVariable x, Conv c,
                                                   double initialWeight) {
        return conv2dFrozenBatchNorm(s, convName, bnName, x, c, initialWeight, false);
    }

    /**
     * {@link #conv2dFrozenBatchNorm(Scope, String, String, SDVariable, Conv, double)} on x [N, h, w, C] when
     * {@code channelsLast}, else on x [N, C, H, W].
     */
    public static SDVariable conv2dFrozenBatchNorm(Scope s, String convName, String bnName, SDVariable x, Conv c,
                                                   double initialWeight, boolean channelsLast) {
        SDVariable[] folded = foldedConv(s, convName, bnName, c, initialWeight);
        return s.sd().cnn().conv2d(x, folded[0], folded[1], convConfig(c, channelsLast));
    }

    /**
     * {@link #conv2dFrozenBatchNorm(Scope, String, String, SDVariable, Conv, double)} of a 1x1 stride-1 conv on rows
     * [N*h*w, C] (see {@link #rows}): one matrix product plus the folded bias; gives rows [N*h*w, outC].
     */
    public static SDVariable pointwiseFrozenBatchNorm(Scope s, String convName, String bnName, SDVariable rows, Conv c,
                                                      double initialWeight) {
        if (!pointwise(c)) {
            throw new IllegalArgumentException(convName + ": not a 1x1 stride-1 conv without padding");
        }
        SDVariable[] folded = foldedConv(s, convName, bnName, c, initialWeight);
        // the bias is constant: training graphs pass the gradient straight through this sum
        return rows.mmul(folded[0].reshape(c.inChannels(), c.outChannels())).add(folded[1]);
    }

    /**
     * The parameters of a conv and its frozen BN (created in that order), and the folded {weight, bias} computed from
     * them in the graph.
     */
    private static SDVariable[] foldedConv(Scope s, String convName, String bnName, Conv c, double initialWeight) {
        SDVariable w = convWeight(s, convName, c);
        SDVariable b = c.bias() ? convBias(s, convName, c) : null;
        int ch = c.outChannels();
        SDVariable[] ss = frozenBatchNormScaleShift(s, bnName, ch, initialWeight);
        SDVariable scale = ss[0];
        SDVariable shift = b == null ? ss[1] : b.mul(scale).add(ss[1]);
        // A broadcasting product: its backward also reduces a gradient for the (constant) scale, slowly in M2.1, but
        // training graphs replace that backward by one product (see train.ElementwiseBackward). Expanding the scale to
        // the weight's shape instead costs a fill and a sum of every weight's size each step.
        return new SDVariable[]{w.mul(scale.reshape(1, 1, 1, ch)), shift};
    }

    /**
     * Transposed convolution with PyTorch {@code nn.ConvTranspose2d(in, out, k, stride, padding, output_padding)}
     * semantics: out = (in-1)*s - 2p + k + output_padding. Weights {@code <name>.weight} [k, k, outC, inC] and optional
     * {@code <name>.bias} [outC]. Built as a VALID deconv (full output) cropped to [p, p + out) on both axes, because
     * libnd4j's SAME mode crops at the other end than PyTorch. Requires dilation 1 and output_padding <= padding.
     *
     * @param inH input height, @param inW input width (needed for the crop)
     */
    public static SDVariable transposedConv2d(Scope s, String name, SDVariable x, Conv c, int inH, int inW) {
        if (c.dilation() != 1) {
            throw new IllegalArgumentException("transposedConv2d supports dilation 1 only");
        }
        if (c.outputPadding() > c.pad()) {
            throw new IllegalArgumentException("transposedConv2d needs output_padding <= padding");
        }
        long k = c.kernel();
        // PyTorch ConvTranspose2d weight is [in, out, k, k]: fan_in = out*k*k, fan_out = in*k*k.
        long fanIn = (long) c.outChannels() * k * k;
        long fanOut = (long) c.inChannels() * k * k;
        SDVariable w = s.param(name + ".weight", c.weightInit(), fanIn, fanOut, k, k, c.outChannels(), c.inChannels());
        SDVariable b = c.bias() ? s.param(name + ".bias", c.biasInit(), fanIn, fanOut, c.outChannels()) : null;
        DeConv2DConfig cfg = DeConv2DConfig.builder()
                .kH(k).kW(k).sH(c.stride()).sW(c.stride()).pH(0).pW(0).dH(1).dW(1)
                .isSameMode(false).dataFormat("NCHW").build();
        SameDiff sd = s.sd();
        SDVariable full = b == null ? sd.cnn().deconv2d(x, w, cfg) : sd.cnn().deconv2d(x, w, b, cfg);
        int fullH = (inH - 1) * c.stride() + c.kernel();
        int fullW = (inW - 1) * c.stride() + c.kernel();
        int outH = c.transposedOutSize(inH);
        int outW = c.transposedOutSize(inW);
        if (outH == fullH && outW == fullW) {
            return full;
        }
        return full.get(SDIndex.all(), SDIndex.all(),
                SDIndex.interval(c.pad(), c.pad() + outH), SDIndex.interval(c.pad(), c.pad() + outW));
    }

    /**
     * Frozen BatchNorm (DeepLab-v2 convention: statistics and affine fixed), y = (x - mean) / sqrt(var + eps) * w + b,
     * with CONSTANT {@code <name>.weight} (1), {@code .bias} (0), {@code .running_mean} (0), {@code .running_var} (1).
     * Built from primitives (scale and shift computed in the graph from the constants, so replacing their arrays takes
     * effect) because the {@code batchNorm} op's backward fails in M2.1.
     */
    public static SDVariable frozenBatchNorm(Scope s, String name, SDVariable x, int channels) {
        return frozenBatchNorm(s, name, x, channels, 1.0);
    }

    /** {@link #frozenBatchNorm(Scope, String, SDVariable, int)} with the weight initialised to {@code initialWeight}. */
    public static SDVariable frozenBatchNorm(Scope s, String name, SDVariable x, int channels, double initialWeight) {
        return frozenBatchNorm(s, name, x, channels, initialWeight, false);
    }

    /** {@link #frozenBatchNorm(Scope, String, SDVariable, int, double)} on x [N, C, H, W], or [N, H, W, C] when channelsLast. */
    public static SDVariable frozenBatchNorm(Scope s, String name, SDVariable x, int channels, double initialWeight,
                                             boolean channelsLast) {
        SDVariable[] ss = frozenBatchNormScaleShift(s, name, channels, initialWeight);
        long[] shape = channelsLast ? new long[]{1, 1, 1, channels} : new long[]{1, channels, 1, 1};
        return x.mul(ss[0].reshape(shape)).add(ss[1].reshape(shape));
    }

    /**
     * The constants {@code <name>.weight/.bias/.running_mean/.running_var} of a frozen BN (created in that order) and
     * its per-channel {scale, shift} [C], computed in the graph.
     */
    static SDVariable[] frozenBatchNormScaleShift(Scope s, String name, int channels, double initialWeight) {
        SDVariable w = s.buffer(name + ".weight", Init.constant(initialWeight), channels);
        SDVariable b = s.buffer(name + ".bias", Init.zeros(), channels);
        SDVariable mean = s.buffer(name + ".running_mean", Init.zeros(), channels);
        SDVariable var = s.buffer(name + ".running_var", Init.ones(), channels);
        SDVariable scale = w.mul(var.add(BN_EPS).pow(-0.5));
        SDVariable shift = b.sub(mean.mul(scale));
        return new SDVariable[]{scale, shift};
    }

    /**
     * Instance norm over H, W per sample and channel (biased variance, eps 1e-5), optionally with trainable affine
     * {@code <name>.weight} (1) and {@code <name>.bias} (0). No running statistics (pytorch-CycleGAN default).
     */
    public static SDVariable instanceNorm(Scope s, String name, SDVariable x, int channels, boolean affine) {
        SDVariable c = x.sub(x.mean(true, 2, 3));
        SDVariable y = c.div(c.mul(c).mean(true, 2, 3).add(IN_EPS).pow(0.5));
        if (affine) {
            SDVariable g = s.param(name + ".weight", Init.ones(), 0, 0, channels);
            SDVariable b = s.param(name + ".bias", Init.zeros(), 0, 0, channels);
            y = y.mul(g.reshape(1, channels, 1, 1)).add(b.reshape(1, channels, 1, 1));
        }
        return y;
    }

    public static SDVariable relu(SDVariable x) {
        return x.getSameDiff().nn().relu(x, 0.0);
    }

    public static SDVariable leakyRelu(SDVariable x, double alpha) {
        return x.getSameDiff().nn().leakyRelu(x, alpha);
    }

    public static SDVariable tanh(SDVariable x) {
        return x.getSameDiff().math().tanh(x);
    }

    /** Max-pool output size (PyTorch formula, including its ceil_mode rule that the last window starts inside). */
    public static int poolOut(int in, int k, int s, int p, boolean ceil) {
        int num = in + 2 * p - k;
        int out = (ceil ? Math.floorDiv(num + s - 1, s) : Math.floorDiv(num, s)) + 1;
        if (ceil && (out - 1) * s >= in + p) {
            out--;
        }
        if (out < 1) {
            throw new IllegalArgumentException("Input size " + in + " too small for pooling k=" + k + " s=" + s + " p=" + p);
        }
        return out;
    }

    /**
     * Max-pool k x k, stride s, padding p with PyTorch semantics ({@code nn.MaxPool2d(k, s, p, ceil_mode=ceil)}):
     * the input is padded with -inf (p before, as much as the last window needs after), then pooled VALID.
     */
    public static SDVariable maxPool(SDVariable x, int k, int s, int p, boolean ceil, int inH, int inW) {
        return maxPool(x, k, s, p, ceil, inH, inW, false);
    }

    /** {@link #maxPool(SDVariable, int, int, int, boolean, int, int)} on [N, C, H, W], or [N, H, W, C] when channelsLast. */
    public static SDVariable maxPool(SDVariable x, int k, int s, int p, boolean ceil, int inH, int inW,
                                     boolean channelsLast) {
        SameDiff sd = x.getSameDiff();
        int outH = poolOut(inH, k, s, p, ceil);
        int outW = poolOut(inW, k, s, p, ceil);
        int padBottom = Math.max(0, (outH - 1) * s + k - inH - p);
        int padRight = Math.max(0, (outW - 1) * s + k - inW - p);
        SDVariable in = x;
        if (p > 0 || padBottom > 0 || padRight > 0) {
            int[] none = {0, 0};
            int[] rows = {p, padBottom};
            int[] cols = {p, padRight};
            int[][] pads = channelsLast ? new int[][]{none, rows, cols, none} : new int[][]{none, none, rows, cols};
            in = sd.nn().pad(x, sd.constant(Nd4j.createFromArray(pads)), PadMode.CONSTANT, Double.NEGATIVE_INFINITY);
        }
        Pooling2DConfig cfg = Pooling2DConfig.builder().kH(k).kW(k).sH(s).sW(s).pH(0).pW(0).dH(1).dW(1)
                .type(Pooling2D.Pooling2DType.MAX).paddingMode(PaddingMode.VALID).isNHWC(channelsLast).build();
        return sd.cnn().maxPooling2d(in, cfg);
    }

    /**
     * Reflection padding by p on H and W (PyTorch {@code nn.ReflectionPad2d(p)}), differentiable: per axis, the
     * reflected rows as single-row slices in mirrored order, concatenated around x. Not the pad op (its REFLECT backward
     * is wrong in M2.1), nor reverse (M2.1's reverse op leaks about 40% of the bytes it outputs), nor gather (its
     * backward names a helper variable "transposeConcat", so a graph can hold one gather on a non-zero axis only).
     * Needs p < H and p < W.
     */
    public static SDVariable reflectionPad(SDVariable x, int p, int inH, int inW) {
        if (p == 0) {
            return x;
        }
        if (p >= inH || p >= inW) {
            throw new IllegalArgumentException("Reflection pad " + p + " needs H, W > p, got " + inH + "x" + inW);
        }
        return reflect(reflect(x, 2, p, inH), 3, p, inW);
    }

    /** x with p reflected rows before and after on {@code axis} (of length n). */
    private static SDVariable reflect(SDVariable x, int axis, int p, int n) {
        SDVariable[] parts = new SDVariable[2 * p + 1];
        for (int i = 0; i < p; i++) {
            parts[i] = row(x, axis, p - i);
            parts[p + 1 + i] = row(x, axis, n - 2 - i);
        }
        parts[p] = x;
        return x.getSameDiff().concat(axis, parts);
    }

    /** Row {@code i} of x on {@code axis} (2 or 3), keeping the dimension. */
    private static SDVariable row(SDVariable x, int axis, int i) {
        SDIndex r = SDIndex.interval(i, i + 1);
        return axis == 2 ? x.get(SDIndex.all(), SDIndex.all(), r, SDIndex.all())
                : x.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), r);
    }
}
