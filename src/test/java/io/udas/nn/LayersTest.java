package io.udas.nn;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Layer forward values against direct loop implementations of the PyTorch definitions. */
class LayersTest {

    @BeforeAll
    static void doubles() {
        TestUtil.useDouble();
    }

    @AfterAll
    static void floats() {
        TestUtil.useFloat();
    }

    @Test
    void conv2dMatchesDirectCrossCorrelation() {
        Nd4j.getRandom().setSeed(11);
        int inC = 2, outC = 3, k = 3, s = 2, p = 2, d = 2, inH = 7, inW = 8;
        SameDiff sd = SameDiff.create();
        Scope sc = Scope.of(sd, "p.");
        INDArray xa = Nd4j.randn(DataType.DOUBLE, 1, inC, inH, inW);
        SDVariable y = Layers.conv2d(sc, "c", sd.constant(xa), Conv.of(inC, outC, k).stride(s).pad(p).dilation(d));
        INDArray w = sd.getArrForVarName("p.c.weight"); // [k, k, in, out]
        INDArray b = sd.getArrForVarName("p.c.bias");
        assertArrayEquals(new long[]{k, k, inC, outC}, w.shape());
        int outH = Layers.convOut(inH, k, s, p, d), outW = Layers.convOut(inW, k, s, p, d);
        INDArray out = y.eval();
        assertArrayEquals(new long[]{1, outC, outH, outW}, out.shape());
        for (int o = 0; o < outC; o++) {
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    double v = b.getDouble(o);
                    for (int c = 0; c < inC; c++) {
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int iy = oy * s - p + ky * d, ix = ox * s - p + kx * d;
                                if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) {
                                    v += xa.getDouble(0, c, iy, ix) * w.getDouble(ky, kx, c, o);
                                }
                            }
                        }
                    }
                    assertEquals(v, out.getDouble(0, o, oy, ox), 1e-12);
                }
            }
        }
    }

    @Test
    void transposedConvMatchesPyTorchDefinition() {
        Nd4j.getRandom().setSeed(12);
        int inC = 3, outC = 2, k = 3, s = 2, p = 1, op = 1, inH = 3, inW = 4;
        SameDiff sd = SameDiff.create();
        Scope sc = Scope.of(sd, "");
        INDArray xa = Nd4j.randn(DataType.DOUBLE, 2, inC, inH, inW);
        Conv c = Conv.of(inC, outC, k).stride(s).pad(p).outputPadding(op);
        SDVariable y = Layers.transposedConv2d(sc, "up", sd.constant(xa), c, inH, inW);
        INDArray w = sd.getArrForVarName("up.weight"); // [k, k, out, in]
        INDArray b = sd.getArrForVarName("up.bias");
        assertArrayEquals(new long[]{k, k, outC, inC}, w.shape());
        int outH = c.transposedOutSize(inH), outW = c.transposedOutSize(inW);
        assertEquals(2 * inH, outH);
        assertEquals(2 * inW, outW);
        // PyTorch: out[n, o, iy*s - p + ky, ix*s - p + kx] += x[n, c, iy, ix] * W[c, o, ky, kx]
        double[][][][] ref = new double[2][outC][outH][outW];
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < outC; o++) {
                for (double[] row : ref[n][o]) {
                    java.util.Arrays.fill(row, b.getDouble(o));
                }
                for (int ci = 0; ci < inC; ci++) {
                    for (int iy = 0; iy < inH; iy++) {
                        for (int ix = 0; ix < inW; ix++) {
                            for (int ky = 0; ky < k; ky++) {
                                for (int kx = 0; kx < k; kx++) {
                                    int oy = iy * s - p + ky, ox = ix * s - p + kx;
                                    if (oy >= 0 && oy < outH && ox >= 0 && ox < outW) {
                                        ref[n][o][oy][ox] += xa.getDouble(n, ci, iy, ix) * w.getDouble(ky, kx, o, ci);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        INDArray out = y.eval();
        assertArrayEquals(new long[]{2, outC, outH, outW}, out.shape());
        assertEquals(0.0, out.sub(Nd4j.createFromArray(ref)).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void reflectionPadMatchesDefinition() {
        INDArray xa = Nd4j.arange(20).castTo(DataType.DOUBLE).reshape(1, 1, 4, 5);
        SameDiff sd = SameDiff.create();
        INDArray out = Layers.reflectionPad(sd.constant(xa), 2, 4, 5).eval();
        assertArrayEquals(new long[]{1, 1, 8, 9}, out.shape());
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 9; x++) {
                assertEquals(xa.getDouble(0, 0, reflect(y - 2, 4), reflect(x - 2, 5)), out.getDouble(0, 0, y, x), 0.0);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Layers.reflectionPad(sd.constant(xa), 4, 4, 5));
    }

    private static int reflect(int i, int n) {
        return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
    }

    @Test
    void maxPoolCeilModeMatchesPyTorch() {
        // PyTorch nn.MaxPool2d(3, 2, 1, ceil_mode=True): 16 -> 9 (floor mode gives 8), 17 -> 9, 6 -> 4 (floor 3)
        assertEquals(9, Layers.poolOut(16, 3, 2, 1, true));
        assertEquals(8, Layers.poolOut(16, 3, 2, 1, false));
        assertEquals(9, Layers.poolOut(17, 3, 2, 1, true));
        assertEquals(4, Layers.poolOut(6, 3, 2, 1, true));
        assertEquals(3, Layers.poolOut(6, 3, 2, 1, false));
        // the rule that the last window must start inside the (left-padded) input: 5, k2 s2 p1 ceil -> 3 not 4
        assertEquals(3, Layers.poolOut(5, 2, 2, 1, true));

        Nd4j.getRandom().setSeed(13);
        int h = 6, w = 7;
        INDArray xa = Nd4j.randn(DataType.DOUBLE, 1, 2, h, w).subi(5); // all negative: -inf padding must not leak zeros
        for (boolean ceil : new boolean[]{true, false}) {
            SameDiff sd = SameDiff.create();
            INDArray out = Layers.maxPool(sd.constant(xa), 3, 2, 1, ceil, h, w).eval();
            int oh = Layers.poolOut(h, 3, 2, 1, ceil), ow = Layers.poolOut(w, 3, 2, 1, ceil);
            assertArrayEquals(new long[]{1, 2, oh, ow}, out.shape());
            for (int c = 0; c < 2; c++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int y = oy * 2 - 1; y < oy * 2 + 2; y++) {
                            for (int x = ox * 2 - 1; x < ox * 2 + 2; x++) {
                                if (y >= 0 && y < h && x >= 0 && x < w) {
                                    m = Math.max(m, xa.getDouble(0, c, y, x));
                                }
                            }
                        }
                        assertEquals(m, out.getDouble(0, c, oy, ox), 0.0);
                    }
                }
            }
        }
    }

    @Test
    void instanceNormNormalisesEachChannel() {
        Nd4j.getRandom().setSeed(14);
        SameDiff sd = SameDiff.create();
        Scope s = Scope.of(sd, "");
        INDArray xa = Nd4j.randn(DataType.DOUBLE, 2, 3, 5, 4).muli(7).addi(3);
        INDArray out = Layers.instanceNorm(s, "in", sd.constant(xa), 3, false).eval();
        assertEquals(List.of(), s.trainable());
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                INDArray plane = out.get(org.nd4j.linalg.indexing.NDArrayIndex.point(n),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(c)).dup();
                INDArray src = xa.get(org.nd4j.linalg.indexing.NDArrayIndex.point(n),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(c)).dup();
                double mean = src.meanNumber().doubleValue();
                double var = src.sub(mean).mul(src.sub(mean)).meanNumber().doubleValue();
                assertEquals((src.getDouble(1, 2) - mean) / Math.sqrt(var + 1e-5), plane.getDouble(1, 2), 1e-10);
                assertEquals(0.0, plane.meanNumber().doubleValue(), 1e-10);
            }
        }
    }

    @Test
    void scopeNamesAndReuse() {
        SameDiff sd = SameDiff.create();
        Scope s = Scope.of(sd, "d.");
        SDVariable x = sd.constant(Nd4j.rand(DataType.DOUBLE, 1, 2, 4, 4));
        Layers.conv2d(s.child("block").child("0"), "conv", x, Conv.of(2, 2, 1));
        assertEquals(List.of("d.block.0.conv.weight", "d.block.0.conv.bias"), s.trainable());
        // creating the same name again is an error...
        assertThrows(IllegalStateException.class, () -> Layers.conv2d(Scope.of(sd, "d.").child("block").child("0"), "conv", x, Conv.of(2, 2, 1)));
        // ...unless reusing: then the same variables are returned
        Scope r = Scope.reusing(sd, "d.", DataType.DOUBLE);
        SDVariable before = sd.getVariable("d.block.0.conv.weight");
        Layers.conv2d(r.child("block").child("0"), "conv", x, Conv.of(2, 2, 1));
        assertSame(before, sd.getVariable("d.block.0.conv.weight"));
        assertEquals(s.trainable(), r.trainable());
        // a shape mismatch on reuse is reported
        assertThrows(IllegalStateException.class, () -> Layers.conv2d(Scope.reusing(sd, "d.", DataType.DOUBLE).child("block").child("0"), "conv", x, Conv.of(2, 3, 1)));
        // output naming avoids collisions
        SDVariable o1 = s.nameOutput(x.add(1.0), "out");
        SDVariable o2 = s.nameOutput(x.add(2.0), "out");
        assertEquals("d.out", o1.name());
        assertEquals("d.out_1", o2.name());
        assertNotSame(o1, o2);
    }
}
