package io.udas.pipeline;

import io.udas.eval.ComparisonTable;
import io.udas.eval.ConfusionMatrix;
import io.udas.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Stage skipping, resumption, --from and failure handling, with fake stages. */
class PipelineTest {
    @TempDir
    Path out;

    /** Records its calls; fails while {@code failuresLeft} > 0 (after leaving a file, like a checkpoint). */
    static final class Fake implements PipelineStage {
        final String name;
        final String folder;
        final String row;
        final double miou;
        final List<Boolean> calls = new ArrayList<>();
        int failuresLeft;

        Fake(String name, String folder, String row, double miou) {
            this.name = name;
            this.folder = folder;
            this.row = row;
            this.miou = miou;
        }

        @Override public String name() { return name; }
        @Override public String folder() { return folder; }
        @Override public String row() { return row; }

        @Override
        public Map<String, Object> run(Path dir, boolean resume) throws Exception {
            calls.add(resume);
            Files.writeString(dir.resolve("partial.txt"), "started");
            if (failuresLeft > 0) {
                failuresLeft--;
                throw new IllegalStateException("boom in " + name);
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", dir.resolve("best.zip").toString());
            if (!Double.isNaN(miou)) {
                r.put(Pipeline.TARGET_VAL, metrics(miou).metrics().toJson());
            }
            return r;
        }
    }

    /** A 19-class confusion matrix whose mIoU over classes 0 and 1 is {@code miou} (others absent). */
    static ConfusionMatrix metrics(double miou) {
        ConfusionMatrix cm = new ConfusionMatrix(19);
        int correct = (int) Math.round(miou * 100);
        int[] pred = new int[200];
        int[] gt = new int[200];
        for (int i = 0; i < 200; i++) {
            int c = i / 100;
            gt[i] = c;
            pred[i] = (i % 100) < correct ? c : 5; // misses go to a class absent from the ground truth
        }
        cm.add(pred, gt);
        return cm;
    }

    List<Fake> fakes() {
        return List.of(new Fake("cyclegan", "01-cyclegan", null, Double.NaN),
                new Fake("source-only", "03-source-only", "No adaptation", 0.2),
                new Fake("uda", "05-uda", "ST + UDA", 0.4),
                new Fake("self-training", "06-self-training", "ST + UDA + SSL", 0.5));
    }

    @Test
    void completedStagesAreSkippedOnRerun() {
        List<Fake> f = fakes();
        List<Pipeline.Outcome> o = new Pipeline(out, List.copyOf(f)).run(false, null);
        assertEquals(4, o.size());
        for (Fake s : f) {
            assertEquals(List.of(false), s.calls, s.name + " ran once, fresh");
            assertTrue(Files.isRegularFile(out.resolve(s.folder).resolve(Pipeline.DONE)));
        }
        // a plain rerun skips every completed stage (no --resume needed) and keeps their results
        List<Pipeline.Outcome> again = new Pipeline(out, List.copyOf(f)).run(false, null);
        for (Fake s : f) {
            assertEquals(1, s.calls.size(), s.name + " not run again");
        }
        assertTrue(again.stream().allMatch(Pipeline.Outcome::skipped));
        assertEquals(o.get(2).result().get("model"), again.get(2).result().get("model"));
        assertNotNull(again.get(2).result().get(Pipeline.TARGET_VAL));
    }

    @Test
    void failingStageStopsTheRunNamingItAndResumes() {
        List<Fake> f = fakes();
        f.get(2).failuresLeft = 1;
        PipelineException e = assertThrows(PipelineException.class, () -> new Pipeline(out, List.copyOf(f)).run(false, null));
        assertEquals("uda", e.stage());
        assertTrue(e.getMessage().contains("05-uda") && e.getMessage().contains("boom in uda"), e.getMessage());
        assertTrue(f.get(3).calls.isEmpty(), "later stages do not run");
        assertFalse(Files.exists(out.resolve("05-uda").resolve(Pipeline.DONE)));
        assertTrue(Files.isRegularFile(out.resolve("05-uda").resolve(Pipeline.TIME)), "time of the failed attempt kept");

        // without --resume the interrupted stage is not silently restarted
        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class,
                () -> new Pipeline(out, List.copyOf(f)).run(false, null));
        assertTrue(iae.getMessage().contains("--resume") && iae.getMessage().contains("05-uda"), iae.getMessage());

        new Pipeline(out, List.copyOf(f)).run(true, null);
        assertEquals(List.of(false), f.get(0).calls, "completed: skipped");
        assertEquals(List.of(false), f.get(1).calls);
        assertEquals(List.of(false, true), f.get(2).calls, "the interrupted stage resumes");
        assertEquals(List.of(false), f.get(3).calls, "a stage never started runs fresh");
        assertTrue(Files.isRegularFile(out.resolve("06-self-training").resolve(Pipeline.DONE)));
    }

    @Test
    void fromRedoesTheStageAndLaterOnesKeepingOldFolders() throws Exception {
        List<Fake> f = fakes();
        new Pipeline(out, List.copyOf(f)).run(false, null);
        new Pipeline(out, List.copyOf(f)).run(false, "uda");
        assertEquals(1, f.get(1).calls.size(), "earlier stages stay done");
        assertEquals(List.of(false, false), f.get(2).calls, "redone from scratch");
        assertEquals(List.of(false, false), f.get(3).calls, "later stages redone too");
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(2, s.filter(p -> p.getFileName().toString().contains(".replaced-")).count());
        }
        Pipeline p = new Pipeline(out, List.copyOf(f));
        assertEquals(2, p.indexOf("05-uda"));
        assertThrows(IllegalArgumentException.class, () -> p.indexOf("nope"));
    }

    @Test
    void stageTableAndSummary() {
        List<Fake> f = fakes();
        List<Pipeline.Outcome> o = new Pipeline(out, List.copyOf(f)).run(false, null);
        StageTable.Summary s = StageTable.write(out, o);
        double last = metrics(0.5).meanIoU();
        assertEquals(last, s.score(), 1e-9, "score = the final stage's mIoU");
        assertEquals("self-training", s.finalStage());
        ComparisonTable t = ComparisonTable.readJson(out.resolve(StageTable.JSON));
        assertEquals(List.of("No adaptation", "ST + UDA", "ST + UDA + SSL"), t.rows().stream().map(ComparisonTable.Row::name).toList());
        assertEquals(metrics(0.4).meanIoU(), t.row("ST + UDA").value(t.columns().indexOf("mIoU")), 1e-9);
        Map<?, ?> sum = Json.read(out.resolve("summary.json"), Map.class);
        assertEquals(last, ((Number) sum.get("score")).doubleValue(), 1e-9);
        assertEquals(4, ((List<?>) sum.get("stages")).size());
        String md = assertDoesNotThrow(() -> Files.readString(out.resolve(StageTable.MD)));
        assertTrue(md.contains("ST + UDA + SSL") && md.contains("Wall time per stage"), md);
        assertTrue(Files.isRegularFile(out.resolve(StageTable.PNG)));
    }
}
