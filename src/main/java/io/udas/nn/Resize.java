package io.udas.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bilinear resize with PyTorch {@code F.interpolate(x, size=(outH, outW), mode="bilinear", align_corners=..)}
 * semantics, done as two matrix products with constant interpolation matrices (one per axis): differentiable in
 * SameDiff (the resize ops have no backward in M2.1) and exact.
 */
public final class Resize {

    private Resize() {
    }

    /**
     * The [out, in] interpolation matrix along one axis: row o holds the weights of the input samples for output o.
     * align_corners=true: src = o * (in-1)/(out-1) (0 when out == 1); false: src = max(0, (o + 0.5) * in/out - 0.5).
     * Then i0 = floor(src), i1 = min(i0 + 1, in - 1), weights (1 - (src - i0), src - i0).
     */
    public static double[][] weights(int in, int out, boolean alignCorners) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("Sizes must be >= 1: in=" + in + " out=" + out);
        }
        double[][] m = new double[out][in];
        for (int o = 0; o < out; o++) {
            double src;
            if (alignCorners) {
                src = out > 1 ? o * (double) (in - 1) / (out - 1) : 0.0;
            } else {
                src = Math.max(0.0, (o + 0.5) * ((double) in / out) - 0.5);
            }
            int i0 = Math.min((int) Math.floor(src), in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            double l1 = src - i0;
            m[o][i0] += 1.0 - l1;
            m[o][i1] += l1;
        }
        return m;
    }

    /** {@link #weights} as an INDArray [out, in] of the given type. */
    public static INDArray matrix(int in, int out, boolean alignCorners, DataType dataType) {
        return Nd4j.createFromArray(weights(in, out, alignCorners)).castTo(dataType);
    }

    /**
     * Graph resize of x [N, C, inH, inW] to [N, C, outH, outW]; N may be unknown (-1), C must be known.
     * An axis whose size does not change is passed through (the matrix would be the identity).
     */
    public static SDVariable bilinear(SDVariable x, int channels, int inH, int inW, int outH, int outW, boolean alignCorners) {
        SameDiff sd = x.getSameDiff();
        DataType dt = x.dataType();
        SDVariable y = x;
        if (outH != inH) {
            // [N,C,H,W] -> [N,C,W,H] -> [N*C*W, H] x [H, outH] -> [N,C,W,outH] -> [N,C,outH,W]
            SDVariable mT = sd.constant(matrix(inH, outH, alignCorners, dt).transpose().dup('c'));
            SDVariable t = y.permute(0, 1, 3, 2).reshape(-1, inH).mmul(mT);
            y = t.reshape(-1, channels, inW, outH).permute(0, 1, 3, 2);
        }
        if (outW != inW) {
            // [N,C,outH,W] -> [N*C*outH, W] x [W, outW] -> [N,C,outH,outW]
            SDVariable mT = sd.constant(matrix(inW, outW, alignCorners, dt).transpose().dup('c'));
            y = y.reshape(-1, inW).mmul(mT).reshape(-1, channels, outH, outW);
        }
        return y;
    }

    /** Plain (non-graph) resize of x [N, C, H, W] to [N, C, outH, outW], same semantics; returns a new array. */
    public static INDArray bilinear(INDArray x, int outH, int outW, boolean alignCorners) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("Expected [N,C,H,W], got rank " + x.rank());
        }
        long n = x.size(0);
        long c = x.size(1);
        int inH = (int) x.size(2);
        int inW = (int) x.size(3);
        DataType dt = x.dataType();
        INDArray y = x;
        if (outH != inH) {
            INDArray mT = matrix(inH, outH, alignCorners, dt).transpose();
            INDArray t = y.permute(0, 1, 3, 2).dup('c').reshape('c', n * c * inW, inH).mmul(mT);
            y = t.reshape('c', n, c, inW, outH).permute(0, 1, 3, 2);
        }
        if (outW != inW) {
            INDArray mT = matrix(inW, outW, alignCorners, dt).transpose();
            y = y.dup('c').reshape('c', n * c * outH, inW).mmul(mT).reshape('c', n, c, outH, outW);
        }
        return y == x ? x.dup() : y.dup('c');
    }
}
