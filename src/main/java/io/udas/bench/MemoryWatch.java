package io.udas.bench;

import org.bytedeco.javacpp.Pointer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Peak memory during a measurement: the process' peak resident set (the kernel's VmHWM, reset at start through
 * /proc/self/clear_refs where allowed, else the peak of the sampled {@link Pointer#physicalBytes()}), the off-heap bytes
 * ND4J accounts for ({@code MemoryManager.allocatedMemory}: JavaCPP's {@link Pointer#totalBytes()} plus ND4J's tracked
 * allocations; in M2.1 most CPU array buffers are allocated by libnd4j itself and appear only in the resident set),
 * and the JVM heap in use, sampled every few milliseconds by a daemon thread.
 */
public final class MemoryWatch implements AutoCloseable {
    private final Thread thread;
    private final long rssBefore;
    private final boolean hwmReset;
    private volatile boolean running = true;
    private volatile long peakPhysical;
    private volatile long peakJavacpp;
    private volatile long peakHeap;
    private volatile long peakNd4j;
    private Map<String, Object> result;

    private MemoryWatch() {
        hwmReset = resetHighWaterMark();
        rssBefore = Pointer.physicalBytes();
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        sample(mx);
        thread = new Thread(() -> {
            while (running) {
                sample(mx);
                try {
                    Thread.sleep(3);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-memory");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts watching. */
    public static MemoryWatch start() {
        return new MemoryWatch();
    }

    private void sample(MemoryMXBean mx) {
        long phys = Pointer.physicalBytes();
        long jcpp = Pointer.totalBytes();
        long heap = mx.getHeapMemoryUsage().getUsed();
        long nd4j = nd4jBytes();
        if (nd4j > peakNd4j) {
            peakNd4j = nd4j;
        }
        if (phys > peakPhysical) {
            peakPhysical = phys;
        }
        if (jcpp > peakJavacpp) {
            peakJavacpp = jcpp;
        }
        if (heap > peakHeap) {
            peakHeap = heap;
        }
    }

    /** Stops and returns the peaks (bytes): peak_rss, rss_before, peak_rss_increase, peak_offheap, peak_heap. */
    public Map<String, Object> stop() {
        if (result == null) {
            running = false;
            thread.interrupt();
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sample(ManagementFactory.getMemoryMXBean());
            long hwm = hwmReset ? highWaterMark() : -1;
            long peak = Math.max(peakPhysical, hwm);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("peak_rss_bytes", peak);
            m.put("rss_before_bytes", rssBefore);
            m.put("peak_rss_increase_bytes", Math.max(0, peak - rssBefore));
            m.put("peak_offheap_bytes", Math.max(peakJavacpp, peakNd4j));
            m.put("peak_javacpp_bytes", peakJavacpp);
            m.put("peak_heap_bytes", peakHeap);
            m.put("rss_source", hwmReset ? "VmHWM" : "sampled");
            result = m;
        }
        return result;
    }

    @Override
    public void close() {
        stop();
    }

    /** ND4J's own count of host memory (JavaCPP pointers + tracked allocations and workspaces), or 0. */
    static long nd4jBytes() {
        try {
            return org.nd4j.linalg.factory.Nd4j.getMemoryManager().allocatedMemory(0);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Resets the kernel's peak-RSS counter of this process (Linux: "5" to /proc/self/clear_refs). */
    static boolean resetHighWaterMark() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return highWaterMark() > 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** VmHWM of this process in bytes, or -1. */
    static long highWaterMark() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] p = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(p[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
