package io.udas.graph;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;

import java.util.ArrayList;
import java.util.List;

/**
 * Edits of a built gradient graph that keep SameDiff's two records of an edge in step: an op's input list and each
 * variable's list of consuming ops (the session frees an array once every op on that list has run).
 */
public final class GraphEdits {
    private GraphEdits() {
    }

    /** Gives {@code op} the inputs {@code inputs}, and updates the consumer lists of the inputs it drops and gains. */
    public static void setInputs(SameDiff grad, SameDiffOp op, List<String> inputs) {
        List<String> old = op.getInputsToOp();
        op.setInputsToOp(new ArrayList<>(inputs));
        for (String v : old) {
            if (!inputs.contains(v)) {
                grad.getVariables().get(v).getInputsForOp().remove(op.getName());
            }
        }
        for (String v : inputs) {
            if (!old.contains(v)) {
                Variable var = grad.getVariables().get(v);
                if (var.getInputsForOp() == null) {
                    var.setInputsForOp(new ArrayList<>());
                }
                var.getInputsForOp().add(op.getName());
            }
        }
    }

    /**
     * Makes {@code op} (under its own name) the element-wise, broadcasting product {@code x * y}. Its first output
     * becomes the product; the caller removes any further outputs.
     */
    public static void replaceWithProduct(SameDiff grad, SameDiffOp op, String x, String y) {
        MulOp mul = new MulOp();
        mul.setSameDiff(grad);
        mul.setOwnName(op.getName());
        op.setOp(mul);
        setInputs(grad, op, List.of(x, y));
    }

    /** Removes {@code op} from the graph; the consumers of each of its outputs read {@code replacement} instead. */
    public static void bypass(SameDiff grad, SameDiffOp op, String replacement) {
        bypass(grad, op, java.util.Collections.nCopies(op.getOutputsOfOp().size(), replacement));
    }

    /** Removes {@code op} from the graph; the consumers of its i-th output read {@code replacements.get(i)} instead. */
    public static void bypass(SameDiff grad, SameDiffOp op, List<String> replacements) {
        for (int i = 0; i < op.getOutputsOfOp().size(); i++) {
            String output = op.getOutputsOfOp().get(i);
            String replacement = replacements.get(i);
            List<String> consumers = grad.getVariables().get(output).getInputsForOp();
            for (String name : consumers == null ? List.<String>of() : List.copyOf(consumers)) {
                SameDiffOp c = grad.getOps().get(name);
                setInputs(grad, c, c.getInputsToOp().stream().map(v -> v.equals(output) ? replacement : v).toList());
            }
        }
        setInputs(grad, op, List.of());
        op.getOutputsOfOp().forEach(grad.getVariables()::remove);
        grad.getOps().remove(op.getName());
    }
}
