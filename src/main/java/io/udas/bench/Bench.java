package io.udas.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.udas.data.DataBench;
import io.udas.nn.NativeBuild;
import io.udas.util.Json;
import io.udas.util.Platform;
import org.nd4j.linalg.factory.Nd4j;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code bench} command's engine (issue 8): times, after warm-up, the median of N runs of the DeepLab-v2
 * supervised train step and forward pass at each size, a UDA iteration, a CycleGAN iteration and the data pipeline's
 * throughput, with peak memory per case; optionally the same DeepLab-v2, UDA and CycleGAN cases in PyTorch in the same
 * run (ratio ours / PyTorch). Prints a table and returns (and writes) a JSON report.
 *
 * <p>JSON keys: {@code config}, {@code platform} (backend, native build, threads, CPU flags), {@code load_average}
 * (start, end: the machine may be shared), {@code results} (one per case and size: {@code case}, {@code size},
 * {@code median_s}, {@code min_s}, {@code cpu_median_s}, {@code times_s}, {@code memory} with {@code peak_rss_bytes},
 * {@code peak_rss_increase_bytes}, {@code peak_offheap_bytes}, {@code peak_heap_bytes}; the data case has
 * {@code images_per_second}), {@code peak_memory} (maxima over the cases), {@code torch} (the PyTorch run or null),
 * {@code ratios} (ours / PyTorch per case and size), {@code profile} (per-op times, with --profile).
 */
public final class Bench {

    private Bench() {
    }

    /** Runs the configured cases, printing progress and the table to {@code out}. */
    public static Map<String, Object> run(BenchConfig c, PrintStream out) throws Exception {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("config", c.toMap());
        Map<String, Object> platform = new LinkedHashMap<>(Platform.describe());
        platform.putAll(NativeBuild.describe());
        report.put("platform", platform);
        double load0 = Timing.loadAverage();
        platform.put("omp_threads", ompThreads());
        // glibc's arenas: with one, the 100+ MB oneDNN scratchpads of large convs come from the heap and are reused;
        // otherwise they are mmapped per call (measured at 321x321: 70 K page faults per train step against 6)
        String arenas = System.getenv().getOrDefault("MALLOC_ARENA_MAX", "unset");
        platform.put("malloc_arena_max", arenas);
        out.printf(Locale.ROOT, "bench: native build %s, %d OpenMP threads, MALLOC_ARENA_MAX %s, load average %.2f%n",
                platform.get("native_build"), ompThreads(), arenas, load0);
        List<Map<String, Object>> results = new ArrayList<>();
        Map<String, Object> profile = null;

        if (c.cases.contains(BenchConfig.SEG)) {
            int largest = c.sizes.stream().mapToInt(Integer::intValue).max().orElse(0);
            for (int size : c.sizes) {
                Workloads.Segmenter seg = measureBuild(() -> new Workloads.Segmenter(c, size));
                results.add(measure(out, "seg_train_step", size, c, seg::step));
                results.add(measure(out, "seg_forward", size, c, seg::forward));
                if (c.profile && size == largest) {
                    OpProfiler p = new OpProfiler(true);
                    seg.graph().addListeners(p);
                    p.reset();
                    seg.step();
                    out.println("per-op profile, seg_train_step " + size + "x" + size + ":");
                    out.print(p.table(c.profileRows));
                    profile = p.summary(Math.max(40, c.profileRows));
                    profile.put("case", "seg_train_step");
                    profile.put("size", size);
                }
                seg = null;
                System.gc();
            }
        }
        if (c.cases.contains(BenchConfig.UDA)) {
            Workloads.Uda uda = measureBuild(() -> new Workloads.Uda(c, c.udaSize));
            results.add(measure(out, "uda_iteration", c.udaSize, c, uda::iteration));
            uda = null;
            System.gc();
        }
        if (c.cases.contains(BenchConfig.CYCLEGAN)) {
            Workloads.CycleGan gan = measureBuild(() -> new Workloads.CycleGan(c));
            results.add(measure(out, "cyclegan_iteration", c.cycleganSize, c, gan::iteration));
            gan = null;
            System.gc();
        }
        if (c.cases.contains(BenchConfig.DATA)) {
            double l0 = Timing.loadAverage();
            DataBench.Result r;
            Map<String, Object> mem;
            try (MemoryWatch w = MemoryWatch.start()) {
                r = DataBench.run(c.dataHeight, c.dataWidth, c.dataBatch, c.dataBatches, c.dataThreads);
                mem = w.stop();
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("case", "data_pipeline");
            m.put("size", c.dataHeight + "x" + c.dataWidth);
            m.put("images_per_second", r.imagesPerSecond());
            m.put("cpu_seconds_per_image", r.cpuSecondsPerImage());
            m.put("median_s", 1.0 / r.imagesPerSecond());
            m.put("images", r.images());
            m.put("threads", r.threads());
            m.put("memory", mem);
            m.put("load_average", List.of(l0, Timing.loadAverage()));
            out.println("  data_pipeline: " + r);
            results.add(m);
        }
        report.put("results", results);
        report.put("peak_memory", peaks(results));

        JsonNode torch = null;
        if (c.torchPython != null) {
            String py = TorchReference.findPython(c.torchPython);
            if (py == null) {
                out.println("torch reference: no Python with torch found (tried " + c.torchPython + ", python3, /usr/bin/python3)");
            } else if (c.cases.stream().noneMatch(TorchReference.MIRRORED::contains)) {
                out.println("torch reference: needs a seg, uda or cyclegan case");
            } else {
                int threads = c.torchThreads > 0 ? c.torchThreads : ompThreads();
                out.printf(Locale.ROOT, "torch reference (%s, %d threads), load average %.2f ...%n", py, threads, Timing.loadAverage());
                torch = TorchReference.run(py, c, threads);
            }
        }
        report.put("torch", torch == null ? null : Json.MAPPER.convertValue(torch, Map.class));
        report.put("ratios", ratios(results, torch));
        report.put("profile", profile);
        report.put("load_average", List.of(load0, Timing.loadAverage()));
        out.print(table(results, torch));
        if (c.json != null) {
            Json.write(c.json, report);
            out.println("wrote " + c.json);
        }
        return report;
    }

    private static <T> T measureBuild(Supplier<T> s) {
        return s.get();
    }

    private static Map<String, Object> measure(PrintStream out, String name, int size, BenchConfig c, Runnable task) {
        double l0 = Timing.loadAverage();
        Timing.Result t;
        Map<String, Object> mem;
        try (MemoryWatch w = MemoryWatch.start()) {
            t = Timing.time(c.warmup, c.maxWarmup, c.repeats, task);
            mem = w.stop();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("case", name);
        m.put("size", size);
        m.putAll(t.toMap());
        m.put("memory", mem);
        m.put("load_average", List.of(l0, Timing.loadAverage()));
        out.printf(Locale.ROOT, "  %-20s %4d  median %8.3f s  min %8.3f s  cpu %8.3f s  peak RSS %6.0f MB  (load %.1f, %d warm-up runs)%n",
                name, size, t.median(), t.min(), t.cpuMedian(), mb(mem.get("peak_rss_bytes")), Timing.loadAverage(),
                t.warmupRuns());
        return m;
    }

    static int ompThreads() {
        try {
            Object v = Nd4j.getExecutioner().getEnvironmentInformation().get("omp.threads");
            return v == null ? 2 : Integer.parseInt(v.toString());
        } catch (NumberFormatException e) {
            return 2;
        }
    }

    private static Map<String, Object> peaks(List<Map<String, Object>> results) {
        Map<String, Object> p = new LinkedHashMap<>();
        for (String k : List.of("peak_rss_bytes", "peak_offheap_bytes", "peak_heap_bytes")) {
            long max = 0;
            for (Map<String, Object> r : results) {
                Object v = ((Map<?, ?>) r.get("memory")).get(k);
                if (v instanceof Number n) {
                    max = Math.max(max, n.longValue());
                }
            }
            p.put(k, max);
        }
        return p;
    }

    static List<Map<String, Object>> ratios(List<Map<String, Object>> results, JsonNode torch) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (torch == null) {
            return out;
        }
        for (JsonNode t : torch.path("results")) {
            String name = t.path("case").asText();
            int size = t.path("size").asInt();
            for (Map<String, Object> r : results) {
                if (name.equals(r.get("case")) && Integer.valueOf(size).equals(r.get("size"))) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("case", name);
                    m.put("size", size);
                    double ours = (Double) r.get("median_s");
                    double theirs = t.path("median_s").asDouble();
                    m.put("ours_median_s", ours);
                    m.put("torch_median_s", theirs);
                    m.put("ratio", ours / theirs);
                    Object rss = ((Map<?, ?>) r.get("memory")).get("peak_rss_bytes");
                    m.put("ours_peak_rss_bytes", rss);
                    m.put("torch_peak_rss_bytes", t.path("peak_rss_bytes").asLong());
                    out.add(m);
                }
            }
        }
        return out;
    }

    static String table(List<Map<String, Object>> results, JsonNode torch) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%n%-24s %9s %9s %9s %9s %9s %9s %9s %9s %7s%n", "case", "size", "median s",
                "min s", "cpu s", "RSS MB", "+RSS MB", "offheap", "torch s", "ratio"));
        List<Map<String, Object>> rat = ratios(results, torch);
        for (Map<String, Object> r : results) {
            Map<?, ?> mem = (Map<?, ?>) r.get("memory");
            String ts = "";
            String ratio = "";
            for (Map<String, Object> x : rat) {
                if (x.get("case").equals(r.get("case")) && x.get("size").equals(r.get("size"))) {
                    ts = String.format(Locale.ROOT, "%9.3f", (Double) x.get("torch_median_s"));
                    ratio = String.format(Locale.ROOT, "%7.2f", (Double) x.get("ratio"));
                }
            }
            boolean data = r.containsKey("images_per_second");
            sb.append(String.format(Locale.ROOT, "%-24s %9s %9.3f %9s %9s %9.0f %9.0f %9.0f %9s %7s%n", r.get("case"),
                    r.get("size"), (Double) r.get("median_s"),
                    data ? String.format(Locale.ROOT, "%.1f/s", (Double) r.get("images_per_second"))
                            : String.format(Locale.ROOT, "%9.3f", (Double) r.get("min_s")),
                    data ? String.format(Locale.ROOT, "%9.4f", (Double) r.get("cpu_seconds_per_image"))
                            : String.format(Locale.ROOT, "%9.3f", (Double) r.get("cpu_median_s")),
                    mb(mem.get("peak_rss_bytes")), mb(mem.get("peak_rss_increase_bytes")), mb(mem.get("peak_offheap_bytes")),
                    ts, ratio));
        }
        if (torch != null) {
            for (JsonNode t : torch.path("results")) {
                sb.append(String.format(Locale.ROOT, "%-24s %9d %9.3f %9.3f %9.3f %9.0f %9.0f %9s (PyTorch %s, %d threads)%n",
                        "torch_" + t.path("case").asText(), t.path("size").asInt(), t.path("median_s").asDouble(),
                        t.path("min_s").asDouble(), t.path("cpu_median_s").asDouble(),
                        t.path("peak_rss_bytes").asDouble() / (1 << 20),
                        (t.path("peak_rss_bytes").asDouble() - t.path("rss_before_bytes").asDouble()) / (1 << 20), "",
                        torch.path("torch").asText(), torch.path("threads").asInt()));
            }
        }
        return sb.toString();
    }

    private static double mb(Object bytes) {
        return bytes instanceof Number n ? n.doubleValue() / (1 << 20) : Double.NaN;
    }
}
