package io.udas.eval;

import io.udas.config.RunConfig;
import io.udas.data.RunData;
import io.udas.train.StageRun;
import io.udas.train.Validation;

import java.util.LinkedHashMap;
import java.util.Map;

/** The validation every segmenter stage reports: mIoU and pixel accuracy on data.target_val. */
public final class TargetValidation {
    private TargetValidation() {
    }

    /** Validation on target val, or none when the config has no data.target_val. */
    public static Validation of(RunConfig cfg, RunData data) {
        if (cfg.data.targetVal == null) {
            return Validation.none();
        }
        return predictor -> {
            SegMetrics m = ModelEvaluation.run(predictor, data.eval(data.targetVal()), data.normalizer(),
                    cfg.model.numClasses, cfg.model.alignCorners).metrics();
            Map<String, Double> out = new LinkedHashMap<>();
            out.put(StageRun.SCORE, m.miou());
            out.put("pixel_accuracy", m.pixelAccuracy());
            return out;
        };
    }
}
