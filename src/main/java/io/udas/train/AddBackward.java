package io.udas.train;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Lets a gradient graph free the inputs of its same-shape sums (residual connections) right after the forward add.
 * {@code add_bp(a, b, g)} reads a and b only for their shapes, yet holds them from the forward pass to the backward
 * pass; where both have g's shape it is rewired to {@code add_bp(g, g, g)}, with identical results. Shapes are known
 * only once the graph has run, so this listener records them during a first run and {@link #rewrite} acts after it.
 * It keeps listening: a rewired sum whose inputs later differ in shape (a broadcast that looked like a plain sum on the
 * first batch) stops the run instead of giving wrong gradients.
 */
final class AddBackward extends BaseListener {
    private final Set<String> sameShapeAdds = new HashSet<>();
    private final Set<String> rewired = new HashSet<>();
    private boolean rewritten;

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                            INDArray[] outputs) {
        if (!(op.getOp() instanceof AddOp) || opContext == null || outputs.length != 1) {
            return;
        }
        List<INDArray> in = opContext.getInputArrays();
        if (in.size() == 2 && in.stream().allMatch(a -> a != null && Arrays.equals(a.shape(), outputs[0].shape()))) {
            sameShapeAdds.add(op.getName());
        } else if (rewired.contains(op.getName())) {
            throw new IllegalStateException("sum " + op.getName() + " now broadcasts (shapes " + in.stream()
                    .map(a -> Arrays.toString(a.shape())).toList() + "), but its backward was rewired for equal shapes "
                    + "on the first step: a graph's input shapes must not grow after its first training step");
        }
    }

    /** Whether {@link #rewrite} has run. */
    boolean rewritten() {
        return rewritten;
    }

    /**
     * Rewires, in {@code grad}, the backward of every add recorded as same-shape.
     *
     * @return the number of add_bp ops rewired
     */
    int rewrite(SameDiff grad) {
        rewritten = true;
        int n = 0;
        for (SameDiffOp op : new ArrayList<>(grad.getOps().values())) {
            if (!(op.getOp() instanceof AddBpOp) || op.getInputsToOp().size() != 3) {
                continue;
            }
            List<String> in = op.getInputsToOp();
            String a = in.get(0);
            String b = in.get(1);
            String g = in.get(2);
            String add = forwardAdd(grad, a, b);
            if (!sameShapeAdds.contains(add)) {
                continue;
            }
            rewired.add(add);
            op.setInputsToOp(new ArrayList<>(List.of(g, g, g)));
            for (String v : new String[]{a, b}) {
                if (!v.equals(g)) {
                    grad.getVariables().get(v).getInputsForOp().remove(op.getName());
                }
            }
            n++;
        }
        return n;
    }

    /** The name of the add op computing a + b, or null. */
    private static String forwardAdd(SameDiff grad, String a, String b) {
        List<String> consumers = grad.getVariables().get(a).getInputsForOp();
        for (String name : consumers == null ? List.<String>of() : consumers) {
            SameDiffOp op = grad.getOps().get(name);
            if (op.getOp() instanceof AddOp && op.getInputsToOp().equals(List.of(a, b))) {
                return name;
            }
        }
        return null;
    }
}
