package io.udas.train;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReluBackwardTest {

    /** loss = mean((relu(relu(x w1) w2) w3 - t)^2): two ReLUs, the first one's input named "pre". */
    private static SameDiff graph() {
        return GraphProbes.squaredErrorGraph(11, x -> {
            SDVariable w1 = GraphProbes.weight(x, "w1", 3, 5);
            SDVariable w2 = GraphProbes.weight(x, "w2", 5, 4);
            SDVariable w3 = GraphProbes.weight(x, "w3", 4, 1);
            SDVariable pre = x.mmul(w1).rename("pre");
            return x.getSameDiff().nn().relu(x.getSameDiff().nn().relu(pre, 0.0).mmul(w2), 0.0).mmul(w3);
        });
    }

    @Test
    void rewrittenReluBackwardMatchesFiniteDifferencesAndNoLongerReadsTheReluInput() {
        SameDiff sd = graph();
        INDArray pre = sd.output(GraphProbes.inputs(), List.of("pre")).get("pre");
        assertTrue(pre.minNumber().doubleValue() < 0 && pre.maxNumber().doubleValue() > 0,
                "the test needs ReLU inputs of both signs: " + pre);

        sd.createGradFunction();
        SameDiff grad = sd.getFunction("grad");
        assertEquals(2, ReluBackward.rewrite(grad));
        for (SameDiffOp op : grad.getOps().values()) {
            assertFalse(op.getOp() instanceof ThresholdReluBp, op.getName() + " still a thresholdedrelu_bp");
        }
        // "pre" now feeds only the forward ReLU, so the session can free it before the backward pass
        assertEquals(1, grad.getVariables().get("pre").getInputsForOp().size());

        // each mask is computed in the backward pass, after the gradient it multiplies (not held from the forward)
        GraphProbes.OpLog log = new GraphProbes.OpLog();
        grad.addListeners(log);
        String w1Grad = sd.getVariable("w1").getGradient().name();
        grad.output(GraphProbes.inputs(), List.of(w1Grad));
        int masks = 0;
        for (SameDiffOp op : grad.getOps().values()) {
            if (op.getOp() instanceof Step) {
                masks++;
                assertTrue(op.getControlDeps() != null && op.getControlDeps().size() == 1,
                        op.getName() + " waits for nothing");
                String gradientProducer = grad.getVariables().get(op.getControlDeps().get(0)).getOutputOfOp();
                assertTrue(log.names.indexOf(gradientProducer) >= 0
                        && log.names.indexOf(op.getName()) > log.names.indexOf(gradientProducer), "order " + log.names);
            }
        }
        assertEquals(2, masks);
        grad.setListeners();

        for (String w : List.of("w1", "w2", "w3")) {
            String gName = sd.getVariable(w).getGradient().name();
            INDArray analytic = grad.output(GraphProbes.inputs(), List.of(gName)).get(gName);
            INDArray numeric = GraphProbes.numericGradient(sd.getArrForVarName(w), () -> GraphProbes.loss(sd));
            for (int i = 0; i < numeric.length(); i++) {
                assertEquals(numeric.getDouble(i), analytic.getDouble(i), 1e-7, w + "[" + i + "]");
            }
        }
    }
}
