package io.udas.nn;

/**
 * Shape and initialisation of a square-kernel (transposed) convolution, built fluently:
 * {@code Conv.of(64, 128, 3).stride(2).pad(1).dilation(1).bias(true).init(Init.normal(0.02))}.
 *
 * <p>Defaults: stride 1, pad 0, dilation 1, output padding 0, with bias, PyTorch default init for weight and bias.
 *
 * @param outputPadding only for transposed convs (PyTorch {@code output_padding})
 */
public record Conv(int inChannels, int outChannels, int kernel, int stride, int pad, int dilation, int outputPadding,
                   boolean bias, Init weightInit, Init biasInit) {

    public Conv {
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || stride < 1 || pad < 0 || dilation < 1 || outputPadding < 0) {
            throw new IllegalArgumentException("Invalid conv: in=" + inChannels + " out=" + outChannels + " k=" + kernel
                    + " s=" + stride + " p=" + pad + " d=" + dilation + " op=" + outputPadding);
        }
    }

    public static Conv of(int inChannels, int outChannels, int kernel) {
        return new Conv(inChannels, outChannels, kernel, 1, 0, 1, 0, true, Init.torchDefault(), Init.torchDefault());
    }

    public Conv stride(int s) {
        return new Conv(inChannels, outChannels, kernel, s, pad, dilation, outputPadding, bias, weightInit, biasInit);
    }

    public Conv pad(int p) {
        return new Conv(inChannels, outChannels, kernel, stride, p, dilation, outputPadding, bias, weightInit, biasInit);
    }

    public Conv dilation(int d) {
        return new Conv(inChannels, outChannels, kernel, stride, pad, d, outputPadding, bias, weightInit, biasInit);
    }

    public Conv outputPadding(int op) {
        return new Conv(inChannels, outChannels, kernel, stride, pad, dilation, op, bias, weightInit, biasInit);
    }

    public Conv bias(boolean b) {
        return new Conv(inChannels, outChannels, kernel, stride, pad, dilation, outputPadding, b, weightInit, biasInit);
    }

    public Conv init(Init w) {
        return new Conv(inChannels, outChannels, kernel, stride, pad, dilation, outputPadding, bias, w, biasInit);
    }

    public Conv biasInit(Init b) {
        return new Conv(inChannels, outChannels, kernel, stride, pad, dilation, outputPadding, bias, weightInit, b);
    }

    /** Output size of a conv along one axis (PyTorch/floor formula). */
    public int outSize(int in) {
        return Layers.convOut(in, kernel, stride, pad, dilation);
    }

    /** Output size of a transposed conv along one axis (PyTorch formula). */
    public int transposedOutSize(int in) {
        return (in - 1) * stride - 2 * pad + dilation * (kernel - 1) + outputPadding + 1;
    }
}
