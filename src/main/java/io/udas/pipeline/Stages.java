package io.udas.pipeline;

import io.udas.config.RunConfig;
import io.udas.config.TrainConfig;
import io.udas.data.DemoData;
import io.udas.data.RunData;
import io.udas.eval.MetricsCurves;
import io.udas.eval.TargetValidation;
import io.udas.model.SegmentationModel;
import io.udas.train.RunFolder;
import io.udas.train.StageRun;
import io.udas.train.SupervisedTrainer;
import io.udas.train.TrainingLoop;

import java.nio.file.Files;
import java.nio.file.Path;

/** Wires one training stage together: run folder, data, model, validation, loop, plots. */
public final class Stages {
    private Stages() {
    }

    /**
     * Generates the demo dataset first when the config asks for it and it is missing, or regenerates
     * it when it was made with other demo settings (counts, size, seed) than the config's.
     */
    public static void ensureDemoData(RunConfig cfg) {
        if (cfg.demo == null || DemoData.matches(cfg.demo)) {
            return;
        }
        System.out.println(DemoData.exists(Path.of(cfg.demo.root))
                ? "demo data in " + cfg.demo.root + " was made with other demo settings: regenerating it for this config"
                : "demo data missing: generating it in " + cfg.demo.root);
        DemoData.generate(cfg.demo, Runtime.getRuntime().availableProcessors());
    }

    /** The segmenter a stage starts from: train.init when set, else a fresh one from the seed. */
    public static SegmentationModel initialModel(RunConfig cfg, boolean aux) {
        if (cfg.train.init == null) {
            return SegmentationModel.create(cfg.model, cfg.seed, aux);
        }
        SegmentationModel m = SegmentationModel.load(Path.of(cfg.train.init));
        if (m.config().depth != cfg.model.depth || m.config().width != cfg.model.width
                || m.config().numClasses != cfg.model.numClasses) {
            throw new IllegalArgumentException("train.init " + cfg.train.init + " is a depth-" + m.config().depth
                    + " width-" + m.config().width + " " + m.config().numClasses + "-class model, but model is depth "
                    + cfg.model.depth + " width " + cfg.model.width + " with " + cfg.model.numClasses + " classes");
        }
        return m;
    }

    /** Runs a stage's loop in {@code dir} and draws its metric curves. */
    public static TrainingLoop.Result runLoop(StageRun stage, RunConfig cfg, Path dir, boolean resume, int logEvery,
                                              int checkpointEvery, int evalEvery) {
        RunFolder.prepare(cfg, dir);
        TrainingLoop.Result r = new TrainingLoop(logEvery, checkpointEvery, evalEvery).run(stage, dir, resume);
        if (Files.exists(dir.resolve(TrainingLoop.METRICS))) {
            MetricsCurves.plot(dir.resolve(TrainingLoop.METRICS), dir.resolve("plots"));
        }
        return r;
    }

    /** The supervised stage: source-only (train.on: source) or SL on the labeled target subset. */
    public static TrainingLoop.Result supervised(RunConfig cfg, Path dir, boolean resume) {
        ensureDemoData(cfg);
        RunData data = new RunData(cfg, dir);
        var trainSet = cfg.train.on == TrainConfig.TrainOn.SOURCE ? data.source()
                : data.labeledTarget().orElseThrow(() -> new IllegalArgumentException(
                "data.labeled_target: the SL baseline needs labeled target images"));
        SegmentationModel model = initialModel(cfg, false);
        StageRun stage = new SupervisedTrainer("supervised", cfg, model, data, trainSet, cfg.train.iterations,
                TargetValidation.of(cfg, data));
        return runLoop(stage, cfg, dir, resume, cfg.train.logEvery, cfg.train.checkpointEvery, cfg.train.evalEvery);
    }
}
