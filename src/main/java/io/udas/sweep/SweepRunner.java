package io.udas.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.udas.config.ConfigException;
import io.udas.sweep.TrialResult.Status;
import io.udas.util.AtomicFiles;
import io.udas.util.Json;
import io.udas.util.Progress;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Runs a sweep: plans the trials (Arbiter grid or random search), validates every trial's run config, then
 * runs the trials as child processes, {@code parallel} at a time, each pinned to its slot's GPU. After every
 * trial its {@code result.json} and the sweep's results.csv are written atomically; a rerun resumes (trials with
 * a final result are skipped, interrupted ones run again). Also the single-trial mode of Kubernetes pods,
 * collecting per-trial results, and the final report.
 */
public final class SweepRunner {
    /** How the sweep is run (command-line choices over the sweep file). */
    public static final class Options {
        /** The sweep folder (default: the sweep file's output_dir or runs/sweeps/{name}). */
        public Path outputDir;
        public Integer parallel;
        /** Re-run failed and timed-out trials too. */
        public boolean retryFailed;
        /** The trial process's main class (tests use a fake trainer). */
        public String mainClass;
        public PrintStream out = System.out;
        /** Write PNG plots with the report. */
        public boolean plots = true;
    }

    /** How a sweep ended. */
    public record Outcome(int trials, int ok, int noScore, int failed, int timeout, int pending, TrialResult best) {
    }

    static final String PLAN = "plan.json";

    private final Sweep sweep;
    private final Options opt;
    private final Path dir;
    private final List<Trial> plan;
    private final PrintStream out;
    private final Map<Integer, TrialResult> results = new TreeMap<>();

    public SweepRunner(Sweep sweep, Options opt) {
        this.sweep = sweep;
        this.opt = opt;
        this.dir = (opt.outputDir != null ? opt.outputDir : sweep.defaultOutputDir()).toAbsolutePath().normalize();
        this.plan = sweep.plan();
        this.out = opt.out;
    }

    public Path dir() {
        return dir;
    }

    public List<Trial> plan() {
        return plan;
    }

    Path trialDir(Trial t) {
        return dir.resolve("trials").resolve(t.id());
    }

    /** Loads every trial's run config, so that a bad key stops the sweep before the first launch. */
    public void validateAll() {
        for (Trial t : plan) {
            sweep.validate(t, trialDir(t));
        }
    }

    /** Runs all trials not yet finished; returns how the sweep stands afterwards. */
    public Outcome run() {
        validateAll();
        prepare();
        loadState(dir);
        List<Trial> todo = new ArrayList<>();
        for (Trial t : plan) {
            TrialResult r = results.get(t.index());
            boolean retry = opt.retryFailed && r != null && (r.status() == Status.FAILED || r.status() == Status.TIMEOUT);
            if (r == null || !r.status().isFinal() || retry) {
                todo.add(t);
                if (r == null) {
                    results.put(t.index(), TrialResult.pending(t));
                }
            }
        }
        writeCsv();
        List<String> gpus = Gpus.resolve(sweep.spec.gpus);
        int parallel = opt.parallel != null ? opt.parallel
                : sweep.spec.parallel != null ? sweep.spec.parallel : Math.max(1, gpus.size());
        int threads = gpus.isEmpty() && parallel > 1 ? Math.max(1, Runtime.getRuntime().availableProcessors() / parallel) : 0;
        int done = plan.size() - todo.size();
        out.printf(Locale.ROOT, "[sweep] %s: %d trials (%s search), %d done, %d to run, %d at a time%s; folder %s%n",
                sweep.name, plan.size(), sweep.spec.search.kind.name().toLowerCase(Locale.ROOT), done, todo.size(), parallel,
                gpus.isEmpty() ? " on CPU" : " on GPUs " + gpus, dir);
        if (!gpus.isEmpty() && parallel > gpus.size()) {
            out.printf("[sweep] note: %d parallel trials share %d GPUs%n", parallel, gpus.size());
        }
        if (!todo.isEmpty()) {
            runTrials(todo, gpus, parallel, threads, done);
        }
        return report();
    }

    private void runTrials(List<Trial> todo, List<String> gpus, int parallel, int threads, int done) {
        TrialLauncher launcher = new TrialLauncher(sweep, TrialLauncher.Launch.current(sweep.spec.trial.jvmArgs, opt.mainClass));
        Thread hook = new Thread(launcher::killAll, "udas-sweep-kill-trials");
        Runtime.getRuntime().addShutdownHook(hook);
        BlockingQueue<String> slots = new ArrayBlockingQueue<>(parallel);
        for (int i = 0; i < parallel; i++) {
            slots.add(gpus.isEmpty() ? "" : gpus.get(i % gpus.size()));
        }
        long deadline = sweep.maxTime == null ? Long.MAX_VALUE : System.nanoTime() + sweep.maxTime.toNanos();
        AtomicInteger notStarted = new AtomicInteger();
        AtomicInteger started = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger(done);
        ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
            Thread th = new Thread(r, "udas-sweep-slot");
            th.setDaemon(true);
            return th;
        });
        try (Progress progress = Progress.start("sweep " + sweep.name, plan.size(), done)) {
            for (Trial t : todo) {
                pool.submit(() -> {
                    String slot;
                    try {
                        slot = slots.take();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    try {
                        // The budget stops new starts; the first trial of a session always starts, so reruns progress.
                        if (System.nanoTime() > deadline && started.get() > 0) {
                            notStarted.incrementAndGet();
                            return;
                        }
                        started.incrementAndGet();
                        String gpu = slot.isEmpty() ? null : slot;
                        record(TrialResult.pending(t).withStatus(Status.RUNNING, null));
                        out.printf(Locale.ROOT, "[sweep] trial %s start: %s%s%n", t.id(), t.describe(),
                                gpu == null ? "" : " (GPU " + gpu + ")");
                        TrialResult r = launcher.run(t, dir, gpu, threads);
                        if (r.status() == Status.RUNNING) {
                            return; // interrupted: stays "running", a rerun starts it again
                        }
                        r.write(trialDir(t));
                        record(r);
                        out.printf(Locale.ROOT, "[sweep] trial %s %s%s in %s%s%n", t.id(), r.status().text(),
                                r.score() == null ? "" : " score " + fmt(r.score()),
                                Durations.format(java.time.Duration.ofMillis((long) (r.durationS() * 1000))),
                                r.reason() == null ? "" : ": " + r.reason());
                        progress.stepTo(finished.incrementAndGet(), bestMessage());
                    } catch (RuntimeException e) {
                        out.printf("[sweep] trial %s: sweep error: %s%n", t.id(), e.getMessage());
                    } finally {
                        slots.add(slot);
                    }
                });
            }
            pool.shutdown();
            while (!pool.awaitTermination(1, TimeUnit.HOURS)) {
                // trials may run for days
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            launcher.killAll();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
        if (notStarted.get() > 0) {
            out.printf("[sweep] time budget of %s reached: %d trials not started (rerun to continue)%n",
                    Durations.format(sweep.maxTime), notStarted.get());
        }
    }

    /**
     * Kubernetes Indexed Job mode: runs exactly trial {@code index} (as a child process, on whatever GPU the pod
     * has) and writes its {@code trials/NNN/result.json}; results.csv is left to {@code --collect}.
     */
    public TrialResult runIndex(int index) {
        if (index < 0 || index >= plan.size()) {
            throw new IllegalArgumentException("trial index " + index + " is out of range: " + sweep.file
                    + " plans " + plan.size() + " trials (0.." + (plan.size() - 1) + ")");
        }
        Trial t = plan.get(index);
        sweep.validate(t, trialDir(t));
        prepare();
        Path td = trialDir(t);
        TrialResult prev = TrialResult.read(td);
        if (prev != null) {
            checkSame(t, prev.params(), td.resolve(TrialResult.FILE).toString());
            boolean retry = opt.retryFailed && (prev.status() == Status.FAILED || prev.status() == Status.TIMEOUT);
            if (prev.status().isFinal() && !retry) {
                out.printf("[sweep] trial %s already %s; nothing to do%n", t.id(), prev.status().text());
                return prev;
            }
        }
        // In a pod the sweep JVM is small; the trial gets the sweep file's jvm_args or the JVM defaults.
        List<String> jvm = sweep.spec.trial.jvmArgs != null ? sweep.spec.trial.jvmArgs : List.of();
        TrialLauncher launcher = new TrialLauncher(sweep, TrialLauncher.Launch.current(jvm, opt.mainClass));
        Thread hook = new Thread(launcher::killAll, "udas-sweep-kill-trial");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            out.printf("[sweep] %s trial %s start: %s%n", sweep.name, t.id(), t.describe());
            TrialResult r = launcher.run(t, dir, null, 0);
            if (r.status() != Status.RUNNING) {
                r.write(td);
            }
            out.printf(Locale.ROOT, "[sweep] trial %s %s%s%s%n", t.id(), r.status().text(),
                    r.score() == null ? "" : " score " + fmt(r.score()), r.reason() == null ? "" : ": " + r.reason());
            return r;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down
            }
        }
    }

    /**
     * Merges the per-trial result files under {@code from} (default: the sweep folder, e.g. the shared volume
     * the pods wrote to) into results.csv, then writes the report and plots.
     */
    public Outcome collect(Path from) {
        prepare();
        Path src = from == null ? dir : from.toAbsolutePath().normalize();
        loadState(src);
        for (Trial t : plan) {
            results.putIfAbsent(t.index(), TrialResult.pending(t));
        }
        writeCsv();
        long found = results.values().stream().filter(r -> r.status().isFinal()).count();
        out.printf("[sweep] collected %d finished trials of %d from %s%n", found, plan.size(), src.resolve("trials"));
        return report();
    }

    /** Writes the Kubernetes Indexed Job manifest (one completion index per trial) and returns its path. */
    public Path emitK8s(Path to, String sweepFileArg, List<String> extraSets, String image, String pvc) {
        validateAll();
        Path file = to != null ? to : dir.resolve("k8s-job.yaml");
        String yaml = K8sJob.yaml(sweep, plan.size(), sweepFileArg, extraSets, image, pvc);
        AtomicFiles.writeString(file, yaml);
        return file;
    }

    /** Writes the report of the results in the sweep folder (results.csv and trial folders). */
    public Outcome report() {
        for (Trial t : plan) {
            results.putIfAbsent(t.index(), TrialResult.pending(t));
        }
        return SweepReport.write(sweep, plan, List.copyOf(results.values()), dir, out, opt.plots);
    }

    private void prepare() {
        try {
            Files.createDirectories(dir.resolve("trials"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        Path copy = dir.resolve("sweep.yaml");
        try {
            AtomicFiles.writeBytes(copy, Files.readAllBytes(sweep.file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + sweep.file, e);
        }
        ObjectNode p = Json.MAPPER.createObjectNode();
        p.put("sweep", sweep.name);
        p.put("file", sweep.file.toString());
        ArrayNode arr = p.putArray("trials");
        for (Trial t : plan) {
            ObjectNode o = arr.addObject();
            o.put("trial", t.index());
            ObjectNode v = o.putObject("params");
            t.values().forEach(v::put);
            o.put("command", t.command());
            o.put("base", t.base());
            o.putPOJO("overrides", t.overrides());
        }
        Json.write(dir.resolve(PLAN), p);
    }

    /**
     * The known state: results.csv rows, overlaid by the result.json files of the sweep folder's trials, then by
     * those under {@code src} (another copy of the sweep folder, e.g. the shared volume); a trial recorded as
     * running without a result file was interrupted and is pending again.
     */
    void loadState(Path src) {
        results.clear();
        results.putAll(ResultsCsv.read(dir.resolve(ResultsCsv.FILE)));
        overlayTrials(dir);
        if (!src.equals(dir)) {
            overlayTrials(src);
        }
        for (Map.Entry<Integer, TrialResult> e : new ArrayList<>(results.entrySet())) {
            TrialResult r = e.getValue();
            if (r.index() < plan.size()) {
                checkSame(plan.get(r.index()), r.params(), dir.resolve(ResultsCsv.FILE) + " / trials/" + Trial.id(r.index()));
            }
            if (r.status() == Status.RUNNING) {
                e.setValue(new TrialResult(r.index(), r.params(), null, Status.PENDING, "interrupted; runs again",
                        null, r.runDir(), null));
            }
        }
    }

    private void overlayTrials(Path sweepDir) {
        Path trials = sweepDir.resolve("trials");
        if (!Files.isDirectory(trials)) {
            return;
        }
        try (Stream<Path> s = Files.list(trials)) {
            for (Path td : s.sorted().toList()) {
                TrialResult r = TrialResult.read(td);
                if (r != null && r.status().isFinal()) {
                    String rel = sweepDir.equals(dir) ? "trials/" + td.getFileName() : td.toString();
                    results.put(r.index(), new TrialResult(r.index(), r.params(), r.score(), r.status(), r.reason(),
                            r.durationS(), rel, r.finished()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + trials, e);
        }
    }

    /** A result on disk must belong to the trial the sweep file plans at that index. */
    private void checkSame(Trial t, Map<String, String> recorded, String where) {
        for (Map.Entry<String, String> e : t.values().entrySet()) {
            String old = recorded.get(e.getKey());
            if (old == null || !Values.same(old, e.getValue())) {
                throw new ConfigException(sweep.file + ": trial " + t.id() + " in " + where + " was run with "
                        + e.getKey() + "=" + (old == null ? "(no value)" : old) + " but the sweep file now plans "
                        + e.getKey() + "=" + e.getValue() + "; the sweep changed: use another output_dir (or --out)");
            }
        }
    }

    private synchronized void record(TrialResult r) {
        results.put(r.index(), r);
        writeCsv();
    }

    private synchronized void writeCsv() {
        ResultsCsv.write(dir.resolve(ResultsCsv.FILE), sweep.paramNames(), results.values());
    }

    private synchronized String bestMessage() {
        TrialResult b = SweepReport.best(List.copyOf(results.values()), sweep.spec.score.mode);
        return b == null ? "" : "best " + fmt(b.score()) + " (trial " + Trial.id(b.index()) + ")";
    }

    private String fmt(double score) {
        return SweepReport.formatScore(score, sweep.spec.score.percent);
    }

    /** Reads a JSON file's node (for tests and tools). */
    static JsonNode readJson(Path f) {
        try {
            return Json.MAPPER.readTree(f.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
