package io.udas.train;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.config.ExecutionResult;
import org.nd4j.autodiff.samediff.config.SDValue;
import org.nd4j.autodiff.samediff.internal.FrameIter;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.BaseNDArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.shape.Reshape;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.common.util.ArrayUtil;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Memory of a SameDiff session (one per graph and thread): arrays the session releases are kept, up to a byte budget,
 * and handed out again for the next request of the same type and element count (in the requested shape, on the same
 * buffer). A training step allocates the same shapes in every iteration, so after the first one it hardly calls
 * malloc; matching by element count rather than shape lets a reshaped copy of a map reuse the map's memory (the pool
 * would otherwise keep, per shape, as many arrays as were ever live at once). Why: freeing every intermediate and allocating it
 * afresh (SameDiff's behaviour with its own cache off) costs page faults on new memory and fragments glibc's heap
 * (measured on a DeepLab-v2 step at 321x321: 0.6 GB in use between steps, 10 GB free but unusable inside malloc after
 * ten steps), while SameDiff's own cache is sized by a fraction of all native memory per session, which several
 * graphs multiply.
 *
 * <p>An array is only pooled when it owns its buffer alone (not a view, no other array on its buffer); it gets a new
 * id when handed out again, because the session tracks arrays by id.
 */
public final class ArrayPool extends AbstractMemoryMgr {
    /** Never used as data: only moves the shared array-id counter on (see {@link #allocate}). */
    private static final BaseNDArray ID_SPACER = (BaseNDArray) Nd4j.scalar(0f);
    private final long capacity;
    private final Map<String, ArrayDeque<INDArray>> free = new HashMap<>();
    /** Every pooled array, with the run in which it was released. */
    private final Map<INDArray, Long> pooled = new IdentityHashMap<>();
    private long pooledBytes;
    private long run;
    /** Views made by {@link #view} in this run, each with the array that owns its buffer. */
    private final Map<INDArray, INDArray> viewOwner = new IdentityHashMap<>();
    /** Owners of live views, with their number of live views. */
    private final Map<INDArray, Integer> liveViews = new IdentityHashMap<>();
    /** Owners released while views of them lived: pooled once the last view is released. */
    private final Map<INDArray, Boolean> releasedOwners = new IdentityHashMap<>();
    /** Runs an array may wait here unused before it is freed. */
    static final int IDLE_RUNS = 8;

    /** @param capacityBytes the most bytes kept for reuse; releases beyond it free their arrays */
    public ArrayPool(long capacityBytes) {
        this.capacity = capacityBytes;
    }

    /**
     * Makes every SameDiff session created from now on use an ArrayPool; {@code capacityBytes} is asked once, when the
     * first session is created (the backend is loaded by then, so it may depend on the device's memory).
     */
    public static void install(LongSupplier capacityBytes) {
        AtomicLong capacity = new AtomicLong(-1);
        SameDiff.bindInferenceFactory(sd ->
                new Session(sd, new ArrayPool(capacity.updateAndGet(c -> c >= 0 ? c : capacityBytes.getAsLong()))));
    }

    /**
     * A session whose record of released array ids covers one run only. M2.1 keeps every id it ever released, to not
     * release an array twice within a run, and never clears the set: about a hundred bytes per released array, so a
     * DeepLab-v2 training of tens of thousands of steps would fill the Java heap. Ids do not repeat across runs, as
     * this pool gives each reused array a fresh one.
     */
    static final class Session extends InferenceSession {
        /** Plans recorded per session: a graph is run for a few output sets (a step, its first forward, inference). */
        static final int MAX_PLANS = 8;
        /**
         * {@code -Dudas.replay=true} replays recorded runs. Off by default: in the demo pipeline's UDA stage, replays
         * let the process grow by about 1.5 GB over 200 iterations (arrays that reach neither the pool nor a
         * reference, until the GC finds them), which the bench's UDA iteration does not show; not yet explained.
         */
        private static final boolean REPLAY = Boolean.parseBoolean(System.getProperty("udas.replay", "false"));
        private final ArrayPool pool;
        private final boolean replay;
        private long replayedRuns;

        Session(SameDiff sd, ArrayPool pool) {
            this(sd, pool, REPLAY);
        }

        /** @param replay whether runs after the first of each kind replay its {@link ExecutionPlan} */
        Session(SameDiff sd, ArrayPool pool, boolean replay) {
            super(sd);
            this.pool = pool;
            this.replay = replay;
            setMmgr(pool);
        }

        /** Recorded plans by {@link ExecutionPlan#key}; null where a run cannot be replayed. */
        private final Map<String, ExecutionPlan> plans = new LinkedHashMap<>(8, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ExecutionPlan> eldest) {
                return size() > MAX_PLANS;
            }
        };
        /** The op contexts of replayed runs, one per op (as M2.1 keeps one per op for its own runs). */
        private final Map<String, OpContext> contexts = new HashMap<>();
        /** The run being recorded, if any. */
        private ExecutionPlan.Recording recording;

        /** The variables the current run must return (a view must not be one: see {@link #doExec}). */
        private Set<String> requested = Set.of();
        /** The output array the session allocated for a reshape that ran as a view. */
        private INDArray unusedOutput;

        /**
         * Replays the plan recorded for these outputs and placeholder shapes if the graph is unchanged since; records
         * one otherwise (see {@link ExecutionPlan}).
         */
        @Override
        public ExecutionResult output(List<String> variables, Map<String, INDArray> placeholderValues,
                                      Map<String, SDValue> otherPlaceHolderValues, MultiDataSet batch,
                                      Collection<String> requiredActivations, List<Listener> listeners, At at) {
            boolean plain = replay && (otherPlaceHolderValues == null || otherPlaceHolderValues.isEmpty())
                    && (requiredActivations == null || requiredActivations.isEmpty()) && sameDiff.isEnableCache();
            if (!plain) {
                return super.output(variables, placeholderValues, otherPlaceHolderValues, batch, requiredActivations,
                        listeners, at);
            }
            String key = ExecutionPlan.key(variables, placeholderValues);
            int signature = ExecutionPlan.signature(sameDiff);
            ExecutionPlan plan = plans.get(key);
            if (plan != null && plan.signature() == signature) {
                pool.startRun();
                replayedRuns++;
                return plan.run(sameDiff, placeholderValues, pool, contexts, listeners,
                        at == null ? At.defaultAt() : at, batch, this::view);
            }
            if (plans.containsKey(key) && plan == null) {
                return super.output(variables, placeholderValues, otherPlaceHolderValues, batch, requiredActivations,
                        listeners, at);
            }
            recording = new ExecutionPlan.Recording();
            try {
                ExecutionResult result = super.output(variables, placeholderValues, otherPlaceHolderValues, batch,
                        requiredActivations, listeners, at);
                plans.put(key, recording.plan(sameDiff, signature, variables, placeholderValues));
                return result;
            } finally {
                recording = null;
            }
        }

        @Override
        protected Map<String, INDArray> preprocessPlaceholders(Map<String, INDArray> placeholders, At at) {
            freedArrays.clear();
            pool.startRun();
            return super.preprocessPlaceholders(placeholders, at);
        }

        @Override
        public ExecutionResult getOutputs(Pair<SameDiffOp, OpContext> opPair, FrameIter outputFrameIter,
                                          Set<VarId> opInputs, Set<VarId> allIterInputs, Set<String> constAndPhInputs,
                                          List<Listener> listeners, At at, MultiDataSet batch,
                                          Set<String> allReqVariables, Map<String, SDValue> otherPlaceHolders) {
            requested = allReqVariables;
            ExecutionResult out = super.getOutputs(opPair, outputFrameIter, opInputs, allIterInputs, constAndPhInputs,
                    listeners, at, batch, allReqVariables, otherPlaceHolders);
            if (recording != null) {
                recording.add(opPair.getFirst(), out);
            }
            if (unusedOutput != null) {
                // only now: the op context refers to it until the session has purged the context
                pool.release(unusedOutput);
                unusedOutput = null;
            }
            return out;
        }

        /**
         * Runs a c-order reshape of an array that owns its whole buffer as a view of it instead of M2.1's copy (a
         * DeepLab-v2 step at 321x321 has 376 reshapes: weights to matrices, rows to maps and back, and their
         * gradients); the pool keeps the input's buffer out of reuse until every view of it is released
         * ({@link ArrayPool#view}). An output the caller asked for stays a copy: the caller owns it past the run.
         * (Permutes stay copies: a reshape of a permuted view copies more slowly than the two copies together.)
         */
        @Override
        public ExecutionResult doExec(DifferentialFunction op, OpContext opContext, FrameIter outputFrameIter,
                                      Set<VarId> opInputs, Set<VarId> allIterInputs, Set<String> constAndPhInputs,
                                      Map<String, SDValue> otherPlaceHolders) {
            INDArray view = view(op, opContext);
            if (view != null) {
                unusedOutput = opContext.getOutputArray(0);
                return ExecutionResult.createFrom(op.outputVariablesNames()[0], view);
            }
            return super.doExec(op, opContext, outputFrameIter, opInputs, allIterInputs, constAndPhInputs,
                    otherPlaceHolders);
        }

        /** The op's output as a view of its input, or null if it has to run. */
        private INDArray view(DifferentialFunction op, OpContext ctx) {
            if (!(op instanceof Reshape reshape) || ctx.getOutputArrays().size() != 1
                    || requested.contains(op.outputVariablesNames()[0])) {
                return null;
            }
            INDArray out = ctx.getOutputArray(0);
            return view(reshape, ctx.getInputArray(0), out.shape(), out.dataType());
        }

        /** {@code in} reshaped to {@code shape} as a view, or null if the reshape has to run. */
        private INDArray view(Reshape reshape, INDArray in, long[] shape, DataType type) {
            long[] args = reshape.iArgs();
            boolean cOrder = args.length == 0 || args[0] == Reshape.C_ORDER || args[0] == 'c';
            boolean ownsBuffer = !in.isEmpty() && in.ordering() == 'c' && Shape.hasDefaultStridesForShape(in)
                    && in.offset() == 0 && in.data().length() == in.length();
            if (!cOrder || !ownsBuffer || ArrayUtil.prodLong(shape) != in.length() || type != in.dataType()) {
                return null;
            }
            return pool.view(in, shape);
        }

        /** How many runs replayed a plan. */
        long replayedRuns() {
            return replayedRuns;
        }

        /** How many released ids the session remembers now. */
        int rememberedReleases() {
            return freedArrays.size();
        }
    }

    /**
     * Marks the start of a run of the session, and frees every array that has waited here through the last
     * {@value #IDLE_RUNS} runs. A training step asks for the same arrays each time, so these are left over from other
     * runs (the first step's forward-only pass, an input of another size) and would otherwise hold memory for good;
     * a few runs' grace keeps the arrays of runs that take turns (pseudo-labels over K augmented views).
     */
    void startRun() {
        run++;
        // Views a run left unreleased (an op output no executed op reads) are dropped, with their owners: the GC
        // frees those once nothing refers to them, and their buffers never return to the pool.
        viewOwner.clear();
        liveViews.clear();
        releasedOwners.clear();
        for (ArrayDeque<INDArray> q : free.values()) {
            q.removeIf(a -> {
                if (run - pooled.get(a) <= IDLE_RUNS) {
                    return false;
                }
                pooled.remove(a);
                pooledBytes -= bytes(a);
                a.close();
                return true;
            });
        }
        free.values().removeIf(ArrayDeque::isEmpty);
    }

    /** Whether {@code array} waits in this pool now. */
    boolean holds(INDArray array) {
        return pooled.containsKey(array);
    }

    /**
     * Returns {@code array}, which this thread's run of {@code graph} produced and nobody uses any more, to that
     * session's pool; frees it if the session has none.
     */
    static void recycle(SameDiff graph, INDArray array) {
        InferenceSession s = graph.getSessions().get(Thread.currentThread().getId());
        if (s != null && s.getMmgr() instanceof ArrayPool pool) {
            pool.release(array);
        } else {
            array.close();
        }
    }

    /** Back to SameDiff's default sessions. */
    public static void uninstall() {
        SameDiff.bindInferenceFactory(new SameDiff.DefaultInferenceFactory());
    }

    public long pooledBytes() {
        return pooledBytes;
    }

    private static String key(DataType dt, long length) {
        return dt + ":" + length;
    }

    private static long bytes(INDArray a) {
        return a.length() * a.dataType().width();
    }

    @Override
    public INDArray allocate(boolean detached, DataType dataType, long... shape) {
        ArrayDeque<INDArray> q = free.get(key(dataType, ArrayUtil.prodLong(shape)));
        INDArray a = q == null ? null : q.pollLast();
        if (a == null) {
            return Nd4j.createUninitializedDetached(dataType, shape);
        }
        pooled.remove(a);
        pooledBytes -= bytes(a);
        if (!Arrays.equals(a.shape(), shape)) {
            // another shape on the same buffer: a new array object, which also gets a new id
            return Nd4j.create(a.data(), shape);
        }
        ((BaseNDArray) a).assignNewId();
        // M2.1's assignNewId takes the counter's next value without moving past it, so the next array created
        // anywhere would get the same id; the session would then merge the two arrays' uses and release only one of
        // them (the other is left to the GC). Moving the counter on once more keeps the reused id unique.
        ID_SPACER.assignNewId();
        return a;
    }

    @Override
    public INDArray allocate(boolean detached, LongShapeDescriptor descriptor) {
        if (descriptor.isEmpty()) {
            INDArray a = Nd4j.create(descriptor);
            return detached ? a.detach() : a;
        }
        return allocate(detached, descriptor.dataType(), descriptor.getShape());
    }

    /**
     * {@code array} (c order, owning its whole buffer) reshaped to {@code shape} without a copy. The view is made on
     * the same buffer object: INDArray.reshape would wrap the buffer in a second one, which holds a native reference
     * to the memory until the GC collects it. The buffer's owner is not reused while the view lives: releasing the
     * owner first defers it until the view is released.
     */
    INDArray view(INDArray array, long[] shape) {
        INDArray owner = viewOwner.getOrDefault(array, array);
        INDArray v = Nd4j.create(array.data(), shape);
        viewOwner.put(v, owner);
        liveViews.merge(owner, 1, Integer::sum);
        return v;
    }

    @Override
    public void release(INDArray array) {
        INDArray owner = viewOwner.remove(array);
        if (owner != null) {
            // a view: its buffer is the owner's
            if (liveViews.merge(owner, -1, Integer::sum) == 0) {
                liveViews.remove(owner);
                if (releasedOwners.remove(owner) != null) {
                    release(owner);
                }
            }
            return;
        }
        if (liveViews.containsKey(array)) {
            releasedOwners.put(array, Boolean.TRUE);
            return;
        }
        if (pooled.containsKey(array) || !array.closeable()) {
            return;
        }
        long b = bytes(array);
        boolean keep = !array.isEmpty() && array.ordering() == 'c' && pooledBytes + b <= capacity
                && Nd4j.getExecutioner().useCount(array.data()) <= 1;
        if (!keep) {
            array.close();
            return;
        }
        free.computeIfAbsent(key(array.dataType(), array.length()), k -> new ArrayDeque<>()).addLast(array);
        pooled.put(array, run);
        pooledBytes += b;
    }

    @Override
    public void close() {
        for (ArrayDeque<INDArray> q : free.values()) {
            q.forEach(INDArray::close);
        }
        free.clear();
        pooled.clear();
        pooledBytes = 0;
    }
}
