package io.udas.train;

import io.udas.util.Json;
import io.udas.util.JsonLines;
import io.udas.util.Progress;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Drives a {@link StageRun}: resume from the run folder's checkpoint, steps with progress, metrics
 * as JSON lines, validation and best model every {@code evalEvery}, atomic checkpoints every
 * {@code checkpointEvery} and at the end. A non-finite loss stops the run; the last checkpoint stays.
 */
public final class TrainingLoop {
    public static final String METRICS = "metrics.jsonl";
    public static final String SUMMARY = "summary.json";

    private final int logEvery;
    private final int checkpointEvery;
    private final int evalEvery;

    public TrainingLoop(int logEvery, int checkpointEvery, int evalEvery) {
        this.logEvery = logEvery;
        this.checkpointEvery = checkpointEvery;
        this.evalEvery = evalEvery;
    }

    /** The outcome of a finished run. */
    public record Result(long iterations, double bestScore, Map<String, Double> lastValidation, double seconds) {
    }

    public Result run(StageRun stage, Path runDir, boolean resume) {
        Path ckptFile = runDir.resolve(Checkpoint.FILE);
        JsonLines metrics = new JsonLines(runDir.resolve(METRICS));
        long start = 0;
        double best = Double.NEGATIVE_INFINITY;
        if (Checkpoint.exists(runDir)) {
            Checkpoint ck = Checkpoint.load(ckptFile);
            if (!resume) {
                throw new IllegalArgumentException(runDir + " already holds a checkpoint at iteration "
                        + ck.iteration() + ": use --resume to continue it, or another output_dir");
            }
            stage.restore(ck.arrays());
            start = ck.iteration();
            best = ck.bestScore();
            metrics.truncateAfter("iter", start);
            System.out.println(stage.stage() + ": resuming at iteration " + start + " of " + stage.iterations());
        }
        long total = stage.iterations();
        long t0 = System.nanoTime();
        long lastCheckpoint = start;
        Map<String, Double> lastVal = Map.of();
        double stepSeconds = 0;
        try (Progress progress = Progress.start(stage.stage(), total, start)) {
            for (long it = start; it < total; it++) {
                long s0 = System.nanoTime();
                Map<String, Double> figures;
                try {
                    figures = stage.step(it);
                } catch (NonFiniteLossException e) {
                    throw new NonFiniteLossException(stage.stage() + ": non-finite loss at iteration " + (it + 1)
                            + " (" + e.getMessage() + "); stopped, the last good checkpoint (iteration "
                            + lastCheckpoint + ") is kept in " + ckptFile);
                }
                stepSeconds = (System.nanoTime() - s0) / 1e9;
                long done = it + 1;
                boolean last = done == total;
                if (done % logEvery == 0 || last) {
                    Map<String, Object> rec = new LinkedHashMap<>();
                    rec.put("iter", done);
                    rec.putAll(figures);
                    rec.put("sec_per_iter", stepSeconds);
                    metrics.append(rec);
                }
                progress.stepTo(done, brief(figures));
                if ((evalEvery > 0 && done % evalEvery == 0) || last) {
                    Map<String, Double> val = stage.validate(done);
                    if (!val.isEmpty()) {
                        lastVal = val;
                        Map<String, Object> rec = new LinkedHashMap<>();
                        rec.put("iter", done);
                        val.forEach((k, v) -> rec.put("val_" + k, v));
                        metrics.append(rec);
                        Double score = val.get(StageRun.SCORE);
                        if (score != null && score > best) {
                            best = score;
                            stage.saveBest(runDir, done, score);
                        }
                    }
                }
                if (done % checkpointEvery == 0 || last) {
                    new Checkpoint(done, best, stage.state()).save(ckptFile, stage.stage());
                    lastCheckpoint = done;
                }
            }
        }
        stage.finish(runDir);
        double secs = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("stage", stage.stage());
        summary.put("iterations", total);
        // "score" is what sweeps read: the best validation mIoU of the run.
        summary.put("score", Double.isFinite(best) ? best : null);
        summary.put("last_validation", lastVal);
        summary.put("seconds_this_session", secs);
        summary.put("last_sec_per_iter", stepSeconds);
        Json.write(runDir.resolve(SUMMARY), summary);
        return new Result(total, best, lastVal, secs);
    }

    private static String brief(Map<String, Double> figures) {
        StringBuilder sb = new StringBuilder();
        figures.forEach((k, v) -> {
            if (k.startsWith("loss")) {
                sb.append(sb.length() == 0 ? "" : " ").append(k).append('=')
                        .append(String.format(Locale.ROOT, "%.4g", v));
            }
        });
        return sb.toString();
    }
}
