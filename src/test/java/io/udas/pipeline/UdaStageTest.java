package io.udas.pipeline;

import io.udas.config.RunConfig;
import io.udas.data.RunData;
import io.udas.eval.TargetValidation;
import io.udas.model.SegmentationModel;
import io.udas.train.Checkpoint;
import io.udas.train.StageRun;
import io.udas.train.SupervisedTrainer;
import io.udas.train.TrainingLoop;
import io.udas.train.uda.UdaFixtures;
import io.udas.train.uda.UdaTrainer;
import io.udas.util.JsonLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The uda stage end to end on tiny data: outputs, metrics, and exact resume of every network and optimiser. */
class UdaStageTest {
    @TempDir
    Path tmp;

    /** Delegates to a trainer but fails at iteration {@code failAt} (0-based), like a killed run. */
    private record Interrupted(StageRun inner, long failAt) implements StageRun {
        @Override public String stage() { return inner.stage(); }
        @Override public long iterations() { return inner.iterations(); }

        @Override
        public Map<String, Double> step(long iteration) {
            if (iteration == failAt) {
                throw new IllegalStateException("interrupted");
            }
            return inner.step(iteration);
        }

        @Override public Map<String, INDArray> state() { return inner.state(); }
        @Override public void restore(Map<String, INDArray> state) { inner.restore(state); }
        @Override public Map<String, Double> validate(long iteration) { return inner.validate(iteration); }
        @Override public void saveBest(Path runDir, long iteration, double score) { inner.saveBest(runDir, iteration, score); }
        @Override public void finish(Path runDir) { inner.finish(runDir); }
    }

    private static RunConfig config(Path data, Path out) {
        RunConfig cfg = UdaFixtures.config(data, out, 2, 4);
        // every optional path on: CutMix, the auxiliary level and its discriminator, temperature, masking, LSGAN
        cfg.uda.auxEnabled = true;
        cfg.uda.temperature = 2.0;
        cfg.uda.confidenceMask = 0.06;
        cfg.uda.ganLoss = io.udas.config.GanLoss.LSGAN;
        return cfg;
    }

    @Test
    void runWritesModelsAndMetricsAndResumesExactly() {
        Path data = UdaFixtures.demoData(tmp.resolve("data"));
        Path whole = tmp.resolve("whole");
        TrainingLoop.Result r = UdaStage.run(config(data, whole), whole, false);
        assertEquals(4, r.iterations());
        assertTrue(Double.isFinite(r.bestScore()), "validated at the end");
        assertTrue(Files.isRegularFile(whole.resolve(SupervisedTrainer.BEST)));
        SegmentationModel m = SegmentationModel.load(whole.resolve(SupervisedTrainer.FINAL));
        assertTrue(m.weights().containsKey("layer5.conv2d_list.0.weight"));
        List<Map<String, Object>> metrics = JsonLines.read(whole.resolve(TrainingLoop.METRICS));
        Map<String, Object> first = metrics.get(0);
        for (String k : List.of("loss_seg", "loss_cm", "loss_adv", "loss_adv_aux", "loss_d", "loss_d_aux", "d_acc_src",
                "d_acc_tgt", "lr", "lr_d", "sec_per_iter")) {
            assertTrue(first.containsKey(k), k + " in " + first);
        }
        assertTrue(metrics.stream().anyMatch(x -> x.containsKey("val_miou")));

        // the same run, killed during iteration 3 (after the checkpoint at 2) and resumed
        Path split = tmp.resolve("split");
        RunConfig cfg = config(data, split);
        RunData rd = new RunData(cfg, split);
        StageRun t = new UdaTrainer(cfg, Stages.initialModel(cfg, true), rd, TargetValidation.of(cfg, rd));
        assertThrows(IllegalStateException.class,
                () -> Stages.runLoop(new Interrupted(t, 2), cfg, split, false, 1, 2, 0));
        assertEquals(2, Checkpoint.load(split.resolve(Checkpoint.FILE)).iteration());
        UdaStage.run(config(data, split), split, true);

        Map<String, INDArray> a = Checkpoint.load(whole.resolve(Checkpoint.FILE)).arrays();
        Map<String, INDArray> b = Checkpoint.load(split.resolve(Checkpoint.FILE)).arrays();
        assertEquals(a.keySet(), b.keySet());
        assertTrue(a.keySet().stream().anyMatch(k -> k.startsWith("disc_aux.")));
        assertTrue(a.keySet().stream().anyMatch(k -> k.startsWith("opt.disc.") && k.endsWith(".adam_v")));
        assertTrue(a.keySet().stream().anyMatch(k -> k.startsWith("opt.head.") && k.endsWith(".momentum")));
        for (String k : a.keySet()) {
            assertEquals(a.get(k), b.get(k), k);
        }
        assertEquals(4, JsonLines.read(split.resolve(TrainingLoop.METRICS)).stream()
                .filter(x -> x.containsKey("loss_seg")).count(), "no iteration logged twice");
    }
}
