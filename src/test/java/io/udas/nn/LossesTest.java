package io.udas.nn;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Loss values against plain-Java computations, and correct scaling of gradients by a weight. */
class LossesTest {

    private static final int N = 2, C = 4, H = 3, W = 5;

    @BeforeAll
    static void doubles() {
        TestUtil.useDouble();
    }

    @AfterAll
    static void floats() {
        TestUtil.useFloat();
    }

    private static INDArray labels(long seed, double ignoreFraction) {
        java.util.Random r = new java.util.Random(seed);
        INDArray l = Nd4j.zeros(DataType.DOUBLE, N, H, W);
        for (int n = 0; n < N; n++) {
            for (int h = 0; h < H; h++) {
                for (int w = 0; w < W; w++) {
                    l.putScalar(new long[]{n, h, w}, r.nextDouble() < ignoreFraction ? 255 : r.nextInt(C));
                }
            }
        }
        return l;
    }

    /** Plain-Java weighted masked CE: sum over valid pixels of w * -log softmax / #valid (0 if none). */
    private static double javaCe(INDArray logits, INDArray labels, INDArray weights) {
        double sum = 0;
        int count = 0;
        for (int n = 0; n < N; n++) {
            for (int h = 0; h < H; h++) {
                for (int w = 0; w < W; w++) {
                    int lab = (int) labels.getDouble(n, h, w);
                    if (lab == 255) {
                        continue;
                    }
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < C; c++) {
                        max = Math.max(max, logits.getDouble(n, c, h, w));
                    }
                    double z = 0;
                    for (int c = 0; c < C; c++) {
                        z += Math.exp(logits.getDouble(n, c, h, w) - max);
                    }
                    double nll = -(logits.getDouble(n, lab, h, w) - max - Math.log(z));
                    sum += (weights == null ? 1 : weights.getDouble(n, h, w)) * nll;
                    count++;
                }
            }
        }
        return count == 0 ? 0 : sum / count;
    }

    private static double ce(INDArray logits, INDArray labels, INDArray weights, DataType labelType) {
        SameDiff sd = SameDiff.create();
        SDVariable lg = sd.placeHolder("logits", DataType.DOUBLE, -1, C, H, W);
        SDVariable lb = sd.placeHolder("labels", labelType, -1, H, W);
        SDVariable wt = weights == null ? null : sd.placeHolder("w", DataType.DOUBLE, -1, H, W);
        SDVariable loss = Losses.maskedCrossEntropy(lg, lb, C, wt);
        Map<String, INDArray> ph = new HashMap<>();
        ph.put("logits", logits);
        ph.put("labels", labels.castTo(labelType));
        if (weights != null) {
            ph.put("w", weights);
        }
        return sd.output(ph, loss.name()).get(loss.name()).getDouble(0);
    }

    @Test
    void maskedCrossEntropyMatchesJava() {
        Nd4j.getRandom().setSeed(1);
        INDArray logits = Nd4j.randn(DataType.DOUBLE, N, C, H, W).muli(3);
        INDArray labels = labels(2, 0.3);
        assertEquals(javaCe(logits, labels, null), ce(logits, labels, null, DataType.DOUBLE), 1e-12);
        // integer label tensors work too
        assertEquals(javaCe(logits, labels, null), ce(logits, labels, null, DataType.INT32), 1e-12);
        INDArray w = Nd4j.rand(DataType.DOUBLE, N, H, W);
        assertEquals(javaCe(logits, labels, w), ce(logits, labels, w, DataType.DOUBLE), 1e-12);
        // a hand case: 2 classes, logits (0, ln 3) -> p = (1/4, 3/4); label 1 -> -ln(3/4)
        assertEquals(-Math.log(0.75), handTwoClass(), 1e-12);
    }

    private static double handTwoClass() {
        SameDiff sd = SameDiff.create();
        SDVariable lg = sd.constant(Nd4j.createFromArray(0.0, Math.log(3)).reshape(1, 2, 1, 1));
        SDVariable lb = sd.constant(Nd4j.createFromArray(1.0).reshape(1, 1, 1));
        return Losses.maskedCrossEntropy(lg, lb, 2).eval().getDouble(0);
    }

    @Test
    void allIgnoredGivesZero() {
        INDArray logits = Nd4j.randn(DataType.DOUBLE, N, C, H, W);
        INDArray labels = Nd4j.valueArrayOf(new long[]{N, H, W}, 255.0, DataType.DOUBLE);
        assertEquals(0.0, ce(logits, labels, null, DataType.DOUBLE), 0.0);
    }

    @Test
    void logSoftmaxIsStableAndSoftmaxSumsToOne() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.constant(Nd4j.createFromArray(1000.0, 1001.0, 999.0).reshape(1, 3, 1, 1));
        INDArray ls = Losses.logSoftmax(x, 1).eval();
        double z = Math.log(Math.exp(0) + Math.exp(1) + Math.exp(-1));
        assertEquals(-1 - z + 1, ls.getDouble(0, 0, 0, 0), 1e-12);
        assertEquals(0 - z + 1, ls.getDouble(0, 1, 0, 0), 1e-12);
        assertEquals(-2 - z + 1, ls.getDouble(0, 2, 0, 0), 1e-12);
        assertEquals(1.0, Losses.softmax(x, 1).eval().sumNumber().doubleValue(), 1e-12);
    }

    @Test
    void bceMseL1MatchJava() {
        double[] xs = {-3, -0.5, 0.2, 4, 30, -30};
        double[] ts = {0, 1, 0.3, 1, 0, 1};
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.constant(Nd4j.createFromArray(xs));
        SDVariable t = sd.constant(Nd4j.createFromArray(ts));
        double bce1 = 0, bce0 = 0, bceT = 0, mse1 = 0, mseT = 0, l1 = 0;
        for (int i = 0; i < xs.length; i++) {
            double p = 1 / (1 + Math.exp(-xs[i]));
            double logP = -Math.log1p(Math.exp(-xs[i]));      // log sigmoid(x)
            double log1mP = -xs[i] - Math.log1p(Math.exp(-xs[i])); // log (1 - sigmoid(x))
            bce1 += -logP;
            bce0 += -log1mP;
            bceT += -(ts[i] * logP + (1 - ts[i]) * log1mP);
            mse1 += (xs[i] - 1) * (xs[i] - 1);
            mseT += (xs[i] - ts[i]) * (xs[i] - ts[i]);
            l1 += Math.abs(xs[i] - ts[i]);
            assertEquals(p, Losses.softmax(sd.constant(Nd4j.createFromArray(0.0, xs[i])), 0).eval().getDouble(1), 1e-12);
        }
        int n = xs.length;
        assertEquals(bce1 / n, Losses.bceWithLogits(x, 1.0).eval().getDouble(0), 1e-9);
        assertEquals(bce0 / n, Losses.bceWithLogits(x, 0.0).eval().getDouble(0), 1e-9);
        assertEquals(bceT / n, Losses.bceWithLogits(x, t).eval().getDouble(0), 1e-9);
        assertEquals(mse1 / n, Losses.mse(x, 1.0).eval().getDouble(0), 1e-12);
        assertEquals(mseT / n, Losses.mse(x, t).eval().getDouble(0), 1e-12);
        assertEquals(l1 / n, Losses.l1(x, t).eval().getDouble(0), 1e-12);
    }

    @Test
    void weightScalesGradients() {
        // the SDLoss ops would ignore the 0.25 (DL4J issue 9026); the primitive losses must not
        Nd4j.getRandom().setSeed(3);
        INDArray lg = Nd4j.randn(DataType.DOUBLE, N, C, H, W);
        INDArray lb = labels(4, 0.2);
        INDArray g1 = gradOfWeighted(lg, lb, 1.0);
        INDArray g2 = gradOfWeighted(lg, lb, 0.25);
        assertEquals(0.0, g1.mul(0.25).sub(g2).amaxNumber().doubleValue(), 1e-14);
        assertEquals(true, g1.amaxNumber().doubleValue() > 1e-3);
    }

    @Test
    void crossEntropyGradientIsSoftmaxMinusOneHot() {
        // the max inside the log-softmax takes no gradient; the gradient must still be the exact one:
        // d/dx_c = (softmax_c - [c == label]) / #valid on valid pixels, 0 on ignored ones
        Nd4j.getRandom().setSeed(5);
        INDArray lg = Nd4j.randn(DataType.DOUBLE, N, C, H, W).muli(4);
        INDArray lb = labels(6, 0.3);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("logits", lg.dup());
        Losses.maskedCrossEntropy(x, sd.constant(lb), C).rename("loss");
        sd.setLossVariables("loss");
        INDArray g = sd.calculateGradients(null, "logits").get("logits");
        double valid = lb.neq(255).castTo(DataType.DOUBLE).sumNumber().doubleValue();
        for (int n = 0; n < N; n++) {
            for (int h = 0; h < H; h++) {
                for (int w = 0; w < W; w++) {
                    int lab = (int) lb.getDouble(n, h, w);
                    double z = 0;
                    for (int c = 0; c < C; c++) {
                        z += Math.exp(lg.getDouble(n, c, h, w));
                    }
                    for (int c = 0; c < C; c++) {
                        double expected = lab == 255 ? 0 : (Math.exp(lg.getDouble(n, c, h, w)) / z - (c == lab ? 1 : 0)) / valid;
                        assertEquals(expected, g.getDouble(n, c, h, w), 1e-12);
                    }
                }
            }
        }
    }

    private static INDArray gradOfWeighted(INDArray logits, INDArray labels, double lambda) {
        SameDiff sd = SameDiff.create();
        SDVariable lg = sd.var("logits", logits.dup());
        SDVariable lb = sd.constant(labels);
        SDVariable loss = Losses.maskedCrossEntropy(lg, lb, C).mul(lambda)
                .add(Losses.bceWithLogits(lg, 1.0).mul(lambda)).add(Losses.mse(lg, 0.0).mul(lambda));
        loss.rename("loss");
        sd.setLossVariables("loss");
        return sd.calculateGradients(null, "logits").get("logits");
    }
}
