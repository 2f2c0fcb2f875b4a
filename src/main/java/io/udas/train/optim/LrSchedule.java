package io.udas.train.optim;

/** Learning rate as a function of the iteration (0-based). */
@FunctionalInterface
public interface LrSchedule {
    double at(long iteration);

    /**
     * DeepLab's poly decay {@code base * (1 - i/max)^power}. (ND4J's PolySchedule computes
     * {@code (1 + i/max)^p}, which grows.)
     */
    static LrSchedule poly(double base, long maxIterations, double power) {
        return i -> base * Math.pow(Math.max(0.0, 1.0 - (double) i / maxIterations), power);
    }

    /** CycleGAN's schedule: constant until {@code decayStart}, then linear to zero at {@code maxIterations}. */
    static LrSchedule linearDecay(double base, long decayStart, long maxIterations) {
        return i -> i < decayStart ? base
                : base * Math.max(0.0, 1.0 - (double) (i - decayStart) / Math.max(1, maxIterations - decayStart));
    }
}
