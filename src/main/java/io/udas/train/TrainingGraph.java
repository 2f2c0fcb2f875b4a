package io.udas.train;

import io.udas.graph.ConstantFolding;
import io.udas.train.optim.ParamGroup;
import io.udas.util.QuietStdout;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One SameDiff graph with one loss, trained by parameter groups. A step computes gradients for the
 * groups it is asked to update only, so a network inside the graph (a discriminator in the
 * segmenter's adversarial step) passes gradients through without changing. Several graphs may hold
 * the same weight arrays (SameDiff keeps array references), so an update in one is seen by all: the
 * multi-network stages use one graph per optimisation direction over shared weights.
 */
public final class TrainingGraph {
    /** The name under which SameDiff stores the backward graph of a graph (SameDiff.GRAD_FN_KEY, protected). */
    static final String GRADIENT_FUNCTION = "grad";
    private final SameDiff sd;
    private final String loss;
    private final Map<String, ParamGroup> groups = new LinkedHashMap<>();
    /** SameDiff's backward graph ("grad" function), built on the first step. */
    private SameDiff gradientGraph;
    /** Records shapes of sums and products in the first step, then rewrites their backward (and checks after). */
    private ElementwiseBackward elementwiseBackward;
    private ConstantFolding constants;

    public TrainingGraph(SameDiff sd, String lossVariable, List<ParamGroup> groups) {
        this.sd = sd;
        this.loss = lossVariable;
        for (ParamGroup g : groups) {
            for (String v : g.variables()) {
                if (!sd.hasVariable(v)) {
                    throw new IllegalArgumentException("group " + g.name() + ": graph has no variable " + v);
                }
            }
            this.groups.put(g.name(), g);
        }
        sd.setLossVariables(lossVariable);
    }

    public SameDiff graph() {
        return sd;
    }

    public ParamGroup group(String name) {
        ParamGroup g = groups.get(name);
        if (g == null) {
            throw new IllegalArgumentException("no parameter group " + name);
        }
        return g;
    }

    /** The outputs of one step: the loss, the requested outputs (e.g. loss terms, softmax maps). */
    public record StepResult(double loss, Map<String, INDArray> outputs) {
        public double scalar(String name) {
            return outputs.get(name).getDouble(0);
        }
    }

    /**
     * Forward + backward with {@code placeholders}, then one optimiser step for each group in
     * {@code update} with LR {@code lr * group.lrMult}. If the loss or any requested scalar output is
     * not finite, nothing is updated and {@link NonFiniteLossException} is thrown.
     */
    public StepResult step(Map<String, INDArray> placeholders, List<String> update, double lr, List<String> outputs) {
        Set<String> vars = new LinkedHashSet<>();
        for (String g : update) {
            vars.addAll(group(g).variables());
        }
        List<String> outs = new ArrayList<>(outputs);
        if (!outs.contains(loss)) {
            outs.add(loss);
        }
        Run run = forwardBackward(placeholders, outs, vars);
        Map<String, INDArray> out = run.outputs();
        double lossValue = out.get(loss).sumNumber().doubleValue();
        for (String o : outs) {
            INDArray a = out.get(o);
            if (a != null && a.length() == 1 && !Double.isFinite(a.getDouble(0))) {
                throw new NonFiniteLossException(o + " = " + a.getDouble(0));
            }
        }
        for (String g : update) {
            ParamGroup group = group(g);
            Map<String, INDArray> p = new HashMap<>();
            Map<String, INDArray> gr = new HashMap<>();
            for (String v : group.variables()) {
                INDArray grad = run.gradients().get(v);
                if (grad != null) {
                    p.put(v, sd.getArrForVarName(v));
                    gr.put(v, grad);
                }
            }
            group.optimizer().step(p, gr, lr * group.lrMult());
            // Give the gradients back now rather than when the GC finds them (a ResNet-101 step makes 170 MB of
            // them): to the backward graph's pool, which hands them out again next step; an array that is also an
            // input or output of the step is left alone.
            for (INDArray grad : gr.values()) {
                if (grad.closeable() && !holds(placeholders, grad) && !holds(out, grad)) {
                    ArrayPool.recycle(gradientGraph, grad);
                }
            }
        }
        return new StepResult(lossValue, out);
    }

    /** Whether {@code a} itself (not an equal array) is one of the values. */
    private static boolean holds(Map<String, INDArray> arrays, INDArray a) {
        return arrays.values().stream().anyMatch(v -> v == a);
    }

    /** One run of the backward graph: the requested outputs, and the gradients keyed by their variables' names. */
    private record Run(Map<String, INDArray> outputs, Map<String, INDArray> gradients) {
    }

    /**
     * The requested outputs and the gradients of {@code vars}, from one run of the backward graph. Unlike
     * {@code SameDiff.calculateGradientsAndOutputs}, which switches the backward graph's array release off, this lets
     * the session free every intermediate once its last consumer has run: with release off, a step keeps all its
     * activations and their gradients alive until the GC finds them (measured: a CycleGAN generator step at 256x256
     * needed over 22 GB; DeepLab-v2 steps several times PyTorch's memory).
     */
    private Run forwardBackward(Map<String, INDArray> placeholders, List<String> outputs, Set<String> vars) {
        if (gradientGraph == null) {
            QuietStdout.dropping("Added differentiated op", () -> {
                sd.createGradFunction();
                return null;
            });
            gradientGraph = sd.getFunction(GRADIENT_FUNCTION);
            ReluBackward.rewrite(gradientGraph);
            elementwiseBackward = new ElementwiseBackward();
        }
        Map<String, String> gradientNames = new HashMap<>();
        for (String v : vars) {
            SDVariable gv = sd.getVariable(v).getGradient();
            if (gv != null) {
                gradientNames.put(gv.name(), v);
            }
        }
        List<String> names = new ArrayList<>(outputs);
        names.addAll(gradientNames.keySet());
        // every run: SameDiff's own gradient calls on this graph switch release off again
        gradientGraph.setEnableCache(true);
        if (!elementwiseBackward.rewritten()) {
            // the rewrite needs the forward shapes: a forward pass finds them, so that no step runs the backward
            // as built (it holds every residual sum's inputs until the backward pass: twice the memory at 321x321)
            gradientGraph.setListeners(elementwiseBackward);
            gradientGraph.output(placeholders, List.of(loss));
            elementwiseBackward.rewrite(gradientGraph);
            constants = ConstantFolding.apply(sd, gradientGraph);
        }
        constants.refresh(gradientGraph);
        List<Listener> listeners = new ArrayList<>(sd.getListeners());
        listeners.add(elementwiseBackward);
        gradientGraph.setListeners(listeners);
        Map<String, INDArray> result = gradientGraph.output(placeholders, names);
        Map<String, INDArray> outs = new HashMap<>();
        for (String o : outputs) {
            outs.put(o, result.get(o));
        }
        Map<String, INDArray> grads = new HashMap<>();
        gradientNames.forEach((g, v) -> grads.put(v, result.get(g)));
        return new Run(outs, grads);
    }

    /**
     * Forward only. After the first step it runs on the gradient graph, whose constant-only ops are folded (the forward
     * graph would compute every frozen BN's scale and shift again).
     */
    public Map<String, INDArray> output(Map<String, INDArray> placeholders, List<String> outputs) {
        if (constants == null) {
            return sd.output(placeholders, outputs);
        }
        constants.refresh(gradientGraph);
        gradientGraph.setListeners(sd.getListeners());
        return gradientGraph.output(placeholders, outputs);
    }
}
