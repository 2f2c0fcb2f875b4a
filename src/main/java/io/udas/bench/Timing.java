package io.udas.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Times a task: warm-up runs, then timed runs; wall and process CPU seconds per run, median and min. */
public final class Timing {

    /** Wall and process-CPU seconds of each timed run. */
    public record Result(List<Double> wall, List<Double> cpu) {
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
            return m;
        }
    }

    private Timing() {
    }

    /** Runs {@code task} warmup times untimed, then repeats times timed. */
    public static Result time(int warmup, int repeats, Runnable task) {
        for (int i = 0; i < warmup; i++) {
            task.run();
        }
        List<Double> wall = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            long c0 = processCpuNanos();
            long t0 = System.nanoTime();
            task.run();
            wall.add((System.nanoTime() - t0) / 1e9);
            cpu.add((processCpuNanos() - c0) / 1e9);
        }
        return new Result(wall, cpu);
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
