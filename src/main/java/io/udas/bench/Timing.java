package io.udas.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Times a task: warm-up runs, then timed runs; wall and process CPU seconds per run, median and min. The warm-up goes on
 * past its minimum while the JIT is still busy: on a 2-core machine a C2 compiler thread takes a core from the two
 * OpenMP threads, and for ResNet-101 steps it did so for about 1 s in each of steps 4 and 5 (0.8 s slower steps), so a
 * fixed warm-up of 2 or 3 runs left such steps in the median.
 */
public final class Timing {
    /** A warm-up run with more JIT compile time than this share of its wall time is followed by another. */
    static final double JIT_SETTLED_SHARE = 0.02;

    /** Wall and process-CPU seconds and JIT compile seconds of each timed run, and the number of warm-up runs. */
    public record Result(List<Double> wall, List<Double> cpu, List<Double> jit, int warmupRuns) {
        public double median() {
            return median(wall);
        }

        public double min() {
            return wall.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        public double cpuMedian() {
            return median(cpu);
        }

        static double median(List<Double> v) {
            if (v.isEmpty()) {
                return Double.NaN;
            }
            double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
            Arrays.sort(a);
            int n = a.length;
            return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("median_s", median());
            m.put("min_s", min());
            m.put("cpu_median_s", cpuMedian());
            m.put("times_s", wall);
            m.put("jit_compile_s", jit);
            m.put("warmup_runs", warmupRuns);
            return m;
        }
    }

    private Timing() {
    }

    /**
     * Runs {@code task} untimed at least {@code warmup} times, and then while the JIT compiled for more than
     * {@link #JIT_SETTLED_SHARE} of the last run (at most {@code maxWarmup} runs in all; none if warmup is 0); then
     * {@code repeats} times timed.
     */
    public static Result time(int warmup, int maxWarmup, int repeats, Runnable task) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        LongSupplier compileMillis = jit != null && jit.isCompilationTimeMonitoringSupported()
                ? jit::getTotalCompilationTime : () -> 0L;
        return time(warmup, maxWarmup, repeats, task, compileMillis);
    }

    /** {@link #time(int, int, int, Runnable)} with the JIT's accumulated compile milliseconds from {@code compileMillis}. */
    static Result time(int warmup, int maxWarmup, int repeats, Runnable task, LongSupplier compileMillis) {
        int runs = 0;
        boolean settled = false;
        while (runs < warmup || (runs > 0 && !settled && runs < maxWarmup)) {
            long j0 = compileMillis.getAsLong();
            long t0 = System.nanoTime();
            task.run();
            double wall = (System.nanoTime() - t0) / 1e9;
            settled = (compileMillis.getAsLong() - j0) / 1e3 <= JIT_SETTLED_SHARE * wall;
            runs++;
        }
        List<Double> wall = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        List<Double> jit = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            long j0 = compileMillis.getAsLong();
            long c0 = processCpuNanos();
            long t0 = System.nanoTime();
            task.run();
            wall.add((System.nanoTime() - t0) / 1e9);
            cpu.add((processCpuNanos() - c0) / 1e9);
            jit.add((compileMillis.getAsLong() - j0) / 1e3);
        }
        return new Result(wall, cpu, jit, runs);
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The 1-minute load average (the machine may be shared: record it with every figure), or -1. */
    public static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (Exception e) {
            return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        }
    }
}
