package io.udas.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.udas.util.Json;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * How a result was made (Tribuo-style provenance): tool and library versions, backend, git commit,
 * time. Written next to every run and inside every model file.
 */
public final class Provenance {
    public static final String DL4J_VERSION = "1.0.0-M2.1";

    private Provenance() {
    }

    public static ObjectNode capture() {
        ObjectNode p = Json.MAPPER.createObjectNode();
        p.put("tool", "udas");
        String v = Provenance.class.getPackage().getImplementationVersion();
        p.put("tool_version", v != null ? v : "dev");
        p.put("dl4j_version", DL4J_VERSION);
        p.put("java_version", System.getProperty("java.version"));
        p.put("backend", Nd4j.getBackend().getClass().getSimpleName());
        p.put("git_commit", gitCommit());
        p.put("created", Instant.now().toString());
        p.put("host_cores", Runtime.getRuntime().availableProcessors());
        return p;
    }

    /** The current git commit (with "-dirty" when the tree has changes), or "unknown" outside a checkout. */
    static String gitCommit() {
        String head = git("rev-parse", "HEAD");
        if (head == null) {
            return "unknown";
        }
        String status = git("status", "--porcelain", "--untracked-files=no");
        return status != null && !status.isBlank() ? head + "-dirty" : head;
    }

    private static String git(String... args) {
        try {
            String[] cmd = new String[args.length + 1];
            cmd[0] = "git";
            System.arraycopy(args, 0, cmd, 1, args.length);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                out = r.lines().reduce("", (a, b) -> a.isEmpty() ? b : a + "\n" + b);
            }
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out.trim();
        } catch (Exception e) {
            return null;
        }
    }
}
