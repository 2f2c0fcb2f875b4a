package io.udas.sweep;

import io.udas.config.ConfigException;
import io.udas.sweep.TrialResult.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Whole sweeps with a fake trainer in child JVMs (each trial well under a second of work). */
class SweepRunnerTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    private static int starts(Path trialDir) throws Exception {
        Path f = trialDir.resolve("starts.txt");
        return Files.exists(f) ? Files.readAllLines(f).size() : 0;
    }

    @Test
    void gridSweepRecordsScoresRanksAndReports() throws Exception {
        Path f = Fixtures.sweep(dir, "grid", Fixtures.FAST_JVM + """
                command: train
                parallel: 2
                gpus: none
                params:
                  uda.lambda_adv: {min: 0.0001, max: 0.01, scale: log}
                  uda.lambda_cm: {values: [0.5, 1.5]}
                search: {grid_points: 3}
                """);
        SweepRunner r = Fixtures.runner(Sweep.load(f), log);
        SweepRunner.Outcome o = r.run();
        assertEquals(6, o.trials());
        assertEquals(6, o.ok(), log.toString());
        Map<Integer, TrialResult> rows = ResultsCsv.read(r.dir().resolve("results.csv"));
        assertEquals(6, rows.size());
        double bestScore = Double.NEGATIVE_INFINITY;
        int bestIndex = -1;
        for (TrialResult t : rows.values()) {
            double adv = Double.parseDouble(t.params().get("uda.lambda_adv"));
            double cm = Double.parseDouble(t.params().get("uda.lambda_cm"));
            double want = FakeTrialMain.score(adv, cm, 0.9, 0);
            assertEquals(want, t.score(), 1e-6, "trial " + t.index());
            assertEquals(Status.OK, t.status());
            assertEquals("trials/" + Trial.id(t.index()), t.runDir());
            assertTrue(Files.isRegularFile(r.dir().resolve(t.runDir()).resolve("trial.log")));
            if (want > bestScore) {
                bestScore = want;
                bestIndex = t.index();
            }
        }
        // The argmax: lambda_adv = 1e-3, lambda_cm = 0.5.
        assertEquals(bestIndex, o.best().index());
        assertEquals("0.001", o.best().params().get("uda.lambda_adv"));
        assertEquals("0.5", o.best().params().get("uda.lambda_cm"));
        List<TrialResult> ranked = SweepReport.ranked(List.copyOf(rows.values()), SweepSpec.Mode.MAX);
        for (int i = 1; i < ranked.size(); i++) {
            assertTrue(ranked.get(i - 1).score() >= ranked.get(i).score());
        }
        String report = Files.readString(r.dir().resolve("report.md"));
        assertTrue(report.contains("## Best trial\n\nTrial " + Trial.id(bestIndex)), report);
        assertTrue(report.contains("| 1 | " + Trial.id(bestIndex) + " | 0.001 | 0.5 |"), report);
        for (String png : List.of("score-vs-uda.lambda_adv.png", "score-vs-uda.lambda_cm.png")) {
            byte[] b = Files.readAllBytes(r.dir().resolve("plots").resolve(png));
            assertTrue(b.length > 1000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', png);
        }
        assertTrue(log.toString().contains("best: trial " + Trial.id(bestIndex)), log.toString());
        String summary = Files.readString(r.dir().resolve("trials/000/summary.json"));
        assertTrue(summary.contains("\"command\" : \"train\""), "the sweep's command reaches the trial: " + summary);
    }

    @Test
    void failingAndHangingTrialsAreRecordedAndTheSweepGoesOn() throws Exception {
        Path f = Fixtures.sweep(dir, "bad", Fixtures.FAST_JVM + "  timeout: 4s\n  kill_grace: 1s\n" + """
                gpus: none
                parallel: 1
                params:
                  seed: {values: [13, 17, 19, 1]}
                """);
        SweepRunner r = Fixtures.runner(Sweep.load(f), log);
        long t0 = System.nanoTime();
        SweepRunner.Outcome o = r.run();
        assertTrue((System.nanoTime() - t0) / 1e9 < 40, "the hanging trial was cut at its timeout");
        Map<Integer, TrialResult> rows = ResultsCsv.read(r.dir().resolve("results.csv"));
        assertEquals(Status.FAILED, rows.get(0).status());
        assertTrue(rows.get(0).reason().startsWith("exit 1: "), rows.get(0).reason());
        assertTrue(rows.get(0).reason().contains("boom at seed 13"), "last error line of the log: " + rows.get(0).reason());
        assertEquals(Status.TIMEOUT, rows.get(1).status());
        assertEquals("timeout after 4s", rows.get(1).reason());
        long pid = Long.parseLong(Files.readString(r.dir().resolve("trials/001/pid")).trim());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the hanging trial's process was killed");
        assertEquals(Status.NO_SCORE, rows.get(2).status());
        assertNull(rows.get(2).score());
        assertEquals(Status.OK, rows.get(3).status(), "trials after failures still run");
        assertEquals(3, o.best().index());
        String report = Files.readString(r.dir().resolve("report.md"));
        assertTrue(report.contains("## Failed trials") && report.contains("timeout after 4s"), report);
        assertEquals(Status.TIMEOUT, TrialResult.read(r.dir().resolve("trials/001")).status(), "result.json per trial");
    }

    @Test
    void rerunResumesSkippingFinishedTrialsAndRerunningInterruptedOnes() throws Exception {
        Path f = Fixtures.sweep(dir, "resume", Fixtures.FAST_JVM + """
                gpus: none
                parallel: 2
                params:
                  pseudo.threshold: {values: [0.7, 0.8, 0.9]}
                  seed: {values: [1, 13]}
                """);
        SweepRunner first = Fixtures.runner(Sweep.load(f), log);
        first.run();
        Path trials = first.dir().resolve("trials");
        for (int i = 0; i < 6; i++) {
            assertEquals(1, starts(trials.resolve(Trial.id(i))));
        }
        // Rerun: everything is final (ok or failed), nothing starts again.
        Fixtures.runner(Sweep.load(f), log).run();
        for (int i = 0; i < 6; i++) {
            assertEquals(1, starts(trials.resolve(Trial.id(i))), "trial " + i);
        }
        // --retry-failed re-runs only the failed ones (seed 13: trials 3, 4, 5).
        SweepRunner.Options retry = new SweepRunner.Options();
        retry.mainClass = FakeTrialMain.class.getName();
        retry.retryFailed = true;
        retry.out = new java.io.PrintStream(log, true, StandardCharsets.UTF_8);
        new SweepRunner(Sweep.load(f), retry).run();
        assertEquals(List.of(1, 1, 1, 2, 2, 2), List.of(starts(trials.resolve("000")), starts(trials.resolve("001")),
                starts(trials.resolve("002")), starts(trials.resolve("003")), starts(trials.resolve("004")),
                starts(trials.resolve("005"))));

        // Simulate a sweep killed while trials 1 and 2 ran: results.csv says running, their folders have no summary/result.
        Path csv = first.dir().resolve("results.csv");
        String text = Files.readString(csv);
        for (String id : List.of("001", "002")) {
            Files.delete(trials.resolve(id).resolve("summary.json"));
            Files.delete(trials.resolve(id).resolve("result.json"));
            text = text.lines().map(l -> l.startsWith(id + ",") ? l.replace(",ok,", ",running,") : l)
                    .reduce("", (a, b) -> a + b + "\n");
        }
        Files.writeString(csv, text);
        assertEquals(2, ResultsCsv.read(csv).values().stream().filter(t -> t.status() == Status.RUNNING).count());
        Fixtures.runner(Sweep.load(f), log).run();
        assertEquals(1, starts(trials.resolve("000")), "finished: skipped");
        assertEquals(2, starts(trials.resolve("001")), "interrupted: run again");
        assertEquals(2, starts(trials.resolve("002")), "interrupted: run again");
        Map<Integer, TrialResult> rows = ResultsCsv.read(csv);
        assertEquals(6, rows.size(), "one row per trial");
        assertEquals(3, rows.values().stream().filter(t -> t.status() == Status.OK).count());
        assertEquals(3, rows.values().stream().filter(t -> t.status() == Status.FAILED).count());
        assertTrue(rows.values().stream().filter(t -> t.status() == Status.OK).allMatch(t -> t.score() != null));
    }

    @Test
    void killingTheSweepKillsItsTrialsAndLeavesThemToRerun() throws Exception {
        Path f = Fixtures.sweep(dir, "killed", Fixtures.FAST_JVM + """
                gpus: none
                parallel: 2
                params:
                  seed: {values: [1, 17]}
                """);
        Path out = dir.resolve("out/killed");
        Process sweep = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), SweepCliMain.class.getName(), "--config", f.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sweep.log").toFile()).start();
        Path pidFile = out.resolve("trials/001/pid");
        Path done = out.resolve("trials/000/result.json");
        long until = System.nanoTime() + 60_000_000_000L;
        while (!(Files.exists(pidFile) && Files.exists(done)) && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(pidFile) && Files.exists(done), Files.readString(dir.resolve("sweep.log")));
        Thread.sleep(300);
        long trialPid = Long.parseLong(Files.readString(pidFile).trim());
        sweep.destroy(); // SIGTERM, like Ctrl-C or a stopped container
        assertTrue(sweep.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ProcessHandle.of(trialPid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertFalse(ProcessHandle.of(trialPid).map(ProcessHandle::isAlive).orElse(false), "no orphan trial left running");
        Map<Integer, TrialResult> rows = ResultsCsv.read(out.resolve("results.csv"));
        assertEquals(Status.OK, rows.get(0).status());
        assertEquals(Status.RUNNING, rows.get(1).status(), "interrupted, not failed");
        assertNull(TrialResult.read(out.resolve("trials/001")), "no final result for the interrupted trial");
        // The next run starts it again (it hangs again: give it a short timeout this time).
        Files.writeString(f, Files.readString(f).replace("trial:\n", "trial:\n  timeout: 2s\n  kill_grace: 1s\n"));
        Fixtures.runner(Sweep.load(f), log).run();
        assertEquals(1, starts(out.resolve("trials/000")));
        assertEquals(2, starts(out.resolve("trials/001")));
        assertEquals(Status.TIMEOUT, ResultsCsv.read(out.resolve("results.csv")).get(1).status());
    }

    @Test
    void resultsOfAnotherPlanAreRefused() {
        Path f = Fixtures.sweep(dir, "changed", Fixtures.FAST_JVM + "gpus: none\nparams:\n  pseudo.threshold: {values: [0.7]}\n");
        Fixtures.runner(Sweep.load(f), log).run();
        Fixtures.write(dir, "changed.yaml", readReplacing(f, "[0.7]", "[0.75]"));
        ConfigException e = assertThrows(ConfigException.class, () -> Fixtures.runner(Sweep.load(f), log).run());
        assertTrue(e.getMessage().startsWith(f + ": trial 000"), e.getMessage());
        assertTrue(e.getMessage().contains("pseudo.threshold=0.7") && e.getMessage().contains("pseudo.threshold=0.75"), e.getMessage());
    }

    private static String readReplacing(Path f, String a, String b) {
        try {
            return Files.readString(f).replace(a, b);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void trialsArePinnedOneGpuPerSlot() throws Exception {
        Path f = Fixtures.sweep(dir, "gpus", Fixtures.FAST_JVM + """
                command: train
                gpus: [3, 5]
                overrides: {train.iterations: 99}
                params:
                  pseudo.threshold: {values: [0.6, 0.7, 0.8, 0.9, 0.95, 0.99]}
                """);
        SweepRunner r = Fixtures.runner(Sweep.load(f), log);
        assertEquals(6, r.run().ok(), log.toString());
        assertTrue(log.toString().contains("2 at a time on GPUs [3, 5]"), "parallel defaults to the GPU count: " + log);
        List<long[]> spans = new java.util.ArrayList<>();
        List<String> gpus = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Path td = r.dir().resolve("trials").resolve(Trial.id(i));
            com.fasterxml.jackson.databind.JsonNode s = SweepRunner.readJson(td.resolve("summary.json"));
            String gpu = s.path("cuda_visible_devices").asText();
            assertTrue(gpu.equals("3") || gpu.equals("5"), "CUDA_VISIBLE_DEVICES of trial " + i + ": " + gpu);
            assertEquals(gpu, SweepRunner.readJson(td.resolve("trial.json")).path("gpu").asText());
            spans.add(new long[]{s.path("started_ms").asLong(), s.path("ended_ms").asLong()});
            gpus.add(gpu);
        }
        int overlaps = 0;
        for (int i = 0; i < 6; i++) {
            for (int j = i + 1; j < 6; j++) {
                if (spans.get(i)[0] < spans.get(j)[1] && spans.get(j)[0] < spans.get(i)[1]) {
                    overlaps++;
                    assertNotEquals(gpus.get(i), gpus.get(j), "trials " + i + " and " + j + " ran at once on one GPU");
                }
            }
        }
        assertTrue(overlaps > 0, "two slots ran trials side by side");
    }

    @Test
    void timeBudgetStopsStartingTrials() throws Exception {
        Path f = Fixtures.sweep(dir, "budget", Fixtures.FAST_JVM + """
                gpus: none
                parallel: 1
                budget: {max_time: 0.05}
                params:
                  pseudo.threshold: {values: [0.7, 0.8, 0.9]}
                """);
        SweepRunner r = Fixtures.runner(Sweep.load(f), log);
        SweepRunner.Outcome o = r.run();
        assertEquals(1, o.ok(), "the first trial starts, none after the budget: " + log);
        assertEquals(2, o.pending());
        assertTrue(log.toString().contains("2 trials not started"), log.toString());
        assertEquals(2, ResultsCsv.read(r.dir().resolve("results.csv")).values().stream()
                .filter(t -> t.status() == Status.PENDING).count());
    }
}
