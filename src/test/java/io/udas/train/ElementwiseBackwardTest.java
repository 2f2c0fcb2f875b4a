package io.udas.train;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.bp.MeanBp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.MulBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.SubBpOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ElementwiseBackwardTest {

    /** loss = mean((tanh(x w1 + b) + x w2) w3 - t)^2): a broadcast sum (bias) and a same-shape sum ("res"). */
    private static SameDiff graph() {
        return GraphProbes.squaredErrorGraph(5, x -> {
            SDVariable w1 = GraphProbes.weight(x, "w1", 3, 4);
            SDVariable b = GraphProbes.weight(x, "b", 4);
            SDVariable w2 = GraphProbes.weight(x, "w2", 3, 4);
            SDVariable w3 = GraphProbes.weight(x, "w3", 4, 1);
            SDVariable branch = x.mmul(w2).rename("branch");
            return x.getSameDiff().math().tanh(x.mmul(w1).add(b)).add(branch).rename("res").mmul(w3);
        });
    }

    @Test
    void rewiresOnlySameShapeSumsAndKeepsTheGradients() {
        SameDiff sd = graph();
        Recorded r = recorded(sd, List.of("w1", "b", "w2", "w3"));
        SameDiff grad = r.grad();
        grad.setListeners();

        long sumBackwards = count(grad, AddBpOp.class);
        assertEquals(1, r.recorder().rewrite(grad), "only the residual sum has inputs of its output's shape");
        // "branch" is now read by the forward sum alone, so it can be freed before the backward pass; the sum's
        // backward is gone (its consumers read the incoming gradient), the bias sum's (a variable) is kept
        assertNotReadBy(grad, "branch", op -> op.getOp() instanceof AddBpOp);
        assertEquals(sumBackwards - 1, count(grad, AddBpOp.class));
        assertGradientsKeptAndExact(sd, grad, r.gradients(), r.before(), List.of("w2"), 1e-7);
    }

    /** A same-shape sum with a trainable input keeps a backward op (its gradient is a named output), fed g only. */
    @Test
    void rewiresASameShapeSumWithAVariableToReadTheGradientOnly() {
        SameDiff sd = GraphProbes.squaredErrorGraph(11, x -> {
            SDVariable w1 = GraphProbes.weight(x, "w1", 3, 4);
            SDVariable v = GraphProbes.weight(x, "v", 3, 4);
            SDVariable w2 = GraphProbes.weight(x, "w2", 4, 1);
            return x.getSameDiff().math().tanh(x.mmul(w1)).rename("act").add(v).mmul(w2);
        });
        Recorded r = recorded(sd, List.of("w1", "v", "w2"));
        SameDiff grad = r.grad();

        assertEquals(1, r.recorder().rewrite(grad));
        SameDiffOp bp = grad.getOps().values().stream().filter(o -> o.getOp() instanceof AddBpOp).findFirst().orElseThrow();
        String g = bp.getInputsToOp().get(2);
        assertEquals(List.of(g, g, g), bp.getInputsToOp());
        assertFalse(grad.getVariables().get("act").getInputsForOp().contains(bp.getName()), "act freed after the sum");
        assertGradientsKeptAndExact(sd, grad, r.gradients(), r.before(), List.of("v"), 1e-7);
    }

    /**
     * Instance norm (x - mean(x), divided by the root of the mean square plus eps) in a trained graph: the backward of
     * the difference and of both means no longer reads their full-size inputs, and every gradient stays exact.
     */
    @Test
    void rewritesTheInstanceNormsMeansAndDifferenceToReadOnlyShapes() {
        SameDiff sd = GraphProbes.squaredErrorGraph(13, x -> {
            SDVariable w1 = GraphProbes.weight(x, "w1", 3, 8);
            SDVariable w2 = GraphProbes.weight(x, "w2", 8, 1);
            SDVariable map = x.mmul(w1).reshape(-1, 2, 2, 2).rename("map");
            SDVariable normed = io.udas.nn.Layers.instanceNorm(io.udas.nn.Scope.of(x.getSameDiff(), "", DataType.DOUBLE),
                    "in", map, 2, false);
            return x.getSameDiff().math().tanh(normed).reshape(-1, 8).mmul(w2);
        });
        Recorded r = recorded(sd, List.of("w1", "w2"));
        SameDiff grad = r.grad();
        grad.setListeners();

        long shapeReaders = count(grad, MeanBp.class) + count(grad, SubBpOp.class);
        assertEquals(3, r.recorder().rewrite(grad), "the norm's difference and both its means");
        // the loss's difference with the target (a placeholder) and its mean over all axes keep their backward
        assertEquals(shapeReaders - 3, count(grad, MeanBp.class) + count(grad, SubBpOp.class));
        assertNotReadBy(grad, "map", op -> op.getOp().opName().endsWith("_bp"));
        assertGradientsKeptAndExact(sd, grad, r.gradients(), r.before(), List.of("w1", "w2"), 1e-6);
    }

    /** A gradient graph of sd with the gradients of {@code weights}, as computed on a first run that the recorder saw. */
    private record Recorded(SameDiff grad, List<String> gradients, ElementwiseBackward recorder,
                            Map<String, INDArray> before) {
    }

    private static Recorded recorded(SameDiff sd, List<String> weights) {
        sd.createGradFunction();
        SameDiff grad = sd.getFunction("grad");
        List<String> gradients = weights.stream().map(w -> sd.getVariable(w).getGradient().name()).toList();
        ElementwiseBackward recorder = new ElementwiseBackward();
        grad.setListeners(recorder);
        return new Recorded(grad, gradients, recorder, grad.output(GraphProbes.inputs(), gradients));
    }

    /**
     * The rewritten {@code grad} gives the same {@code gradients} as {@code before} the rewrite, and those of
     * {@code checked} match finite differences.
     */
    private static void assertGradientsKeptAndExact(SameDiff sd, SameDiff grad, List<String> gradients,
                                                    Map<String, INDArray> before, List<String> checked, double tol) {
        Map<String, INDArray> after = grad.output(GraphProbes.inputs(), gradients);
        for (String g : gradients) {
            assertEquals(before.get(g), after.get(g), g);
        }
        for (String w : checked) {
            INDArray analytic = after.get(sd.getVariable(w).getGradient().name());
            INDArray numeric = GraphProbes.numericGradient(sd.getArrForVarName(w), () -> GraphProbes.loss(sd));
            for (int i = 0; i < numeric.length(); i++) {
                assertEquals(numeric.getDouble(i), analytic.getDouble(i), tol, w + "[" + i + "]");
            }
        }
    }

    /** No op that {@code backward} matches reads {@code variable} (so it is freed once the forward pass is done). */
    private static void assertNotReadBy(SameDiff grad, String variable, java.util.function.Predicate<SameDiffOp> backward) {
        for (String consumer : grad.getVariables().get(variable).getInputsForOp()) {
            assertFalse(backward.test(grad.getOps().get(consumer)), variable + " read by " + consumer);
        }
    }

    private static long count(SameDiff grad, Class<?> type) {
        return grad.getOps().values().stream().filter(o -> type.isInstance(o.getOp())).count();
    }

    /**
     * loss = mean((x (w1 * s) * v + c * (x w2)) w3 - t)^2) with constants s [1,4], c [1,4] and a trainable v [1,4]:
     * a weight scaled by a broadcast constant (rewritable), a product with a trainable factor (its gradient is needed)
     * and one whose first factor broadcasts (x's gradient would need a reduction).
     */
    private static SameDiff productGraph() {
        return GraphProbes.squaredErrorGraph(7, x -> {
            SameDiff sd = x.getSameDiff();
            SDVariable w1 = GraphProbes.weight(x, "w1", 3, 4);
            SDVariable w2 = GraphProbes.weight(x, "w2", 3, 4);
            SDVariable v = GraphProbes.weight(x, "v", 1, 4);
            SDVariable w3 = GraphProbes.weight(x, "w3", 4, 1);
            SDVariable s = sd.constant("s", Nd4j.createFromArray(new double[][]{{0.5, -2, 1.5, 3}}));
            SDVariable c = sd.constant("c", Nd4j.createFromArray(new double[][]{{1, 0.25, -1, 2}}));
            SDVariable scaled = w1.mul(s).rename("scaled");
            return x.mmul(scaled).mul(v).add(c.mul(x.mmul(w2))).mmul(w3);
        });
    }

    @Test
    void replacesTheBackwardOfAProductWithABroadcastConstantOnly() {
        SameDiff sd = productGraph();
        sd.createGradFunction();
        SameDiff grad = sd.getFunction("grad");
        List<String> weights = List.of("w1", "w2", "v", "w3");
        List<String> gradients = weights.stream().map(w -> sd.getVariable(w).getGradient().name()).toList();
        ElementwiseBackward recorder = new ElementwiseBackward();
        grad.setListeners(recorder);
        Map<String, INDArray> before = grad.output(GraphProbes.inputs(), gradients);
        grad.setListeners();
        long productBackwards = grad.getOps().values().stream().filter(o -> o.getOp() instanceof MulBpOp).count();

        assertEquals(2, recorder.rewrite(grad), "the sum, and of the products w1 * s only");
        assertEquals(productBackwards - 1,
                grad.getOps().values().stream().filter(o -> o.getOp() instanceof MulBpOp).count(),
                "w1 * s: the scale is constant and w1 has the product's shape");
        assertGradientsKeptAndExact(sd, grad, gradients, before, weights, 1e-6);
    }

    @Test
    void removesTheBackwardOfASumWithAConstantBiasAndPassesTheGradientThrough() {
        SameDiff sd = GraphProbes.squaredErrorGraph(9, x -> {
            SDVariable w1 = GraphProbes.weight(x, "w1", 3, 4);
            SDVariable w2 = GraphProbes.weight(x, "w2", 4, 1);
            SDVariable shift = x.getSameDiff().constant("shift", Nd4j.createFromArray(0.5, -1.0, 0.25, 2.0));
            return x.getSameDiff().math().tanh(x.mmul(w1).add(shift)).mmul(w2);
        });
        Recorded r = recorded(sd, List.of("w1", "w2"));
        SameDiff grad = r.grad();
        assertTrue(grad.getOps().values().stream().anyMatch(o -> o.getOp() instanceof AddBpOp));

        assertEquals(1, r.recorder().rewrite(grad));
        assertFalse(grad.getOps().values().stream().anyMatch(o -> o.getOp() instanceof AddBpOp), "bias sum's backward removed");
        assertGradientsKeptAndExact(sd, grad, r.gradients(), r.before(), List.of("w1"), 1e-7);
    }

    @Test
    void aRewiredSumThatLaterBroadcastsStopsTheRun() {
        // second step: c v [1,4] broadcasts in tanh(x w) + c v
        assertStopsOnceItBroadcasts(false, 2, 1);
    }

    @Test
    void aRewiredProductThatLaterBroadcastsStopsTheRun() {
        // second step: tanh(x w) [1,4] broadcasts in tanh(x w) * c, so its gradient would need a reduction
        assertStopsOnceItBroadcasts(true, 1, 2);
    }

    /**
     * Rewrites the backward of {@code tanh(x w) * c} or {@code tanh(x w) + c v} after a first step with x [2,3] and
     * c [2,4], then runs a second step with x [xRows,3] and c [cRows,4].
     */
    private static void assertStopsOnceItBroadcasts(boolean product, int xRows, int cRows) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 3);
        SDVariable c = sd.placeHolder("c", DataType.DOUBLE, -1, 4);
        SDVariable w = sd.var("w", Nd4j.randn(DataType.DOUBLE, 3, 4));
        SDVariable t = sd.math().tanh(x.mmul(w));
        // the summand c * v needs a gradient (for v), so the sum's backward is rewired for equal shapes
        (product ? t.mul(c) : t.add(c.mul(sd.var("v", Nd4j.randn(DataType.DOUBLE, 1, 4))))).mul(2.0).sum().rename("loss");
        sd.setLossVariables("loss");
        sd.createGradFunction();
        SameDiff grad = sd.getFunction("grad");
        String wGrad = sd.getVariable("w").getGradient().name();
        ElementwiseBackward recorder = new ElementwiseBackward();
        grad.setListeners(recorder);
        grad.output(Map.of("x", Nd4j.rand(DataType.DOUBLE, 2, 3), "c", Nd4j.rand(DataType.DOUBLE, 2, 4)), List.of(wGrad));
        assertEquals(1, recorder.rewrite(grad));

        Map<String, INDArray> next = Map.of("x", Nd4j.rand(DataType.DOUBLE, xRows, 3),
                "c", Nd4j.rand(DataType.DOUBLE, cRows, 4));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> grad.output(next, List.of(wGrad)));
        assertTrue(e.getMessage().contains("now broadcasts"), e.getMessage());
    }
}
