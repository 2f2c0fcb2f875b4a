package io.udas.graph;

import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Takes out of a graph every op whose inputs are constants or outputs of such ops, and gives the values these compute to
 * the graph as constants: above all each frozen BN's scale and shift, computed from its four constants with six ops,
 * which SameDiff would otherwise run in every step or forward pass (a quarter of a DeepLab-v2 step's ops). The graph is
 * a gradient graph of a forward graph, or a second build of the same network; the values come from the forward graph,
 * which keeps those ops under the same names, and are computed again whenever a constant they derive from has changed
 * (weights loaded into the arrays in place), so replacing BN statistics still takes effect. Ops that draw random numbers
 * or steer control flow are left alone.
 */
public final class ConstantFolding {
    private final SameDiff forward;
    /** Folded values read by ops that stay, or by none (a step may ask for them): constants of the gradient graph. */
    private final List<String> frontier;
    /** The constants the folded values derive from. */
    private final List<INDArray> sources;
    /** Their bytes when last folded (null: not folded yet). */
    private final byte[][] folded;

    private ConstantFolding(SameDiff forward, List<String> frontier, Collection<INDArray> sources) {
        this.forward = forward;
        this.frontier = frontier;
        this.sources = List.copyOf(sources);
        this.folded = new byte[this.sources.size()][];
    }

    /**
     * Folds {@code grad} (a gradient graph of {@code forward}, or another build of the same network on the same arrays)
     * in place.
     *
     * @return the folding, to {@link #refresh} before each run
     */
    public static ConstantFolding apply(SameDiff forward, SameDiff grad) {
        Set<String> folded = foldable(forward, grad);
        Set<String> values = new HashSet<>();
        Set<INDArray> sources = Collections.newSetFromMap(new IdentityHashMap<>());
        for (String name : folded) {
            SameDiffOp op = grad.getOps().get(name);
            values.addAll(op.getOutputsOfOp());
            for (String in : op.getInputsToOp()) {
                if (grad.getVariable(in).getVariableType() == VariableType.CONSTANT) {
                    sources.add(grad.getArrForVarName(in));
                }
            }
        }
        List<String> frontier = new ArrayList<>();
        for (String v : values) {
            List<String> consumers = grad.getVariables().get(v).getInputsForOp();
            if (consumers == null || consumers.isEmpty() || consumers.stream().anyMatch(c -> !folded.contains(c))) {
                frontier.add(v);
            }
        }
        for (String name : folded) {
            GraphEdits.setInputs(grad, grad.getOps().get(name), List.of());
        }
        for (String name : folded) {
            SameDiffOp op = grad.getOps().get(name);
            for (String out : op.getOutputsOfOp()) {
                if (frontier.contains(out)) {
                    Variable v = grad.getVariables().get(out);
                    v.setOutputOfOp(null);
                    v.getVariable().setVariableType(VariableType.CONSTANT);
                } else {
                    grad.getVariables().remove(out);
                }
            }
            grad.getOps().remove(name);
        }
        ConstantFolding f = new ConstantFolding(forward, frontier, sources);
        f.refresh(grad);
        return f;
    }

    /**
     * The names of the ops that {@link #apply} takes out of {@code grad}: ops of the forward graph (the backward pass
     * adds a few on constants, e.g. shapes, which the forward graph could not compute again).
     */
    public static Set<String> foldable(SameDiff forward, SameDiff grad) {
        Set<String> folded = new LinkedHashSet<>();
        Set<String> constant = new HashSet<>();
        grad.getVariables().forEach((n, v) -> {
            if (v.getVariable().getVariableType() == VariableType.CONSTANT) {
                constant.add(n);
            }
        });
        boolean grew = true;
        while (grew) {
            grew = false;
            for (SameDiffOp op : grad.getOps().values()) {
                SameDiffOp same = forward.getOps().get(op.getName());
                if (!folded.contains(op.getName()) && pure(op) && !op.getInputsToOp().isEmpty() && same != null
                        && same.getInputsToOp().equals(op.getInputsToOp())
                        && constant.containsAll(op.getInputsToOp())) {
                    folded.add(op.getName());
                    constant.addAll(op.getOutputsOfOp());
                    grew = true;
                }
            }
        }
        return folded;
    }

    /** Whether the op computes its outputs from its inputs alone, deterministically and outside control flow. */
    private static boolean pure(SameDiffOp op) {
        String pkg = op.getOp().getClass().getPackageName();
        boolean noControlDeps = (op.getControlDeps() == null || op.getControlDeps().isEmpty())
                && (op.getVarControlDeps() == null || op.getVarControlDeps().isEmpty());
        return noControlDeps && !pkg.contains(".random") && !pkg.contains(".controlflow")
                && !op.getOp().opName().toLowerCase().contains("dropout");
    }

    /** Computes the folded values again if a constant they derive from has changed since (always, the first time). */
    public void refresh(SameDiff grad) {
        boolean changed = false;
        for (int i = 0; i < sources.size(); i++) {
            INDArray s = sources.get(i);
            byte[] now = (s.isView() ? s.dup() : s).data().asBytes();
            if (!Arrays.equals(now, folded[i])) {
                changed = true;
                folded[i] = now;
            }
        }
        if (!changed || frontier.isEmpty()) {
            return;
        }
        List<Listener> listeners = new ArrayList<>(forward.getListeners());
        forward.setListeners();
        try {
            Map<String, INDArray> values = forward.output(Map.of(), frontier);
            values.forEach(grad::setArrayForVariable);
        } finally {
            forward.setListeners(listeners.toArray(new Listener[0]));
        }
    }
}
