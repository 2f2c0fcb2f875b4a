package io.udas.train;

import io.udas.graph.GraphEdits;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;

import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites the backward of every ReLU in a gradient graph from {@code thresholdedrelu_bp(x, g)} to
 * {@code g * step(y)}, where y = relu(x) is the ReLU's own output (y > 0 exactly where x > 0, so the values are
 * identical). Two reasons, both measured in M2.1: thresholdedrelu_bp runs about 10x slower than step plus multiply on
 * [4,1024,21,21] (9.9 ms against 0.8 ms), and it keeps x alive from the forward pass to the backward pass, while y is
 * kept anyway as the next layer's input; x (a conv output or a residual sum) is now freed right after the ReLU. The
 * mask is computed only once the incoming gradient exists, so no mask lives through the forward pass.
 *
 * <p>This has to happen on the built gradient graph: SameDiff clones every forward op through FlatBuffers before
 * differentiating it, so an op subclass with its own backward would be replaced by the stock class.
 */
final class ReluBackward {
    private ReluBackward() {
    }

    /**
     * Rewrites {@code grad} (SameDiff's "grad" function, before it first runs) in place.
     *
     * @return the number of ReLU backward ops rewritten
     */
    static int rewrite(SameDiff grad) {
        int n = 0;
        for (SameDiffOp op : new ArrayList<>(grad.getOps().values())) {
            if (!(op.getOp() instanceof ThresholdReluBp bp) || bp.getCutoff() != 0.0) {
                continue;
            }
            String x = op.getInputsToOp().get(0);
            String g = op.getInputsToOp().get(1);
            String y = reluOutput(grad, x);
            if (y == null) {
                continue;
            }
            SDVariable mask = new Step(grad, grad.getVariable(y), 0.0).outputVariable();
            runAfter(grad, grad.getVariables().get(mask.name()).getOutputOfOp(), g);
            GraphEdits.replaceWithProduct(grad, op, mask.name(), g);
            n++;
        }
        return n;
    }

    /**
     * Makes {@code op} wait for {@code var} (a control dependency). The session runs an op as soon as its inputs exist:
     * a mask computed from forward values alone would run in the forward pass and stay allocated until the backward.
     */
    private static void runAfter(SameDiff grad, String op, String var) {
        grad.getOps().get(op).setControlDeps(new ArrayList<>(List.of(var)));
        Variable v = grad.getVariables().get(var);
        if (v.getControlDepsForOp() == null) {
            v.setControlDepsForOp(new ArrayList<>());
        }
        v.getControlDepsForOp().add(op);
    }

    /** The output of the plain ReLU (cutoff 0) that consumes {@code x}, or null if there is none. */
    private static String reluOutput(SameDiff grad, String x) {
        List<String> consumers = grad.getVariables().get(x).getInputsForOp();
        for (String name : consumers == null ? List.<String>of() : consumers) {
            SameDiffOp op = grad.getOps().get(name);
            if (op.getOp() instanceof RectifiedLinear relu && relu.scalar().getDouble(0) == 0.0
                    && op.getInputsToOp().size() == 1) {
                return op.getOutputsOfOp().get(0);
            }
        }
        return null;
    }
}
