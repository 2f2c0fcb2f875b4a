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
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ops.impl.reduce.bp.MeanBp;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.MulBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.SubBpOp;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
 *   <li>{@code subtract_bp(x, m, g)} and {@code reduce_mean_bp(x, g)} of a per-channel mean taken off x (instance
 *   norm: x - mean(x), and mean((x - mean(x))^2)) read x only for its shape, yet hold it, a full map, until the
 *   backward pass: with the map the norm keeps anyway, three full maps per norm where one would do. Where x has the
 *   output's shape and is an op output, x's gradient of the difference is g itself and m's is -sum(g) over the
 *   broadcast axes; a mean's gradient (kept dimensions, batch axis not reduced) is g / n times constant ones of one
 *   sample's shape. x is then freed once its forward readers have run.</li>
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
    /** Input and output shapes of the forward differences and means on the first run. */
    private final Map<String, long[][]> shapes = new HashMap<>();
    /** Forward differences and means whose backward was rewritten for the shapes of the first run. */
    private final Set<String> rewiredShapes = new HashSet<>();
    private boolean rewritten;

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                            INDArray[] outputs) {
        if ((op.getOp() instanceof SubOp || op.getOp() instanceof Mean) && opContext != null && outputs.length == 1) {
            recordShapes(op, opContext, outputs[0]);
            return;
        }
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

    private void recordShapes(SameDiffOp op, OpContext ctx, INDArray output) {
        long[][] now = new long[ctx.getInputArrays().size() + 1][];
        for (int i = 0; i < now.length - 1; i++) {
            now[i] = ctx.getInputArrays().get(i).shape();
        }
        now[now.length - 1] = output.shape();
        String name = op.getName();
        if (rewiredShapes.contains(name) && !Arrays.deepEquals(shapes.get(name), now)) {
            throw new IllegalStateException("op " + name + " now has shapes " + Arrays.deepToString(now) + ", but its "
                    + "backward was rewritten for the shapes of the first step " + Arrays.deepToString(shapes.get(name))
                    + ": a graph's input shapes must not change after its first training step");
        }
        if (!rewritten) {
            shapes.put(name, now);
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
            if (op.getOp() instanceof MeanBp && rewriteMean(grad, op)) {
                n++;
                continue;
            }
            if (op.getOp() instanceof SubBpOp && rewriteDifference(grad, op)) {
                n++;
                continue;
            }
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

    /**
     * {@code reduce_mean_bp(x, g)} -> g / n broadcast to the shape of x (taken in the forward pass), for a recorded mean
     * of an op output x that kept its dimensions and did not reduce the batch axis.
     */
    private boolean rewriteMean(SameDiff grad, SameDiffOp op) {
        List<String> in = op.getInputsToOp();
        if (in.size() != 2 || !isArray(grad, in.get(0)) || !op.getOutputsOfOp().stream()
                .allMatch(v -> noControlDependents(grad, v))) {
            return false;
        }
        String mean = forward(grad, Mean.class, List.of(in.get(0)));
        long[][] sh = shapes.get(mean);
        if (sh == null || sh.length != 2 || sh[0].length != sh[1].length || sh[1][0] != sh[0][0]) {
            return false;
        }
        double n = 1;
        for (int d = 0; d < sh[0].length; d++) {
            n *= (double) sh[0][d] / sh[1][d];
        }
        // broadcast against constant ones of one sample's shape (M2.1's broadcast_to is 90x slower: 90 ms for a
        // [1,64,256,256] map); one such constant per shape, shared by every mean of that shape
        long[] sample = sh[0].clone();
        sample[0] = 1;
        String key = "ones" + Arrays.toString(sample).replaceAll("[^0-9]+", "_");
        SDVariable x = grad.getVariable(in.get(0));
        SDVariable ones = grad.hasVariable(key) ? grad.getVariable(key)
                : grad.constant(key, Nd4j.ones(x.dataType(), sample));
        SDVariable dx = grad.getVariable(in.get(1)).mul(1.0 / n).mul(ones);
        rewiredShapes.add(mean);
        GraphEdits.bypass(grad, op, List.of(dx.name()));
        return true;
    }

    /**
     * {@code subtract_bp(x, m, g)} -> (g, -sum(g) over m's broadcast axes), for a recorded difference of op outputs
     * where x has the output's shape.
     */
    private boolean rewriteDifference(SameDiff grad, SameDiffOp op) {
        List<String> in = op.getInputsToOp();
        if (in.size() != 3 || !isArray(grad, in.get(0)) || !isArray(grad, in.get(1))
                || op.getOutputsOfOp().size() != 2 || !op.getOutputsOfOp().stream()
                .allMatch(v -> noControlDependents(grad, v))) {
            return false;
        }
        String sub = forward(grad, SubOp.class, List.of(in.get(0), in.get(1)));
        long[][] sh = shapes.get(sub);
        if (sh == null || sh.length != 3 || !Arrays.equals(sh[0], sh[2]) || sh[1].length != sh[2].length) {
            return false;
        }
        int[] axes = java.util.stream.IntStream.range(0, sh[2].length).filter(d -> sh[1][d] == 1 && sh[2][d] != 1)
                .toArray();
        SDVariable g = grad.getVariable(in.get(2));
        SDVariable dm = axes.length == 0 ? g.neg() : g.sum(true, axes).neg();
        rewiredShapes.add(sub);
        GraphEdits.bypass(grad, op, List.of(in.get(2), dm.name()));
        return true;
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
        return forward(grad, type, List.of(a, b));
    }

    /** The name of the forward op of type {@code type} on exactly these inputs, or null. */
    private static String forward(SameDiff grad, Class<?> type, List<String> inputs) {
        List<String> consumers = grad.getVariables().get(inputs.get(0)).getInputsForOp();
        for (String name : consumers == null ? List.<String>of() : consumers) {
            SameDiffOp op = grad.getOps().get(name);
            if (type.isInstance(op.getOp()) && op.getInputsToOp().equals(inputs)) {
                return name;
            }
        }
        return null;
    }
}
