package io.udas.config;

/** Stage 3b: student self-training rounds on pseudo-labeled target data. */
public class StudentConfig implements Validatable {
    public enum Init { TEACHER, BACKBONE }

    /** At most this many rounds; a round continues only while the student beats its teacher. */
    public int rounds = 2;
    public Init init = Init.TEACHER;
    /** Iterations per round (the optimiser settings come from train). */
    public int iterations = 1000;

    @Override
    public void validate(Validator v) {
        v.positive("rounds", rounds);
        v.require("init", init);
        v.positive("iterations", iterations);
    }
}
