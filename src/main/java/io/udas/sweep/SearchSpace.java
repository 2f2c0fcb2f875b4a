package io.udas.sweep;

import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sweep's Arbiter search space: one leaf per parameter, in sweep-file order. Arbiter's candidate
 * generators assign the leaves their indices (in {@link #collectLeaves()} order) and call
 * {@link #getValue} with one number in [0, 1] per leaf; the value is a map parameter name to leaf value.
 */
final class SearchSpace implements ParameterSpace<Map<String, Object>> {
    private final List<String> names;
    @SuppressWarnings("rawtypes")
    private final List<ParameterSpace> leaves;

    @SuppressWarnings("rawtypes")
    SearchSpace(List<String> names, List<ParameterSpace> leaves) {
        if (names.size() != leaves.size()) {
            throw new IllegalArgumentException("one leaf per name");
        }
        this.names = List.copyOf(names);
        this.leaves = List.copyOf(leaves);
    }

    @Override
    public Map<String, Object> getValue(double[] parameterValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), leaves.get(i).getValue(parameterValues));
        }
        return out;
    }

    @Override
    public int numParameters() {
        return leaves.size();
    }

    @Override
    @SuppressWarnings("rawtypes")
    public List<ParameterSpace> collectLeaves() {
        return new ArrayList<>(leaves);
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Map<String, ParameterSpace> getNestedSpaces() {
        Map<String, ParameterSpace> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            m.put(names.get(i), leaves.get(i));
        }
        return m;
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public void setIndices(int... indices) {
        throw new UnsupportedOperationException("not a leaf");
    }
}
