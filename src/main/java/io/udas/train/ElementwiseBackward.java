package io.udas.train;

import io.udas.graph.GraphEdits;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.MulBpOp;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Rewrites the backward of sums and products in a gradient graph once their shapes are known. Shapes are known only
 * once the graph has run, so this listener records them during a first run and {@link #rewrite} acts after it.
 * <ul>
 *   <li>{@code add_bp(a, b, g)} reads a and b only for their shapes, yet holds them from the forward pass to the
 *   backward pass (residual connections), and copies g twice. Where both have g's shape and are op outputs, the op is
 *   removed and the consumers of both gradients read g; where either is a variable (whose gradient is a named output
 *   of the step), it is rewired to {@code add_bp(g, g, g)}. Either way a and b are freed right after the forward
 *   sum.</li>
 *   <li>{@code multiply_bp(x, y, g)} always computes y's gradient too, and for a broadcast y reduces it, slowly in
 *   M2.1. Where x has g's shape and y needs no gradient (a frozen BN scale on a conv weight, a constant mask), it is
 *   replaced by {@code g * y}: the same x gradient, and no y gradient.</li>
 *   <li>Likewise {@code add_bp(a, b, g)} where a has g's shape and b needs no gradient (a constant bias after a matrix
 *   product): a's gradient is g itself, so the op is removed and its consumers read g (measured: 0.3 s of a DeepLab-v2
 *   step at 321x321 went into these add_bp ops, copying g and reducing an unused bias gradient).</li>
 * </ul>
 * It keeps listening: a rewired op whose first input no longer has its output's shape (a broadcast that looked like
 * a plain element-wise op on the first batch) stops the run instead of giving wrong gradients.
 */
final class ElementwiseBackward extends BaseListener {
    /** Forward sums whose inputs both had the output's shape on the first run. */
    private final Set<String> sameShapeSums = new HashSet<>();
    /** Forward sums and products whose first input had the output's shape on the first run. */
    private final Set<String> fullFirstInput = new HashSet<>();
    /** Forward sums whose backward was rewritten for inputs of equal shapes. */
    private final Set<String> rewiredSameShape = new HashSet<>();
    /** Forward sums and products whose backward was rewritten for a first input of the output's shape. */
    private final Set<String> rewiredFullFirst = new HashSet<>();
    private boolean rewritten;

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                            INDArray[] outputs) {
        boolean sum = op.getOp() instanceof AddOp;
        if (!(sum || op.getOp() instanceof MulOp) || opContext == null || outputs.length != 1) {
            return;
        }
        List<INDArray> in = opContext.getInputArrays();
        if (in.size() != 2 || in.contains(null)) {
            return;
        }
        long[] shape = outputs[0].shape();
        boolean first = Arrays.equals(in.get(0).shape(), shape);
        boolean both = first && Arrays.equals(in.get(1).shape(), shape);
        String name = op.getName();
        if (rewiredSameShape.contains(name) && !both || rewiredFullFirst.contains(name) && !first) {
            throw new IllegalStateException((sum ? "sum " : "product ") + name + " now broadcasts (shapes "
                    + in.stream().map(a -> Arrays.toString(a.shape())).toList() + "), but its backward was "
                    + "rewritten for the shapes of the first step: a graph's input shapes must not grow after its "
                    + "first training step");
        }
        if (!rewritten) {
            if (first) {
                fullFirstInput.add(name);
            }
            if (sum && both) {
                sameShapeSums.add(name);
            }
        }
    }

    /** Whether {@link #rewrite} has run. */
    boolean rewritten() {
        return rewritten;
    }

    /**
     * Rewrites, in {@code grad}, the backward of every sum and product recorded as rewritable.
     *
     * @return the number of add_bp and multiply_bp ops rewritten
     */
    int rewrite(SameDiff grad) {
        rewritten = true;
        int n = 0;
        for (SameDiffOp op : new ArrayList<>(grad.getOps().values())) {
            if (op.getInputsToOp().size() != 3) {
                continue;
            }
            List<String> in = op.getInputsToOp();
            String a = in.get(0);
            String b = in.get(1);
            String g = in.get(2);
            if (op.getOp() instanceof AddBpOp) {
                String add = forward(grad, AddOp.class, a, b);
                List<String> grads = op.getOutputsOfOp();
                boolean noControl = grads.stream().allMatch(v -> noControlDependents(grad, v));
                if (sameShapeSums.contains(add) && isArray(grad, a) && isArray(grad, b) && noControl) {
                    rewiredSameShape.add(add);
                    GraphEdits.bypass(grad, op, g);
                    n++;
                } else if (fullFirstInput.contains(add) && gradientUnused(grad, b, grads.get(1)) && isArray(grad, a)
                        && noControlDependents(grad, grads.get(0))) {
                    rewiredFullFirst.add(add);
                    GraphEdits.bypass(grad, op, g);
                    n++;
                } else if (sameShapeSums.contains(add)) {
                    rewiredSameShape.add(add);
                    GraphEdits.setInputs(grad, op, List.of(g, g, g));
                    n++;
                }
            } else if (op.getOp() instanceof MulBpOp) {
                String mul = forward(grad, MulOp.class, a, b);
                if (fullFirstInput.contains(mul) && gradientUnused(grad, b, op.getOutputsOfOp().get(1))) {
                    rewiredFullFirst.add(mul);
                    GraphEdits.replaceWithProduct(grad, op, g, b);
                    grad.getVariables().remove(op.getOutputsOfOp().get(1));
                    op.setOutputsOfOp(new ArrayList<>(op.getOutputsOfOp().subList(0, 1)));
                    n++;
                }
            }
        }
        return n;
    }

    /** Whether the gradient {@code dy} of {@code y} is read by nothing: no op, and y is no trainable variable. */
    private static boolean gradientUnused(SameDiff grad, String y, String dy) {
        Variable v = grad.getVariables().get(dy);
        return grad.getVariables().get(y).getVariable().getVariableType() != VariableType.VARIABLE
                && (v.getInputsForOp() == null || v.getInputsForOp().isEmpty()) && noControlDependents(grad, dy);
    }

    /** Whether {@code var} is an op output (not a variable, constant or placeholder: its gradient is no step output). */
    private static boolean isArray(SameDiff grad, String var) {
        return grad.getVariables().get(var).getVariable().getVariableType() == VariableType.ARRAY;
    }

    /** Whether no op waits on {@code var} as a control dependency. */
    private static boolean noControlDependents(SameDiff grad, String var) {
        Variable v = grad.getVariables().get(var);
        return v.getControlDepsForOp() == null || v.getControlDepsForOp().isEmpty();
    }

    /** The name of the forward op of type {@code type} on inputs (a, b), or null. */
    private static String forward(SameDiff grad, Class<?> type, String a, String b) {
        List<String> consumers = grad.getVariables().get(a).getInputsForOp();
        for (String name : consumers == null ? List.<String>of() : consumers) {
            SameDiffOp op = grad.getOps().get(name);
            if (type.isInstance(op.getOp()) && op.getInputsToOp().equals(List.of(a, b))) {
                return name;
            }
        }
        return null;
    }
}
