package io.udas.train;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddBackwardTest {

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
        sd.createGradFunction();
        SameDiff grad = sd.getFunction("grad");
        List<String> gradients = List.of("w1", "b", "w2", "w3").stream()
                .map(w -> sd.getVariable(w).getGradient().name()).toList();
        AddBackward recorder = new AddBackward();
        grad.setListeners(recorder);
        Map<String, INDArray> before = grad.output(GraphProbes.inputs(), gradients);
        grad.setListeners();

        assertEquals(1, recorder.rewrite(grad), "only the residual sum has inputs of its output's shape");
        // "branch" is now read by the forward sum alone, so it can be freed before the backward pass
        for (String consumer : grad.getVariables().get("branch").getInputsForOp()) {
            assertFalse(grad.getOps().get(consumer).getOp() instanceof AddBpOp, consumer);
        }
        Map<String, INDArray> after = grad.output(GraphProbes.inputs(), gradients);
        for (String g : gradients) {
            assertEquals(before.get(g), after.get(g), g);
        }

        // and against finite differences
        INDArray analytic = after.get(sd.getVariable("w2").getGradient().name());
        INDArray numeric = GraphProbes.numericGradient(sd.getArrForVarName("w2"),
                () -> GraphProbes.loss(sd));
        for (int i = 0; i < numeric.length(); i++) {
            assertEquals(numeric.getDouble(i), analytic.getDouble(i), 1e-7, "w2[" + i + "]");
        }
    }

    @Test
    void aRewiredSumThatLaterBroadcastsStopsTheRun() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 3);
        SDVariable c = sd.placeHolder("c", DataType.DOUBLE, -1, 4);
        SDVariable w = sd.var("w", Nd4j.randn(DataType.DOUBLE, 3, 4));
        sd.math().tanh(x.mmul(w)).add(c).mul(2.0).sum().rename("loss");
        sd.setLossVariables("loss");
        sd.createGradFunction();
        SameDiff grad = sd.getFunction("grad");
        String wGrad = sd.getVariable("w").getGradient().name();
        AddBackward recorder = new AddBackward();
        grad.setListeners(recorder);
        INDArray xs = Nd4j.rand(DataType.DOUBLE, 2, 3);
        grad.output(Map.of("x", xs, "c", Nd4j.rand(DataType.DOUBLE, 2, 4)), List.of(wGrad));
        assertEquals(1, recorder.rewrite(grad));

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> grad.output(Map.of("x", xs, "c", Nd4j.rand(DataType.DOUBLE, 1, 4)), List.of(wGrad)));
        assertTrue(e.getMessage().contains("now broadcasts"), e.getMessage());
    }
}
