package io.udas.pseudo;

import io.udas.data.TinyDemo;
import io.udas.config.RunConfig;
import io.udas.data.Dataset;
import io.udas.data.DemoData;
import io.udas.data.LabelPng;
import io.udas.data.LoadedSample;
import io.udas.model.SegmentationModel;
import io.udas.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A real (tiny, untrained) teacher labels a tiny demo target set; the folder reads back as a dataset. */
class PseudoLabelerTest {
    @TempDir
    Path dir;

    static RunConfig tinyConfig(Path data) {
        TinyDemo.generate(data, 32, 64, 4, 4, 2);
        RunConfig cfg = new RunConfig();
        cfg.data.target = DemoData.targetConfig(data, "train");
        cfg.data.targetVal = DemoData.targetConfig(data, "val");
        cfg.data.loaderThreads = 1;
        cfg.model.depth = 18;
        cfg.model.width = 0.125;
        cfg.model.asppDilations = List.of(2, 4);
        cfg.pseudo.views = 3;
        cfg.pseudo.batchSize = 3;
        cfg.pseudo.previews = 1;
        return cfg;
    }

    @Test
    void labelsFolderIsReadByWithLabelsInAndStatsAreWritten() throws Exception {
        RunConfig cfg = tinyConfig(dir.resolve("data"));
        cfg.pseudo.threshold = 0.0; // keep every pixel: the labels must equal the fused argmax
        SegmentationModel teacher = SegmentationModel.create(cfg.model, 1, false);
        Path out = dir.resolve("pseudo");
        PseudoLabeler.Result r = PseudoLabeler.run(cfg, teacher, out, Map.of("teacher", "fresh"));
        assertEquals(4, r.images());
        assertEquals(1.0, r.keptShare(), 1e-12);
        assertTrue(Double.isFinite(r.pseudoMiou()) && Double.isFinite(r.teacherMiou()), "ground truth exists in the demo");
        assertTrue(PseudoLabeler.complete(out));

        Dataset target = Dataset.open("data.target", cfg.data.target, false).unlabeled();
        Dataset pseudo = target.withLabelsIn(PseudoLabeler.labelsDir(out), "pseudo");
        assertEquals(4, pseudo.size());
        for (int i = 0; i < pseudo.size(); i++) {
            LoadedSample s = pseudo.load(i, null, null);
            assertEquals(32, s.labelHeight());
            assertEquals(64, s.labelWidth());
            for (int v : s.label()) {
                assertTrue(v >= 0 && v < 19, "trainIds with threshold 0: " + v);
            }
            Path conf = Dataset.labelFileIn(out.resolve(PseudoLabeler.CONFIDENCE), pseudo.sample(i));
            assertTrue(Files.isRegularFile(conf), conf.toString());
            for (int v : LabelPng.read(conf).values()) {
                assertTrue(v >= 255 / 19, "the max of 19 probabilities is at least 1/19: " + v);
            }
        }
        assertTrue(Files.list(out.resolve(PseudoLabeler.PREVIEW)).count() >= 3, "image, pseudo-label, ground truth");

        Map<?, ?> stats = Json.read(out.resolve(PseudoLabeler.STATS), Map.class);
        assertEquals(3, ((List<?>) stats.get("views")).size());
        assertTrue(((Map<?, ?>) stats.get("analysis")).containsKey("teacher"));
        assertEquals("fresh", stats.get("teacher"));
        PseudoLabeler.Result back = PseudoLabeler.Result.read(out);
        assertEquals(r.pseudoMiou(), back.pseudoMiou(), 1e-12);
        // with nothing thresholded away, the pseudo-labels' score is the fused argmax's
        assertEquals(r.fusedMiou(), r.pseudoMiou(), 1e-12);
    }

    @Test
    void highThresholdIgnoresUnconfidentPixels() {
        RunConfig cfg = tinyConfig(dir.resolve("data"));
        cfg.pseudo.threshold = 1.0; // an untrained teacher is never certain
        cfg.pseudo.saveConfidence = false;
        cfg.pseudo.views = 1;
        SegmentationModel teacher = SegmentationModel.create(cfg.model, 1, false);
        Path out = dir.resolve("pseudo");
        PseudoLabeler.Result r = PseudoLabeler.run(cfg, teacher, out, null);
        assertEquals(0.0, r.keptShare(), 1e-12);
        assertTrue(Double.isNaN(r.pseudoMiou()), "no kept pixel: undefined");
        assertFalse(Files.exists(out.resolve(PseudoLabeler.CONFIDENCE)));
        Dataset target = Dataset.open("data.target", cfg.data.target, false);
        Dataset pseudo = target.withLabelsIn(PseudoLabeler.labelsDir(out), "pseudo");
        for (int v : pseudo.load(0, null, null).label()) {
            assertEquals(255, v);
        }
    }
}
