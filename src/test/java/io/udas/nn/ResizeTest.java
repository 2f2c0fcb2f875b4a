package io.udas.nn;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Bilinear resize against hand-computed values and an independent per-pixel PyTorch-formula implementation. */
class ResizeTest {

    @BeforeAll
    static void doubles() {
        TestUtil.useDouble();
    }

    @AfterAll
    static void floats() {
        TestUtil.useFloat();
    }

    @Test
    void handComputedMatrices() {
        // 2 -> 4, align_corners=false: src = (o+0.5)/2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (i1 clamped)
        assertMatrix(new double[][]{{1, 0}, {0.75, 0.25}, {0.25, 0.75}, {0, 1}}, Resize.weights(2, 4, false));
        // 2 -> 4, align_corners=true: src = o/3
        assertMatrix(new double[][]{{1, 0}, {2.0 / 3, 1.0 / 3}, {1.0 / 3, 2.0 / 3}, {0, 1}}, Resize.weights(2, 4, true));
        // 4 -> 2, false: src = (o+0.5)*2 - 0.5 = 0.5, 2.5
        assertMatrix(new double[][]{{0.5, 0.5, 0, 0}, {0, 0, 0.5, 0.5}}, Resize.weights(4, 2, false));
        // 4 -> 2, true: src = 0, 3
        assertMatrix(new double[][]{{1, 0, 0, 0}, {0, 0, 0, 1}}, Resize.weights(4, 2, true));
        // 3 -> 5, true: src = 0, .5, 1, 1.5, 2
        assertMatrix(new double[][]{{1, 0, 0}, {.5, .5, 0}, {0, 1, 0}, {0, .5, .5}, {0, 0, 1}}, Resize.weights(3, 5, true));
        // to a single pixel: true -> first sample; false -> centre (in=3: src = 0.5*3 - 0.5 = 1)
        assertMatrix(new double[][]{{1, 0, 0}}, Resize.weights(3, 1, true));
        assertMatrix(new double[][]{{0, 1, 0}}, Resize.weights(3, 1, false));
    }

    @Test
    void handComputedImage() {
        INDArray x = Nd4j.createFromArray(new double[][]{{1, 2}, {3, 4}}).reshape(1, 1, 2, 2);
        INDArray y = Resize.bilinear(x, 3, 3, true);
        double[][] expected = {{1, 1.5, 2}, {2, 2.5, 3}, {3, 3.5, 4}};
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(expected[i][j], y.getDouble(0, 0, i, j), 1e-12);
            }
        }
        // align_corners=false 2 -> 4 on the first row [1, 2]: 1, 1.25, 1.75, 2
        INDArray z = Resize.bilinear(x, 2, 4, false);
        assertArrayEquals(new double[]{1, 1.25, 1.75, 2}, z.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).toDoubleVector(), 1e-12);
    }

    @Test
    void graphAndPlainMatchDirectFormula() {
        Nd4j.getRandom().setSeed(7);
        int[][] sizes = {{5, 7, 11, 4}, {5, 7, 3, 9}, {5, 7, 5, 7}, {5, 7, 1, 1}, {4, 4, 33, 33}, {9, 9, 2, 2}};
        for (boolean ac : new boolean[]{true, false}) {
            for (int[] sz : sizes) {
                int inH = sz[0], inW = sz[1], outH = sz[2], outW = sz[3];
                INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 3, inH, inW);
                INDArray expected = direct(x, outH, outW, ac);
                String what = "ac=" + ac + " " + inH + "x" + inW + "->" + outH + "x" + outW;

                INDArray plain = Resize.bilinear(x, outH, outW, ac);
                assertArrayEquals(new long[]{2, 3, outH, outW}, plain.shape(), what);
                assertEquals(0.0, plain.sub(expected).amaxNumber().doubleValue(), 1e-12, what);

                SameDiff sd = SameDiff.create();
                SDVariable in = sd.placeHolder("in", DataType.DOUBLE, -1, 3, inH, inW);
                SDVariable out = Resize.bilinear(in, 3, inH, inW, outH, outW, ac);
                INDArray g = sd.output(Map.of("in", x), out.name()).get(out.name());
                assertArrayEquals(new long[]{2, 3, outH, outW}, g.shape(), what);
                assertEquals(0.0, g.sub(expected).amaxNumber().doubleValue(), 1e-12, what);
            }
        }
    }

    /** PyTorch upsample_bilinear2d, written per output pixel, independent of {@link Resize#weights}. */
    private static INDArray direct(INDArray x, int outH, int outW, boolean ac) {
        int n = (int) x.size(0), c = (int) x.size(1), inH = (int) x.size(2), inW = (int) x.size(3);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, c, outH, outW);
        for (int oy = 0; oy < outH; oy++) {
            double sy = source(oy, inH, outH, ac);
            int y0 = (int) sy;
            int y1 = y0 < inH - 1 ? y0 + 1 : y0;
            double ly = sy - y0;
            for (int ox = 0; ox < outW; ox++) {
                double sx = source(ox, inW, outW, ac);
                int x0 = (int) sx;
                int x1 = x0 < inW - 1 ? x0 + 1 : x0;
                double lx = sx - x0;
                for (int b = 0; b < n; b++) {
                    for (int ch = 0; ch < c; ch++) {
                        double v = (1 - ly) * ((1 - lx) * x.getDouble(b, ch, y0, x0) + lx * x.getDouble(b, ch, y0, x1))
                                + ly * ((1 - lx) * x.getDouble(b, ch, y1, x0) + lx * x.getDouble(b, ch, y1, x1));
                        y.putScalar(new long[]{b, ch, oy, ox}, v);
                    }
                }
            }
        }
        return y;
    }

    private static double source(int dst, int in, int out, boolean ac) {
        if (ac) {
            return out > 1 ? dst * (in - 1.0) / (out - 1.0) : 0.0;
        }
        double s = (dst + 0.5) * in / out - 0.5;
        return s < 0 ? 0 : s;
    }

    private static void assertMatrix(double[][] expected, double[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], 1e-12, "row " + i);
        }
    }
}
