package io.udas.pipeline;

import io.udas.config.RunConfig;
import io.udas.data.RunData;
import io.udas.eval.TargetValidation;
import io.udas.model.SegmentationModel;
import io.udas.train.TrainingLoop;
import io.udas.train.uda.UdaTrainer;

import java.nio.file.Path;

/**
 * The UDA stage (stage: uda): adversarial output-space adaptation from data.source to data.target,
 * with CutMix on the labeled target subset when data.labeled_target > 0 and uda.lambda_cm > 0.
 * Writes best.zip and model.zip (the self-training stage's teacher), metrics and checkpoints.
 */
public final class UdaStage {
    private UdaStage() {
    }

    public static TrainingLoop.Result run(RunConfig cfg, Path dir, boolean resume) {
        if (cfg.data.source == null) {
            throw new IllegalArgumentException("data.source: required for stage uda (labeled source images)");
        }
        if (cfg.data.target == null) {
            throw new IllegalArgumentException("data.target: required for stage uda (target images to adapt to)");
        }
        Stages.ensureDemoData(cfg);
        RunData data = new RunData(cfg, dir);
        SegmentationModel model = Stages.initialModel(cfg, cfg.uda.auxEnabled);
        UdaTrainer stage = new UdaTrainer(cfg, model, data, TargetValidation.of(cfg, data));
        System.out.println("uda: " + (stage.cutMixEnabled()
                ? "adversarial + CutMix on " + cfg.data.labeledTarget + " labeled target images"
                : "pure UDA (adversarial only, no CutMix term)")
                + ", lambda_adv " + cfg.uda.lambdaAdv + (stage.cutMixEnabled() ? ", lambda_cm " + cfg.uda.lambdaCm : ""));
        return Stages.runLoop(stage, cfg, dir, resume, cfg.train.logEvery, cfg.train.checkpointEvery,
                cfg.train.evalEvery);
    }
}
