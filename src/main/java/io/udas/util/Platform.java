package io.udas.util;

import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** What the process runs on: ND4J backend, threads, CPU features, versions (the {@code env} command). */
public final class Platform {
    private Platform() {
    }

    public static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        m.put("backend", value(env, "backend", Nd4j.getBackend().getClass().getSimpleName()));
        m.put("blas_vendor", value(env, "blas.vendor", "?"));
        m.put("omp_threads", value(env, "omp.threads", "?"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
        m.put("cpu_flags", cpuFlags());
        m.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("dl4j", io.udas.model.Provenance.DL4J_VERSION);
        return m;
    }

    /** ND4J puts non-string values (thread counts) into its Properties, which getProperty does not return. */
    private static String value(Properties p, String key, String dflt) {
        Object v = p.get(key);
        return v == null ? dflt : v.toString();
    }

    /** The SIMD features that decide which native build runs fast (AVX-512 is not everywhere). */
    static String cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    StringBuilder sb = new StringBuilder();
                    for (String f : new String[]{"avx2", "avx512f", "avx512_bf16", "fma"}) {
                        if ((" " + line + " ").contains(" " + f + " ")) {
                            sb.append(sb.length() == 0 ? "" : " ").append(f);
                        }
                    }
                    return sb.toString();
                }
            }
        } catch (IOException e) {
            // Not Linux: nothing to report.
        }
        return "unknown";
    }
}
