package io.udas.train;

import io.udas.model.Predictor;

import java.util.Map;

/**
 * Scores a model during training (target-val mIoU under {@link StageRun#SCORE}). Supplied by the
 * caller (the eval package implements it), so trainers do not depend on evaluation code.
 */
@FunctionalInterface
public interface Validation {
    Map<String, Double> run(Predictor predictor);

    static Validation none() {
        return p -> Map.of();
    }
}
