package io.udas.train.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Updates parameters in place from their gradients. One instance per parameter group; its state
 * (momentum buffers, Adam moments, step count) is exposed as named arrays so checkpoints can restore
 * it exactly: SameDiff does not save the state of hand-run updaters.
 */
public interface Optimizer {
    /**
     * Applies one update with learning rate {@code lr} to every parameter that has a gradient. The gradient arrays are
     * scratch space afterwards (updates are computed in them, so a step allocates no temporaries).
     */
    void step(Map<String, INDArray> params, Map<String, INDArray> grads, double lr);

    /** The state as named arrays (names are parameter names plus a suffix). */
    Map<String, INDArray> state();

    /** Restores a state produced by {@link #state()}. */
    void loadState(Map<String, INDArray> state);
}
