package io.udas.nn;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Set;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finite-difference gradient checks (double precision, tiny shapes) for every layer and two tiny ResNets. */
class GradientCheckTest {

    @BeforeAll
    static void doubles() {
        TestUtil.useDouble();
    }

    @AfterAll
    static void floats() {
        TestUtil.useFloat();
    }

    @BeforeEach
    void seed() {
        Nd4j.getRandom().setSeed(12345);
    }

    private static SDVariable input(SameDiff sd, long... shape) {
        return sd.var("x", Nd4j.randn(DataType.DOUBLE, shape));
    }

    @Test
    void dilatedStridedConvWithBias() {
        SameDiff sd = SameDiff.create();
        Scope s = Scope.of(sd, "");
        SDVariable x = input(sd, 1, 2, 7, 8);
        SDVariable y = Layers.conv2d(s, "c", x, Conv.of(2, 3, 3).stride(2).pad(2).dilation(2));
        assertEquals(List.of("c.weight", "c.bias"), s.trainable());
        TestUtil.projectToLoss(y);
        assertTrue(TestUtil.gradCheck(sd, null));
    }

    @Test
    void frozenBatchNormPassesInputGradientButGetsNone() {
        SameDiff sd = SameDiff.create();
        Scope s = Scope.of(sd, "net.");
        SDVariable x = input(sd, 2, 3, 4, 4);
        SDVariable y = Layers.frozenBatchNorm(s, "bn", x, 3);
        // non-trivial statistics set by name, as weight import does
        sd.getVariable("net.bn.weight").setArray(Nd4j.createFromArray(0.5, 2.0, -1.0));
        sd.setArrayForVariable("net.bn.bias", Nd4j.createFromArray(0.1, -0.2, 0.3));
        sd.getVariable("net.bn.running_mean").setArray(Nd4j.createFromArray(1.0, -1.0, 0.5));
        sd.getVariable("net.bn.running_var").setArray(Nd4j.createFromArray(4.0, 0.25, 2.0));
        assertEquals(List.of("net.bn.weight", "net.bn.bias", "net.bn.running_mean", "net.bn.running_var"), s.frozen());
        for (String n : s.frozen()) {
            assertEquals(VariableType.CONSTANT, sd.getVariable(n).getVariableType(), n);
        }
        TestUtil.projectToLoss(y);
        assertTrue(TestUtil.gradCheck(sd, null));

        List<String> all = new ArrayList<>(s.frozen());
        all.add("x");
        Map<String, INDArray> g = sd.calculateGradients(null, all);
        assertTrue(g.containsKey("x"));
        for (String n : s.frozen()) {
            assertFalse(g.containsKey(n), "frozen " + n + " got a gradient");
        }
        // values after the replacement are the ones used
        INDArray xa = sd.getArrForVarName("x");
        INDArray out = y.eval();
        double expected = (xa.getDouble(0, 1, 2, 3) - -1.0) / Math.sqrt(0.25 + 1e-5) * 2.0 - 0.2;
        assertEquals(expected, out.getDouble(0, 1, 2, 3), 1e-12);
    }

    @Test
    void bilinearResizeBothConventionsUpAndDown() {
        for (boolean ac : new boolean[]{true, false}) {
            SameDiff sd = SameDiff.create();
            SDVariable x = input(sd, 2, 2, 3, 5);
            SDVariable up = Resize.bilinear(x, 2, 3, 5, 7, 4, ac);
            SDVariable down = Resize.bilinear(up, 2, 7, 4, 2, 3, ac);
            TestUtil.projectToLoss(up.add(Resize.bilinear(down, 2, 2, 3, 7, 4, ac)));
            assertTrue(TestUtil.gradCheck(sd, null), "alignCorners=" + ac);
        }
    }

    @Test
    void logSoftmaxAndMaskedCrossEntropyWithIgnoredPixels() {
        SameDiff sd = SameDiff.create();
        SDVariable logits = input(sd, 2, 4, 3, 3);
        INDArray lab = Nd4j.createFromArray(new double[][][]{
                {{0, 1, 255}, {3, 2, 1}, {255, 255, 0}},
                {{2, 2, 2}, {255, 1, 0}, {3, 3, 255}}});
        SDVariable labels = sd.constant("labels", lab);
        SDVariable w = sd.constant(Nd4j.rand(DataType.DOUBLE, 2, 3, 3).addi(0.5));
        SDVariable ce = Losses.maskedCrossEntropy(logits, labels, 4);
        SDVariable wce = Losses.maskedCrossEntropy(logits, labels, 4, w);
        SDVariable ls = Losses.logSoftmax(logits, 1).mul(sd.constant(Nd4j.randn(DataType.DOUBLE, 2, 4, 3, 3))).sum();
        ce.mul(0.7).add(wce).add(ls.mul(0.1)).rename("loss");
        sd.setLossVariables("loss");
        assertTrue(TestUtil.gradCheck(sd, null));
    }

    @Test
    void bceWithLogitsAndMse() {
        SameDiff sd = SameDiff.create();
        SDVariable x = input(sd, 2, 1, 3, 3);
        SDVariable t = sd.constant(Nd4j.rand(DataType.DOUBLE, 2, 1, 3, 3));
        SDVariable loss = Losses.bceWithLogits(x, 1.0).mul(0.3)
                .add(Losses.bceWithLogits(x, 0.0))
                .add(Losses.bceWithLogits(x.mul(2.0), t))
                .add(Losses.mse(x, 1.0).mul(0.5))
                .add(Losses.mse(x, t))
                .add(Losses.l1(x, t.add(5.0)));
        loss.rename("loss");
        sd.setLossVariables("loss");
        assertTrue(TestUtil.gradCheck(sd, null));
    }

    @Test
    void reflectionPad() {
        SameDiff sd = SameDiff.create();
        SDVariable x = input(sd, 1, 2, 4, 5);
        TestUtil.projectToLoss(Layers.reflectionPad(x, 2, 4, 5));
        assertTrue(TestUtil.gradCheck(sd, null));
    }

    @Test
    void instanceNormAffine() {
        SameDiff sd = SameDiff.create();
        Scope s = Scope.of(sd, "");
        SDVariable x = input(sd, 1, 3, 4, 4);
        SDVariable y = Layers.instanceNorm(s, "in", x, 3, true);
        sd.getVariable("in.weight").setArray(Nd4j.createFromArray(0.5, 1.5, -2.0));
        sd.getVariable("in.bias").setArray(Nd4j.createFromArray(0.1, 0.0, -0.3));
        TestUtil.projectToLoss(y);
        assertTrue(TestUtil.gradCheck(sd, null));
    }

    @Test
    void leakyReluAndTanhAndMaxPool() {
        SameDiff sd = SameDiff.create();
        SDVariable x = input(sd, 1, 2, 6, 7);
        SDVariable y = Layers.maxPool(Layers.tanh(Layers.leakyRelu(x, 0.2)), 3, 2, 1, true, 6, 7);
        TestUtil.projectToLoss(y);
        assertTrue(TestUtil.gradCheck(sd, null));
    }

    @Test
    void transposedConv() {
        SameDiff sd = SameDiff.create();
        Scope s = Scope.of(sd, "");
        SDVariable x = input(sd, 1, 2, 2, 3);
        SDVariable y = Layers.transposedConv2d(s, "up", x, Conv.of(2, 2, 3).stride(2).pad(1).outputPadding(1), 2, 3);
        assertEquals(List.of(1L, 2L, 4L, 6L), boxed(y.eval().shape()));
        TestUtil.projectToLoss(y);
        assertTrue(TestUtil.gradCheck(sd, null));
    }

    static List<Long> boxed(long[] a) {
        List<Long> l = new ArrayList<>();
        for (long v : a) {
            l.add(v);
        }
        return l;
    }
}
