package io.udas.sweep;

import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;

import java.util.List;
import java.util.Map;

/**
 * A continuous Arbiter leaf that is uniform in log space: {@code getValue(x) = exp(ln min + x (ln max - ln min))}.
 * Arbiter's grid search treats unknown leaves as continuous, so a grid over it is log-spaced
 * (1e-4, 1e-3, 1e-2 for three points) and random search samples log-uniformly.
 */
final class LogUniformSpace implements ParameterSpace<Double> {
    private final double min;
    private final double max;
    private int index = -1;

    LogUniformSpace(double min, double max) {
        if (!(min > 0) || !(max >= min)) {
            throw new IllegalArgumentException("log scale needs 0 < min <= max, got [" + min + ", " + max + "]");
        }
        this.min = min;
        this.max = max;
    }

    @Override
    public Double getValue(double[] parameterValues) {
        if (index < 0) {
            throw new IllegalStateException("parameter index not set");
        }
        double x = parameterValues[index];
        double v = Math.exp(Math.log(min) + x * (Math.log(max) - Math.log(min)));
        return Math.min(max, Math.max(min, v));
    }

    @Override
    public int numParameters() {
        return 1;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public List<ParameterSpace> collectLeaves() {
        return List.of(this);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Map<String, ParameterSpace> getNestedSpaces() {
        return Map.of();
    }

    @Override
    public boolean isLeaf() {
        return true;
    }

    @Override
    public void setIndices(int... indices) {
        if (indices == null || indices.length != 1) {
            throw new IllegalArgumentException("expected one index");
        }
        this.index = indices[0];
    }

    @Override
    public String toString() {
        return "LogUniformSpace(" + min + ", " + max + ")";
    }
}
