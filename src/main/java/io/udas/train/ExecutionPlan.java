package io.udas.train;

import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.config.ExecutionResult;
import org.nd4j.autodiff.samediff.internal.AbstractSession;
import org.nd4j.autodiff.samediff.internal.FrameIter;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.BaseReduceOp;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.custom.Invoke;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.BaseCompatOp;
import org.nd4j.linalg.api.ops.impl.layers.ExternalErrorsFunction;
import org.nd4j.linalg.api.ops.impl.shape.CreateView;
import org.nd4j.linalg.api.ops.impl.shape.Reshape;
import org.nd4j.linalg.api.ops.impl.shape.tensorops.BaseTensorOp;
import org.nd4j.linalg.api.ops.impl.transforms.Assert;
import org.nd4j.linalg.api.ops.impl.transforms.custom.Assign;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.GradientBackwardsMarker;
import org.nd4j.linalg.api.ops.impl.transforms.same.Identity;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * One run of a graph, recorded once and then replayed: the ops in the order M2.1's session ran them, each op's inputs
 * and outputs as slots of an array, the step after which each intermediate is released, and each output's shape.
 * Why: M2.1's session schedules every run afresh (subgraph search, dependency tracking by name and frame, a copy of the
 * variable map per requested output, native shape calculation per op); on a DeepLab-v2 training step that is about
 * 0.2 s of 1,800 ops, 7% of the step at 321x321 and more at 161x161. A plan holds for one set of requested outputs and
 * placeholder shapes and types, and only while the graph is unchanged ({@link #signature}); the session records a new
 * one otherwise. Graphs with control flow, TensorArrays or in-place ops get no plan (M2.1 runs them).
 */
final class ExecutionPlan {
    /**
     * Ops whose output shape depends on the values of their inputs, not only on shapes: their output shapes are
     * calculated in every run. (Ops taking a shape as an integer input are handled by {@link #shapesFixed}.)
     */
    private static final Set<String> VALUE_SIZED = Set.of("where", "where_np", "unique", "unique_with_counts",
            "dynamic_partition", "boolean_mask", "listdiff", "bincount", "non_max_suppression",
            "non_max_suppression_v3", "non_max_suppression_overlaps", "image_resize_dynamic");
    /** Ops whose output depends only on the shape of their input. */
    private static final Set<String> SHAPE_READERS = Set.of("shape_of", "shapes_of", "size", "rank", "size_at");
    private static final FrameIter OUTER = new FrameIter(AbstractSession.OUTER_FRAME, 0, null);

    /** Where a slot's array comes from at the start of a run. */
    private record Source(int slot, String variable) {
    }

    /** One op: input and output slots, the output shapes (null where calculated per run), the slots freed after it. */
    private record Step(SameDiffOp op, int[] inputs, int[] outputs, LongShapeDescriptor[] shapes, boolean reshape,
                        int[] release) {
    }

    private final int signature;
    private final int slotCount;
    /** Variables and constants, read from the graph at each run (their arrays may be replaced between runs). */
    private final List<Source> stored;
    private final List<Source> placeholders;
    private final Step[] steps;
    private final List<String> outputNames;
    private final Set<String> requested;
    private final int[] outputSlots;

    private ExecutionPlan(int signature, int slotCount, List<Source> stored, List<Source> placeholders, Step[] steps,
                          List<String> outputNames, int[] outputSlots) {
        this.signature = signature;
        this.slotCount = slotCount;
        this.stored = stored;
        this.placeholders = placeholders;
        this.steps = steps;
        this.outputNames = outputNames;
        this.requested = Set.copyOf(outputNames);
        this.outputSlots = outputSlots;
    }

    /**
     * A hash of the graph's structure: every op's name, function object, inputs and outputs. Any edit (a rewrite,
     * constant folding) changes it, so a plan never runs a graph other than the one it was recorded on.
     */
    static int signature(SameDiff sd) {
        int h = sd.getOps().size();
        for (SameDiffOp op : sd.getOps().values()) {
            h = 31 * h + op.getName().hashCode();
            h = 31 * h + System.identityHashCode(op.getOp());
            h = 31 * h + (op.getInputsToOp() == null ? 0 : op.getInputsToOp().hashCode());
            h = 31 * h + (op.getOutputsOfOp() == null ? 0 : op.getOutputsOfOp().hashCode());
        }
        return h;
    }

    int signature() {
        return signature;
    }

    /** What a plan is recorded for: the requested outputs, and each placeholder's name, type and shape. */
    static String key(List<String> outputs, Map<String, INDArray> placeholders) {
        StringBuilder sb = new StringBuilder(outputs.toString());
        if (placeholders != null) {
            new TreeMap<>(placeholders).forEach((name, a) -> sb.append('|').append(name).append(':')
                    .append(a.dataType()).append(Arrays.toString(a.shape())));
        }
        return sb.toString();
    }

    /** The ops of one run of M2.1's session, in the order they ran, with the shapes of their outputs. */
    static final class Recording {
        private final List<SameDiffOp> ops = new ArrayList<>();
        private final List<LongShapeDescriptor[]> outputs = new ArrayList<>();
        private boolean replayable = true;

        void add(SameDiffOp op, ExecutionResult result) {
            if (!result.hasSingle() && !(op.getOp() instanceof Identity)) {
                // a list or a control-flow value
                replayable = false;
                return;
            }
            INDArray[] arrays = result.outputsToArray(op.getOutputsOfOp());
            LongShapeDescriptor[] shapes = new LongShapeDescriptor[arrays.length];
            for (int k = 0; k < arrays.length; k++) {
                shapes[k] = arrays[k] == null ? null : LongShapeDescriptor.fromShape(arrays[k].shape(),
                        arrays[k].dataType());
            }
            ops.add(op);
            outputs.add(shapes);
        }

        /** The plan of this run, or null if it cannot be replayed. */
        ExecutionPlan plan(SameDiff sd, int signature, List<String> requested, Map<String, INDArray> placeholderValues) {
            if (!replayable) {
                return null;
            }
            Map<String, Integer> slots = new HashMap<>();
            Map<Integer, DataType> types = new HashMap<>();
            List<Source> stored = new ArrayList<>();
            List<Source> placeholders = new ArrayList<>();
            // slots whose value is fixed by the input shapes: constants and what is computed from them and from shapes
            Set<Integer> fixed = new HashSet<>();
            Set<Integer> pinned = new HashSet<>();
            List<int[]> inputSlots = new ArrayList<>();
            List<int[]> outputSlots = new ArrayList<>();
            for (int i = 0; i < ops.size(); i++) {
                SameDiffOp sdo = ops.get(i);
                DifferentialFunction df = sdo.getOp();
                if (!supported(df)) {
                    return null;
                }
                String[] args = df.argNames();
                int[] in = new int[args == null ? 0 : args.length];
                for (int j = 0; j < in.length; j++) {
                    Integer s = slots.get(args[j]);
                    if (s == null) {
                        VariableType vt = sd.getVariable(args[j]).getVariableType();
                        if (vt == VariableType.ARRAY) {
                            return null; // produced by an op this run did not record
                        }
                        if (vt == VariableType.PLACEHOLDER) {
                            INDArray value = placeholderValues == null ? null : placeholderValues.get(args[j]);
                            if (value == null || value.dataType() != sd.getVariable(args[j]).dataType()) {
                                return null; // M2.1 casts such placeholders
                            }
                        }
                        s = slots.size();
                        slots.put(args[j], s);
                        types.put(s, sd.getVariable(args[j]).dataType());
                        pinned.add(s);
                        (vt == VariableType.PLACEHOLDER ? placeholders : stored).add(new Source(s, args[j]));
                        if (vt == VariableType.CONSTANT) {
                            fixed.add(s);
                        }
                    }
                    in[j] = s;
                }
                List<String> outNames = sdo.getOutputsOfOp();
                int[] out = new int[outNames.size()];
                LongShapeDescriptor[] shapes = outputs.get(i);
                if (df instanceof Identity) {
                    slots.put(outNames.get(0), in[0]); // the same array under a second name
                    out = new int[]{in[0]};
                } else {
                    boolean outFixed = SHAPE_READERS.contains(df.opName())
                            || Arrays.stream(in).allMatch(fixed::contains);
                    for (int k = 0; k < out.length; k++) {
                        if (shapes[k] == null || slots.containsKey(outNames.get(k))) {
                            return null;
                        }
                        out[k] = slots.size();
                        slots.put(outNames.get(k), out[k]);
                        types.put(out[k], shapes[k].dataType());
                        if (outFixed) {
                            fixed.add(out[k]);
                        }
                    }
                }
                inputSlots.add(in);
                outputSlots.add(out);
            }
            int[] requestedSlots = new int[requested.size()];
            for (int r = 0; r < requested.size(); r++) {
                Integer s = slots.get(requested.get(r));
                if (s == null) {
                    return null; // a requested variable no op read or produced
                }
                requestedSlots[r] = s;
                pinned.add(s);
            }
            // each slot is released after the last step that reads it, or after its own step if nothing reads it
            int[] lastUse = new int[slots.size()];
            Arrays.fill(lastUse, -1);
            for (int i = 0; i < ops.size(); i++) {
                for (int s : outputSlots.get(i)) {
                    lastUse[s] = Math.max(lastUse[s], i);
                }
                for (int s : inputSlots.get(i)) {
                    lastUse[s] = i;
                }
            }
            Step[] steps = new Step[ops.size()];
            for (int i = 0; i < ops.size(); i++) {
                DifferentialFunction df = ops.get(i).getOp();
                int[] in = inputSlots.get(i);
                int[] out = outputSlots.get(i);
                boolean shapesFixed = !VALUE_SIZED.contains(df.opName())
                        && Arrays.stream(in).allMatch(s -> !types.get(s).isIntType() || fixed.contains(s));
                LongShapeDescriptor[] shapes = shapesFixed && !(df instanceof Identity) ? outputs.get(i) : null;
                final int step = i;
                int[] release = IntStream.concat(Arrays.stream(in), Arrays.stream(out)).distinct()
                        .filter(s -> lastUse[s] == step && !pinned.contains(s)).toArray();
                steps[i] = new Step(ops.get(i), in, out, shapes, df instanceof Reshape, release);
            }
            return new ExecutionPlan(signature, slots.size(), stored, placeholders, steps, List.copyOf(requested),
                    requestedSlots);
        }

        /** Plain ops and identities; not control flow, TensorArrays, views or in-place assignment. */
        private static boolean supported(DifferentialFunction df) {
            if (df instanceof Identity) {
                return true;
            }
            boolean special = df instanceof BaseCompatOp || df instanceof BaseTensorOp || df instanceof Assign
                    || df instanceof CreateView || df instanceof Assert || df instanceof ExternalErrorsFunction
                    || df instanceof Invoke || df instanceof GradientBackwardsMarker;
            return !special && (df instanceof CustomOp || df instanceof Op);
        }
    }

    /**
     * Runs the plan: arrays come from and return to {@code pool}; listeners are called as M2.1's session calls them.
     *
     * @param view makes a reshape's output a view of its input (or returns null to run it)
     */
    ExecutionResult run(SameDiff sd, Map<String, INDArray> placeholderValues, ArrayPool pool,
                        Map<String, OpContext> contexts, List<Listener> listeners, At at, MultiDataSet batch,
                        View view) {
        INDArray[] slots = new INDArray[slotCount];
        for (Source s : stored) {
            slots[s.slot()] = sd.getArrForVarName(s.variable());
        }
        for (Source s : placeholders) {
            slots[s.slot()] = placeholderValues.get(s.variable());
        }
        at.setFrameIter(OUTER);
        List<Listener> active = new ArrayList<>();
        if (listeners != null) {
            for (Listener l : listeners) {
                if (l.isActive(at.operation())) {
                    active.add(l);
                }
            }
        }
        for (Step step : steps) {
            execute(sd, step, slots, pool, contexts, active, at, batch, view, requested);
            for (int s : step.release()) {
                pool.release(slots[s]);
                slots[s] = null;
            }
        }
        INDArray[] out = new INDArray[outputSlots.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = slots[outputSlots[i]];
        }
        return ExecutionResult.createFrom(outputNames, out);
    }

    /** A reshape run as a view of its input, or null. */
    interface View {
        INDArray of(Reshape op, INDArray input, long[] shape, DataType type);
    }

    private static void execute(SameDiff sd, Step step, INDArray[] slots, ArrayPool pool,
                                Map<String, OpContext> contexts, List<Listener> listeners, At at, MultiDataSet batch,
                                View view, Set<String> requested) {
        SameDiffOp sdo = step.op();
        DifferentialFunction df = sdo.getOp();
        INDArray[] args = new INDArray[step.inputs().length];
        for (int j = 0; j < args.length; j++) {
            args[j] = slots[step.inputs()[j]];
        }
        OpContext oc = contexts.computeIfAbsent(sdo.getName(), n -> Nd4j.getExecutioner().buildContext());
        INDArray[] out = new INDArray[step.outputs().length];
        if (df instanceof Identity) {
            // its output slot is its input's; listeners see it as M2.1 shows it
            oc.setInputArrays(args);
            oc.setOutputArrays(args[0]);
            out[0] = args[0];
        } else {
            parameterize(df, oc, args);
        }
        if (step.reshape() && step.shapes() != null && !requested.contains(sdo.getOutputsOfOp().get(0))) {
            LongShapeDescriptor shape = step.shapes()[0];
            out[0] = view.of((Reshape) df, args[0], shape.getShape(), shape.dataType());
        }
        boolean run = out[0] == null;
        if (run) {
            for (int k = 0; k < out.length; k++) {
                LongShapeDescriptor shape = step.shapes() != null ? step.shapes()[k]
                        : df.calculateOutputShape(oc).get(k).asDataType(sd.getVariable(sdo.getOutputsOfOp().get(k)).dataType());
                out[k] = pool.allocate(false, shape);
                oc.setOutputArray(k, out[k]);
            }
        }
        for (Listener l : listeners) {
            l.preOpExecution(sd, at, sdo, oc);
        }
        if (run && df instanceof CustomOp c) {
            Nd4j.exec(c, oc);
        } else if (run) {
            Nd4j.exec((Op) df, oc);
        }
        for (int k = 0; k < out.length; k++) {
            slots[step.outputs()[k]] = out[k];
        }
        for (Listener l : listeners) {
            l.opExecution(sd, at, batch, sdo, oc, out);
            for (int k = 0; k < out.length; k++) {
                l.activationAvailable(sd, at, batch, sdo, sdo.getOutputsOfOp().get(k), out[k]);
            }
        }
        df.clearArrays();
        oc.purge();
    }

    /** Sets the op's inputs and arguments on its context, as M2.1's session does. */
    private static void parameterize(DifferentialFunction df, OpContext oc, INDArray[] args) {
        if (df instanceof DynamicCustomOp c) {
            oc.setArgs(args, c.iArgs(), c.dArgs(), c.tArgs(), c.bArgs());
            return;
        }
        boolean axisArg = false;
        if (df instanceof ReduceOp r && r.getOpType() != Op.Type.REDUCE3 && args.length == 2) {
            // the reduced axes come as an array; an empty one reduces everything
            axisArg = true;
            boolean all = args[1].isEmpty();
            df.setDimensions(all ? null : Shape.normalizeAxis(args[0].rank(), args[1].toIntVector()));
            ((BaseReduceOp) r).setEmptyReduce(all);
        } else if (df instanceof ScalarOp s && args.length == 2) {
            s.setScalar(args[1]);
        }
        if (args.length > 0) {
            oc.setInputArray(0, args[0]);
            if (args.length == 2 && !axisArg) {
                oc.setInputArray(1, args[1]);
            }
        }
    }
}
