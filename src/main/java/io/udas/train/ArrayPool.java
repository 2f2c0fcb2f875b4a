package io.udas.train;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.memory.AbstractMemoryMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.BaseNDArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Memory of a SameDiff session (one per graph and thread): arrays the session releases are kept, up to a byte budget,
 * and handed out again for the next request of the same type and shape. A training step allocates the same shapes in
 * every iteration, so after the first one it hardly calls malloc. Why: freeing every intermediate and allocating it
 * afresh (SameDiff's behaviour with its own cache off) costs page faults on new memory and fragments glibc's heap
 * (measured on a DeepLab-v2 step at 321x321: 0.6 GB in use between steps, 10 GB free but unusable inside malloc after
 * ten steps), while SameDiff's own cache is sized by a fraction of all native memory per session, which several
 * graphs multiply.
 *
 * <p>An array is only pooled when it owns its buffer alone (not a view, no other array on its buffer); it gets a new
 * id when handed out again, because the session tracks arrays by id.
 */
public final class ArrayPool extends AbstractMemoryMgr {
    private final long capacity;
    private final Map<String, ArrayDeque<INDArray>> free = new HashMap<>();
    private final Set<INDArray> pooled = Collections.newSetFromMap(new IdentityHashMap<>());
    private long pooledBytes;

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
        SameDiff.bindInferenceFactory(sd -> {
            InferenceSession s = new InferenceSession(sd);
            s.setMmgr(new ArrayPool(capacity.updateAndGet(c -> c >= 0 ? c : capacityBytes.getAsLong())));
            return s;
        });
    }

    /** Back to SameDiff's default sessions. */
    public static void uninstall() {
        SameDiff.bindInferenceFactory(new SameDiff.DefaultInferenceFactory());
    }

    public long pooledBytes() {
        return pooledBytes;
    }

    private static String key(DataType dt, long[] shape) {
        return dt + Arrays.toString(shape);
    }

    private static long bytes(INDArray a) {
        return a.length() * a.dataType().width();
    }

    @Override
    public INDArray allocate(boolean detached, DataType dataType, long... shape) {
        ArrayDeque<INDArray> q = free.get(key(dataType, shape));
        INDArray a = q == null ? null : q.pollLast();
        if (a == null) {
            return Nd4j.createUninitializedDetached(dataType, shape);
        }
        pooled.remove(a);
        pooledBytes -= bytes(a);
        ((BaseNDArray) a).assignNewId();
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

    @Override
    public void release(INDArray array) {
        if (pooled.contains(array) || !array.closeable()) {
            return;
        }
        long b = bytes(array);
        boolean keep = !array.isEmpty() && array.ordering() == 'c' && pooledBytes + b <= capacity
                && Nd4j.getExecutioner().useCount(array.data()) <= 1;
        if (!keep) {
            array.close();
            return;
        }
        free.computeIfAbsent(key(array.dataType(), array.shape()), k -> new ArrayDeque<>()).addLast(array);
        pooled.add(array);
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
