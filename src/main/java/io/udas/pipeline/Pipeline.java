package io.udas.pipeline;

import io.udas.util.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a list of {@link PipelineStage}s, each in its own folder under the output folder, so that a long
 * experiment survives interruptions:
 * <ul>
 *   <li>a stage that completed earlier (its folder holds the marker {@value #DONE}, written atomically
 *       after the stage and holding its result) is skipped;</li>
 *   <li>a stage whose folder exists without the marker was interrupted: with {@code resume} it
 *       continues (the stage gets resume = true: its training loop resumes from its checkpoint), without
 *       it the run stops and says so;</li>
 *   <li>{@code from} redoes the named stage and every later one: their folders are renamed aside
 *       ({@code <folder>.replaced-<time>}, nothing is deleted);</li>
 *   <li>a failing stage stops the pipeline with a {@link PipelineException} naming it.</li>
 * </ul>
 * Wall time per stage is the sum over the sessions that ran it (a session ended by Ctrl-C counts, one
 * killed outright does not).
 */
public final class Pipeline {
    /** The completion marker in a stage's folder. */
    public static final String DONE = "stage.json";
    /** Wall time of earlier, unfinished attempts of a stage. */
    static final String TIME = "stage-time.json";
    /** Key of a model stage's target-val metrics ({@code SegMetrics.toJson()}) in its result. */
    public static final String TARGET_VAL = "target_val";

    private final Path out;
    private final List<PipelineStage> stages;

    /** What became of a stage in this run. */
    public record Outcome(PipelineStage stage, Path dir, Map<String, Object> result, double seconds, boolean skipped) {
    }

    public Pipeline(Path out, List<PipelineStage> stages) {
        this.out = out;
        this.stages = List.copyOf(stages);
        if (stages.stream().map(PipelineStage::folder).distinct().count() != stages.size()) {
            throw new IllegalArgumentException("pipeline stages must have distinct folders");
        }
    }

    public List<PipelineStage> stages() {
        return stages;
    }

    /** The index of a stage by name or folder; an unknown name is an error listing the known ones. */
    public int indexOf(String stage) {
        for (int i = 0; i < stages.size(); i++) {
            if (stages.get(i).name().equals(stage) || stages.get(i).folder().equals(stage)) {
                return i;
            }
        }
        throw new IllegalArgumentException("--from " + stage + ": no such stage in this pipeline; stages: "
                + String.join(", ", stages.stream().map(PipelineStage::name).toList()));
    }

    public List<Outcome> run(boolean resume, String from) {
        int fromIndex = from == null ? -1 : indexOf(from);
        if (fromIndex >= 0) {
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            for (int i = fromIndex; i < stages.size(); i++) {
                Path dir = out.resolve(stages.get(i).folder());
                if (Files.exists(dir)) {
                    Path aside = out.resolve(stages.get(i).folder() + ".replaced-" + stamp);
                    try {
                        Files.move(dir, aside);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot move " + dir + " aside: " + e.getMessage(), e);
                    }
                    System.out.println("pipeline: --from " + from + ": moved " + dir + " to " + aside);
                }
            }
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            PipelineStage st = stages.get(i);
            Path dir = out.resolve(st.folder());
            String tag = String.format(Locale.ROOT, "[%d/%d] %s", i + 1, stages.size(), st.folder());
            Path marker = dir.resolve(DONE);
            if (Files.isRegularFile(marker)) {
                Map<?, ?> m = Json.read(marker, Map.class);
                @SuppressWarnings("unchecked")
                Map<String, Object> result = m.get("result") instanceof Map<?, ?> r ? (Map<String, Object>) r : Map.of();
                double secs = m.get("seconds") instanceof Number n ? n.doubleValue() : Double.NaN;
                System.out.println("pipeline " + tag + ": already complete, skipped");
                outcomes.add(new Outcome(st, dir, result, secs, true));
                continue;
            }
            boolean interrupted = Files.exists(dir);
            if (interrupted && !resume && fromIndex < 0) {
                throw new IllegalArgumentException("pipeline: stage " + st.folder() + " (" + st.name() + ") was started "
                        + "before and did not finish (" + dir + "): use --resume to continue it, --from " + st.name()
                        + " to redo it, or another output_dir");
            }
            System.out.println("pipeline " + tag + ": " + (interrupted ? "resuming " : "running ") + st.name()
                    + " in " + dir);
            double before = earlierSeconds(dir);
            long t0 = System.nanoTime();
            Thread hook = new Thread(() -> addTime(dir, before, t0));
            Runtime.getRuntime().addShutdownHook(hook);
            Map<String, Object> result;
            try {
                Files.createDirectories(dir);
                result = st.run(dir, interrupted);
            } catch (Exception | Error e) {
                removeHook(hook);
                addTime(dir, before, t0);
                String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                throw new PipelineException(st.name(), "stage " + st.folder() + " (" + st.name() + ") failed: " + msg
                        + " [fix it and rerun with --resume to continue from this stage]", e);
            }
            removeHook(hook);
            // as plain JSON values, so a fresh result is the same as one read back from the marker
            @SuppressWarnings("unchecked")
            Map<String, Object> plain = result == null ? Map.of() : Json.MAPPER.convertValue(result, LinkedHashMap.class);
            result = plain;
            double secs = before + (System.nanoTime() - t0) / 1e9;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stage", st.name());
            m.put("folder", st.folder());
            m.put("completed", LocalDateTime.now().toString());
            m.put("seconds", secs);
            m.put("result", result);
            Json.write(marker, m);
            System.out.printf(Locale.ROOT, "pipeline %s: %s complete in %.0f s%n", tag, st.name(), secs);
            outcomes.add(new Outcome(st, dir, result, secs, false));
        }
        return outcomes;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down already: the hook records the time
        }
    }

    private static double earlierSeconds(Path dir) {
        Path f = dir.resolve(TIME);
        if (!Files.isRegularFile(f)) {
            return 0;
        }
        try {
            return Json.read(f, Map.class).get("seconds") instanceof Number n ? n.doubleValue() : 0;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static void addTime(Path dir, double before, long t0) {
        try {
            Files.createDirectories(dir);
            Json.write(dir.resolve(TIME), Map.of("seconds", before + (System.nanoTime() - t0) / 1e9));
        } catch (IOException | RuntimeException e) {
            // best effort: only the time figure is lost
        }
    }
}
