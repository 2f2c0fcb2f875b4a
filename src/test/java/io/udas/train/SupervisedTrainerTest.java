package io.udas.train;

import io.udas.config.RunConfig;
import io.udas.eval.TargetValidation;
import io.udas.model.SegmentationModel;
import io.udas.pipeline.Stages;
import io.udas.util.JsonLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SupervisedTrainerTest {
    @TempDir
    Path dir;

    @Test
    void tinyDeepLabOverfitsAFewImages() {
        // Train and validate on the same 4 labeled target images: loss must fall and mIoU rise.
        RunConfig cfg = TinyRun.load(dir, "train.on=target", "train.iterations=40", "train.lr=0.05",
                "data.target_val.split=train", "eval.max_images=4", "augment.flip=false");
        var data = new io.udas.data.RunData(cfg, dir.resolve("run"));
        SegmentationModel model = SegmentationModel.create(cfg.model, cfg.seed, false);
        var validation = TargetValidation.of(cfg, data);
        double before = validation.run(new io.udas.model.Predictor(model)).get(StageRun.SCORE);
        var trainer = new SupervisedTrainer("supervised", cfg, model, data, data.labeledTarget().orElseThrow(), 40,
                validation);
        var r = new TrainingLoop(1, 40, 40).run(trainer, dir.resolve("run"), false);
        List<Map<String, Object>> m = JsonLines.read(dir.resolve("run").resolve(TrainingLoop.METRICS));
        double first = ((Number) m.get(0).get("loss_seg")).doubleValue();
        double last = m.stream().filter(x -> x.containsKey("loss_seg")).skip(35)
                .mapToDouble(x -> ((Number) x.get("loss_seg")).doubleValue()).average().orElseThrow();
        assertTrue(last < 0.7 * first, "loss falls: " + first + " -> " + last);
        assertTrue(r.bestScore() > before + 0.05, "mIoU rises: " + before + " -> " + r.bestScore());
    }

    @Test
    void resumedRunEqualsUninterruptedRun() {
        RunConfig whole = TinyRun.load(dir, "output_dir=" + dir.resolve("a"));
        Stages.supervised(whole, whole.outputPath(), false);

        RunConfig half = TinyRun.load(dir, "output_dir=" + dir.resolve("b"), "train.iterations=4");
        // Stop after 2 of 4 iterations: same schedule (iterations=4), loop cut by a failing third step.
        var data = new io.udas.data.RunData(half, half.outputPath());
        SegmentationModel m = SegmentationModel.create(half.model, half.seed, false);
        var stage = new SupervisedTrainer("supervised", half, m, data, data.source(), 4, io.udas.train.Validation.none());
        StageRun interrupted = new StageRun() {
            @Override public String stage() { return stage.stage(); }
            @Override public long iterations() { return stage.iterations(); }
            @Override public Map<String, Double> step(long it) {
                if (it == 2) {
                    throw new NonFiniteLossException("simulated crash");
                }
                return stage.step(it);
            }
            @Override public Map<String, org.nd4j.linalg.api.ndarray.INDArray> state() { return stage.state(); }
            @Override public void restore(Map<String, org.nd4j.linalg.api.ndarray.INDArray> s) { stage.restore(s); }
            @Override public Map<String, Double> validate(long it) { return Map.of(); }
            @Override public void saveBest(Path d, long it, double s) { }
            @Override public void finish(Path d) { }
        };
        assertThrows(NonFiniteLossException.class,
                () -> new TrainingLoop(1, 2, 0).run(interrupted, half.outputPath(), false));
        Stages.supervised(half, half.outputPath(), true);

        var a = SegmentationModel.load(dir.resolve("a").resolve(SupervisedTrainer.FINAL)).weights();
        var b = SegmentationModel.load(dir.resolve("b").resolve(SupervisedTrainer.FINAL)).weights();
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertEquals(v, b.get(k), k));
    }
}
