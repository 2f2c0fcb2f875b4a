package io.udas.pipeline;

import io.udas.data.TinyDemo;
import io.udas.config.RunConfig;
import io.udas.config.Size;
import io.udas.config.Stage;
import io.udas.data.Dataset;
import io.udas.data.DemoData;
import io.udas.data.RunData;
import io.udas.model.SegmentationModel;
import io.udas.pseudo.PseudoLabeler;
import io.udas.train.TrainingLoop;
import io.udas.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The real self-training stage end to end on a tiny demo set with a tiny network (2 student iterations). */
class SelfTrainingRunTest {
    @TempDir
    Path dir;

    @Test
    void roundWritesPseudoLabelsStudentAndReports() throws Exception {
        Path data = dir.resolve("data");
        TinyDemo.generate(data, 32, 64, 2, 4, 2);
        RunConfig cfg = new RunConfig();
        cfg.name = "tiny";
        cfg.stage = Stage.STUDENT;
        cfg.data.target = DemoData.targetConfig(data, "train");
        cfg.data.targetVal = DemoData.targetConfig(data, "val");
        cfg.data.labeledTarget = 1;
        cfg.data.loaderThreads = 1;
        cfg.model.depth = 18;
        cfg.model.width = 0.125;
        cfg.model.asppDilations = List.of(2, 4);
        cfg.augment.crop = new Size(32, 32);
        cfg.train.batchSize = 2;
        cfg.train.evalEvery = 0;
        cfg.train.checkpointEvery = 1;
        cfg.pseudo.views = 2;
        cfg.pseudo.threshold = 0.0;
        cfg.student.rounds = 1;
        cfg.student.iterations = 2;
        Path teacher = dir.resolve("teacher.zip");
        SegmentationModel.create(cfg.model, 3, false).save(teacher, Map.of());
        cfg.train.init = teacher.toString();
        Path out = dir.resolve("st");

        TrainingLoop.Result r = SelfTraining.run(cfg, out, false);

        assertTrue(r.iterations() >= 2);
        Path labels = PseudoLabeler.labelsDir(out.resolve("round-1/pseudo"));
        Dataset target = new RunData(cfg, out).target();
        assertEquals(4, target.withLabelsIn(labels, "pseudo").size());
        assertTrue(Files.isRegularFile(out.resolve("round-1/student/model.zip")));
        assertTrue(Files.isRegularFile(out.resolve("round-1").resolve(SelfTraining.ROUND)));
        try (var s = Files.walk(out.resolve(SelfTraining.LABELED))) {
            assertEquals(1, s.filter(Files::isRegularFile).count(), "the labeled subset's ground truth as trainIds");
        }
        Dataset student = SelfTraining.studentSet(cfg, new RunData(cfg, out), labels, out.resolve(SelfTraining.LABELED), "s");
        assertEquals(4, student.size());
        assertEquals(1, student.samples().stream().filter(s -> s.label().startsWith(out.resolve(SelfTraining.LABELED))).count());
        for (int i = 0; i < student.size(); i++) {
            for (int v : student.load(i, null, null).label()) {
                assertTrue(v == 255 || (v >= 0 && v < 19));
            }
        }
        Map<?, ?> rounds = Json.read(out.resolve(SelfTraining.ROUNDS_JSON), Map.class);
        assertFalse(((List<?>) rounds.get("rounds")).isEmpty());
        SegmentationModel best = SegmentationModel.load(out.resolve(SelfTraining.BEST));
        assertEquals(18, best.config().depth);
        assertTrue(Files.isRegularFile(out.resolve("summary.json")));
    }
}
