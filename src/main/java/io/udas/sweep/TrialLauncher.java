package io.udas.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.udas.sweep.TrialResult.Status;
import io.udas.util.Json;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs one trial in its own JVM ({@code java <jvm args> -cp <classpath> io.udas.cli.Main <command> --config BASE
 * --set ... --set output_dir=<trial folder>}): isolation, and all memory (host and GPU) returns when it ends.
 * Output goes to {@code trial.log} in the trial folder; a trial past its timeout has its process tree killed.
 */
final class TrialLauncher {
    static final String LOG = "trial.log";
    static final String TRIAL_JSON = "trial.json";
    private static final Pattern ERROR_LINE = Pattern.compile("(?i).*(error|exception|fatal|killed|outofmemory).*");

    /** How a trial process is started. */
    record Launch(String java, List<String> jvmArgs, String classpath, String mainClass) {
        /** The running JVM's java, classpath (a jar under java -jar) and memory options. */
        static Launch current(List<String> jvmArgs, String mainClass) {
            String javaExe = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cp = System.getProperty("java.class.path");
            StringBuilder abs = new StringBuilder();
            for (String e : cp.split(File.pathSeparator)) {
                if (!e.isEmpty()) {
                    abs.append(abs.length() == 0 ? "" : File.pathSeparator).append(Path.of(e).toAbsolutePath());
                }
            }
            return new Launch(javaExe, jvmArgs != null ? List.copyOf(jvmArgs) : inheritedJvmArgs(), abs.toString(),
                    mainClass != null ? mainClass : "io.udas.cli.Main");
        }

        static List<String> inheritedJvmArgs() {
            List<String> out = new ArrayList<>();
            for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-Xss")
                        || a.startsWith("-XX:MaxDirectMemorySize") || a.startsWith("-Dorg.bytedeco.")
                        || a.startsWith("-Dudas.")) {
                    out.add(a);
                }
            }
            return out;
        }
    }

    private final Sweep sweep;
    private final Launch launch;
    private final Set<Process> running = ConcurrentHashMap.newKeySet();
    /** Set when the sweep itself is stopped: trials ended by that are interrupted, not failed. */
    private volatile boolean stopping;

    TrialLauncher(Sweep sweep, Launch launch) {
        this.sweep = sweep;
        this.launch = launch;
    }

    List<String> command(Trial t, Path runDir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(launch.java());
        cmd.addAll(launch.jvmArgs());
        cmd.add("-cp");
        cmd.add(launch.classpath());
        cmd.add(launch.mainClass());
        cmd.add(t.command());
        cmd.add("--config");
        cmd.add(t.base());
        for (String s : Sweep.launchOverrides(t, runDir)) {
            cmd.add("--set");
            cmd.add(s);
        }
        return cmd;
    }

    /**
     * Runs a trial to its end (or its timeout) and returns its result; never throws for a failing trial.
     *
     * @param gpu the CUDA device id to pin it to, or null to leave the environment alone
     * @param threads OMP/BLAS threads for CPU trials running side by side (0: leave alone)
     */
    TrialResult run(Trial t, Path sweepDir, String gpu, int threads) {
        Path runDir = sweepDir.resolve("trials").resolve(t.id()).toAbsolutePath();
        String rel = "trials/" + t.id();
        long t0 = System.nanoTime();
        Instant started = Instant.now();
        Process p = null;
        try {
            Files.createDirectories(runDir);
            TrialResult.delete(runDir);
            List<String> cmd = command(t, runDir);
            ObjectNode info = Json.MAPPER.createObjectNode();
            info.put("trial", t.index());
            ObjectNode pv = info.putObject("params");
            t.values().forEach(pv::put);
            info.put("command", t.command());
            info.put("base", t.base());
            info.putPOJO("overrides", t.overrides());
            info.putPOJO("argv", cmd);
            info.put("gpu", gpu);
            info.put("started", started.toString());
            Json.write(runDir.resolve(TRIAL_JSON), info);
            Path log = runDir.resolve(LOG);
            Files.writeString(log, "=== udas sweep " + sweep.name + " trial " + t.id() + " started " + started
                            + (gpu != null ? " on GPU " + gpu : "") + "\n=== " + String.join(" ", cmd) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            Map<String, String> env = pb.environment();
            if (gpu != null) {
                env.put("CUDA_VISIBLE_DEVICES", gpu);
            }
            if (threads > 0 && !env.containsKey("OMP_NUM_THREADS")) {
                env.put("OMP_NUM_THREADS", Integer.toString(threads));
            }
            p = pb.start();
            running.add(p);
            Duration timeout = sweep.timeout;
            boolean done = timeout == null ? waitFor(p) : p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            double secs = (System.nanoTime() - t0) / 1e9;
            if (stopping) {
                killTree(p, sweep.killGrace);
                return result(t, null, Status.RUNNING, "interrupted", secs, rel);
            }
            if (!done) {
                killTree(p, sweep.killGrace);
                appendLog(log, "=== killed: timeout after " + Durations.format(timeout));
                return result(t, null, Status.TIMEOUT, "timeout after " + timeout.toSeconds() + "s", secs, rel);
            }
            int code = p.exitValue();
            if (code != 0) {
                return result(t, null, Status.FAILED, "exit " + code + ": " + lastErrorLine(log), secs, rel);
            }
            return scored(t, runDir, secs, rel);
        } catch (IOException e) {
            return result(t, null, Status.FAILED, "cannot start: " + e.getMessage(), (System.nanoTime() - t0) / 1e9, rel);
        } catch (InterruptedException e) {
            if (p != null) {
                killTree(p, sweep.killGrace);
            }
            Thread.currentThread().interrupt();
            return result(t, null, Status.RUNNING, "interrupted", (System.nanoTime() - t0) / 1e9, rel);
        } finally {
            if (p != null) {
                running.remove(p);
            }
        }
    }

    private static boolean waitFor(Process p) throws InterruptedException {
        p.waitFor();
        return true;
    }

    private TrialResult scored(Trial t, Path runDir, double secs, String rel) {
        Path f = runDir.resolve(sweep.spec.score.file);
        if (!Files.isRegularFile(f)) {
            return result(t, null, Status.FAILED, "exit 0 but no " + sweep.spec.score.file, secs, rel);
        }
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(f.toFile());
        } catch (IOException e) {
            return result(t, null, Status.FAILED, sweep.spec.score.file + " unreadable: " + io.udas.config.ConfigLoader.firstLine(e.getMessage()), secs, rel);
        }
        for (String k : sweep.spec.score.key.split("\\.")) {
            n = n == null ? null : n.get(k);
        }
        if (n == null || n.isNull()) {
            return result(t, null, Status.NO_SCORE, sweep.spec.score.file + " has no " + sweep.spec.score.key
                    + " (no validation ran?)", secs, rel);
        }
        if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
            return result(t, null, Status.FAILED, sweep.spec.score.key + " is not a finite number: " + n, secs, rel);
        }
        return result(t, n.asDouble(), Status.OK, null, secs, rel);
    }

    private static TrialResult result(Trial t, Double score, Status s, String reason, double secs, String rel) {
        return new TrialResult(t.index(), t.values(), score, s, reason, secs, rel, Instant.now().toString());
    }

    /** SIGTERM to the process and its descendants, SIGKILL to whatever is left after the grace period. */
    static void killTree(Process p, Duration grace) {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        tree.add(p.toHandle());
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle h : tree) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                h.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                // still alive: killed below
            }
        }
        for (ProcessHandle h : tree) {
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
        try {
            p.waitFor(grace.toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills every running trial (shutdown hook: an interrupted sweep leaves no orphan trainers behind). */
    void killAll() {
        stopping = true;
        for (Process p : running) {
            killTree(p, Duration.ofSeconds(2));
        }
    }

    private static void appendLog(Path log, String line) {
        try {
            Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last line of the log that looks like an error (else its last line), for the failure reason. */
    static String lastErrorLine(Path log) {
        List<String> lines = tail(log, 64 * 1024);
        String last = null;
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i).strip();
            if (l.isEmpty() || l.startsWith("=== ")) {
                continue;
            }
            if (last == null) {
                last = l;
            }
            if (ERROR_LINE.matcher(l).matches() && !l.startsWith("at ")) {
                return clip(l);
            }
        }
        return last == null ? "(empty log)" : clip(last);
    }

    private static String clip(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private static List<String> tail(Path f, int bytes) {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
            long len = raf.length();
            long from = Math.max(0, len - bytes);
            byte[] b = new byte[(int) (len - from)];
            raf.seek(from);
            raf.readFully(b);
            return new String(b, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
