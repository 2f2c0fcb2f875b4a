package io.udas.config;

/** Stage 3b: student self-training rounds on pseudo-labeled target data. */
public class StudentConfig implements Validatable {
    /** Where a student starts: a copy of its teacher, or a new model (backbone weights from {@code backbone}). */
    public enum Init { TEACHER, BACKBONE }

    /** At most this many rounds; a round continues only while the student beats its teacher. */
    public int rounds = 2;
    public Init init = Init.TEACHER;
    /**
     * For init: backbone, an optional model file whose backbone weights the student takes (e.g. imported
     * ImageNet weights); the head is new. Unset: a fresh model from the seed (the pipeline passes the
     * config's original train.init).
     */
    public String backbone;
    /** Iterations per round (the optimiser settings come from train). */
    public int iterations = 1000;

    @Override
    public void validate(Validator v) {
        v.positive("rounds", rounds);
        v.require("init", init);
        v.positive("iterations", iterations);
    }
}
