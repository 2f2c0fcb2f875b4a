package io.udas.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a stage trainer gives the {@link TrainingLoop}: its steps, its resumable state and its
 * validation. The loop owns cadence, checkpoints, metrics, progress and failure handling, so that
 * every stage resumes, logs and stops on NaN the same way.
 */
public interface StageRun {
    /** Stage name, written into checkpoints and metrics. */
    String stage();

    long iterations();

    /** One optimisation step at 0-based {@code iteration}; returns its figures (loss terms, LR, ...). */
    Map<String, Double> step(long iteration);

    /** Every array needed to resume exactly (weights and optimiser states). */
    Map<String, INDArray> state();

    void restore(Map<String, INDArray> state);

    /** Validation figures (must contain {@link #SCORE} to take part in best-model selection); empty when there is no validation data. */
    Map<String, Double> validate(long iteration);

    /** Called when validation improved: keep the current weights as the best model. */
    void saveBest(Path runDir, long iteration, double score);

    /** Called once at the end: write the final model and any summaries. */
    void finish(Path runDir);

    String SCORE = "miou";
}
