package io.udas.util;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import org.bytedeco.javacpp.Pointer;


/**
 * Keeps the process's resident memory near what training really needs. ND4J frees a native buffer
 * only when the GC collects its Java object, and the small Java heap of a training run fills so
 * slowly that garbage native buffers pile up (measured: RSS grows about 0.4 GB per UDA iteration of
 * the demo network until JavaCPP's hard cap forces a GC, at 14 GB on a 24 GB machine). A daemon thread
 * samples RSS and requests a GC when it passes a soft limit; after each GC the limit becomes
 * 1.5x the RSS that survived (never below the base), so a large live set does not make it collect
 * over and over.
 */
public final class NativeMemoryGuard {
    private final long base;
    private final long ceiling;
    private long limit;

    /**
     * @param baseBytes    the lowest soft limit
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

    /** True when {@code rss} is above the current soft limit. */
    public boolean shouldCollect(long rss) {
        return rss > limit;
    }

    /** Sets the next limit from the RSS measured after a GC. */
    public void collected(long rssAfter) {
        limit = Math.min(ceiling, Math.max(base, rssAfter + rssAfter / 2));
    }

    /**
     * Starts the watching thread (daemon; checks twice a second, at most one pass every 2 s). Call
     * after the JavaCPP properties are set: this loads {@link Pointer}.
     */
    public static void start(long baseBytes) {
        long cap = Pointer.maxPhysicalBytes(); // 0: no hard cap
        NativeMemoryGuard guard = new NativeMemoryGuard(baseBytes, cap > 0 ? cap / 4 * 3 : Long.MAX_VALUE);
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(500);
                    if (guard.shouldCollect(Pointer.physicalBytes())) {
                        System.gc();
                        Thread.sleep(500); // ND4J's deallocator threads free the collected buffers
                        trimMalloc();
                        guard.collected(Pointer.physicalBytes());
                        Thread.sleep(1000);
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

    private static final Function trim = lookUpMallocTrim();

    private static Function lookUpMallocTrim() {
        try {
            return NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("malloc_trim");
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }
}
