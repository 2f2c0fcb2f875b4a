package io.udas.train;

import io.udas.train.optim.ParamGroup;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;

/** Packs a stage's weights and optimiser states into one flat checkpoint map by prefix, and back. */
public final class TrainState {
    private final Map<String, INDArray> arrays = new HashMap<>();

    public TrainState put(String prefix, Map<String, INDArray> values) {
        values.forEach((k, v) -> arrays.put(prefix + k, v));
        return this;
    }

    /** Adds each group's optimiser state under {@code opt.<group>.}. */
    public TrainState optimizers(TrainingGraph graph, String... groups) {
        for (String g : groups) {
            put("opt." + g + ".", graph.group(g).optimizer().state());
        }
        return this;
    }

    public Map<String, INDArray> arrays() {
        return arrays;
    }

    /** The entries under {@code prefix}, with the prefix removed. */
    public static Map<String, INDArray> sub(Map<String, INDArray> state, String prefix) {
        Map<String, INDArray> out = new HashMap<>();
        state.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** Assigns saved weights into live arrays (the graphs keep their references); all must be present. */
    public static void assign(Map<String, INDArray> live, Map<String, INDArray> saved, String what) {
        for (var e : live.entrySet()) {
            INDArray s = saved.get(e.getKey());
            if (s == null) {
                throw new IllegalArgumentException("checkpoint lacks " + what + " array " + e.getKey());
            }
            e.getValue().assign(s);
        }
    }

    /** Restores each group's optimiser from {@code opt.<group>.}. */
    public static void restoreOptimizers(Map<String, INDArray> state, TrainingGraph graph, String... groups) {
        for (String g : groups) {
            ParamGroup group = graph.group(g);
            group.optimizer().loadState(sub(state, "opt." + g + "."));
        }
    }
}
