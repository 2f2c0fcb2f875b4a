package io.udas.util;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Structure;
import org.bytedeco.javacpp.Pointer;

import java.util.List;


/**
 * Keeps the process's native memory near what training really needs. ND4J frees a native buffer
 * only when the GC collects its Java object, and the small Java heap of a training run fills so
 * slowly that garbage native buffers pile up (measured: RSS grows about 0.4 GB per UDA iteration of
 * the demo network until JavaCPP's hard cap forces a GC, at 14 GB on a 24 GB machine). A daemon thread
 * samples the bytes malloc has handed out (glibc's mallinfo2) and requests a GC when they pass a soft
 * limit; after each GC the limit becomes 1.5x what survived (never below the base), so a large live
 * set does not make it collect over and over. Freed memory is another matter: glibc keeps it for
 * later allocations but fragments (measured: a DeepLab-v2 step at 321x321 with 0.6 GB in use between
 * steps leaves 10 GB free inside malloc after ten steps), so the guard returns it to the OS
 * (malloc_trim) when malloc holds more than the base in free chunks. Not at every pass: each trim
 * makes the next allocations fault their pages in again (measured: trimming at every GC cost 1.2 s
 * of a 5.5 s step). Where mallinfo2 is missing (glibc before 2.33), the RSS stands in for the bytes
 * in use and every GC is followed by a trim.
 *
 * <p>glibc also gives memory back on its own, which costs the same faults: a thread other than the
 * process's first allocates from 64 MB arena heaps that are unmapped whenever one falls empty, and
 * blocks above a dynamic threshold are mmapped per allocation (measured at 321x321: 200 heaps
 * mapped and unmapped per step, 15% of the CPU time in the kernel). {@link #start} therefore tunes
 * malloc (mallopt) so that the guard's trim is the only way back to the OS, except for blocks larger than an arena
 * heap, which a thread can only get from mmap.
 */
public final class NativeMemoryGuard {
    private final long base;
    private final long ceiling;
    private long limit;

    /**
     * @param baseBytes    the lowest soft limit, and the RSS beyond malloc's bytes in use tolerated before a trim
     * @param ceilingBytes the highest: kept below JavaCPP's hard cap, which throws OutOfMemoryError when
     *                     a GC alone (without malloc_trim) cannot bring RSS under it
     */
    public NativeMemoryGuard(long baseBytes, long ceilingBytes) {
        this.base = Math.min(baseBytes, ceilingBytes);
        this.ceiling = ceilingBytes;
        this.limit = this.base;
    }

    public long limit() {
        return limit;
    }

    /** True when {@code allocated} (malloc's bytes in use, or the RSS) is above the current soft limit. */
    public boolean shouldCollect(long allocated) {
        return allocated > limit;
    }

    /** Sets the next limit from the bytes still allocated after a GC. */
    public void collected(long allocatedAfter) {
        limit = Math.min(ceiling, Math.max(base, allocatedAfter + allocatedAfter / 2));
    }

    /** True when malloc holds more than the base in free chunks ({@code freeBytes} < 0: unknown, always trim). */
    public boolean shouldTrim(long freeBytes) {
        return freeBytes < 0 || freeBytes > base;
    }

    /**
     * Starts the watching thread (daemon; checks twice a second, at most one pass every 2 s). Call
     * after the JavaCPP properties are set: this loads {@link Pointer}.
     */
    public static void start(long baseBytes) {
        keepFreedMemory();
        long cap = Pointer.maxPhysicalBytes(); // 0: no hard cap
        NativeMemoryGuard guard = new NativeMemoryGuard(baseBytes, cap > 0 ? cap / 4 * 3 : Long.MAX_VALUE);
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(500);
                    MallocStats m = MallocStats.read();
                    boolean collect = guard.shouldCollect(m == null ? Pointer.physicalBytes() : m.inUse());
                    if (collect) {
                        System.gc();
                        Thread.sleep(500); // ND4J's deallocator threads free the collected buffers
                        m = MallocStats.read();
                        guard.collected(m == null ? Pointer.physicalBytes() : m.inUse());
                    }
                    if ((collect || m != null) && guard.shouldTrim(m == null ? -1 : m.free())) {
                        trimMalloc();
                        Thread.sleep(1500);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "udas-native-memory-guard");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Returns free malloc memory to the OS (glibc only; a no-op where the C library lacks it).
     *
     * @return whether malloc_trim ran
     */
    static boolean trimMalloc() {
        if (trim == null) {
            return false;
        }
        trim.invokeInt(new Object[]{0});
        return true;
    }

    private static final Function trim = lookUp("malloc_trim");

    // glibc's mallopt parameters (malloc.h)
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_MAX = -4;
    /** The size of a thread arena's heap in 64-bit glibc (HEAP_MAX_SIZE). */
    static final long ARENA_HEAP_BYTES = 64L << 20;

    /**
     * Tells glibc to keep freed memory for reuse: no automatic trim, no per-allocation mmap (glibc then serves a block
     * of up to an arena heap from a heap, and mmaps only larger ones), and a top pad of a whole arena heap, which keeps
     * an emptied heap mapped (glibc deletes one only when less than the pad would remain). Why no mmap: oneDNN
     * allocates a scratchpad for every conv it runs, 47 MB for each backward 3x3 conv of DeepLab-v2's layer3 at
     * 321x321, above the largest mmap threshold glibc accepts (32 MB), so each was mapped, faulted in page by page and
     * unmapped (measured: 110-280 K page faults per step, 70-110 K without). A no-op where the C library lacks
     * mallopt.
     *
     * @return whether every setting was accepted
     */
    static boolean keepFreedMemory() {
        Function mallopt = lookUp("mallopt");
        if (mallopt == null) {
            return false;
        }
        return mallopt.invokeInt(new Object[]{M_TRIM_THRESHOLD, Integer.MAX_VALUE}) == 1
                & mallopt.invokeInt(new Object[]{M_MMAP_MAX, 0}) == 1
                & mallopt.invokeInt(new Object[]{M_TOP_PAD, (int) ARENA_HEAP_BYTES}) == 1;
    }

    static Function lookUp(String name) {
        try {
            return NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction(name);
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }

    /**
     * glibc's malloc statistics (mallinfo2, glibc 2.33+, summed over all arenas): the bytes handed out (heap chunks
     * and mmapped blocks) and the bytes in free chunks.
     */
    record MallocStats(long inUse, long free) {
        private static final Function MALLINFO2 = lookUp("mallinfo2");

        /** The current figures, or null where mallinfo2 is missing. */
        static MallocStats read() {
            if (MALLINFO2 == null) {
                return null;
            }
            MallInfo2 m = (MallInfo2) MALLINFO2.invoke(MallInfo2.class, new Object[0]);
            return new MallocStats(m.uordblks + m.hblkhd, m.fordblks);
        }
    }

    /** struct mallinfo2: ten size_t fields. */
    public static final class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        public long uordblks;
        public long fordblks;
        public long keepcost;

        @Override
        protected List<String> getFieldOrder() {
            return List.of("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                    "fordblks", "keepcost");
        }
    }
}
