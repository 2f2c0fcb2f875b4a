package io.udas.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.udas.sweep.SweepSpec.ParamType;
import io.udas.sweep.SweepSpec.Scale;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** A validated sweep parameter: its Arbiter leaf and how a leaf value becomes config overrides. */
final class Param {
    /** Reserved keys of a named override set. */
    static final String COMMAND = "command";
    static final String BASE = "base";

    /** One discrete choice: its text (a value or a label) and what it sets. */
    record Choice(String text, List<String> overrides, String command, String base) {
    }

    /** A parameter's value in one trial. */
    record Value(String text, List<String> overrides, String command, String base) {
    }

    final String name;
    final ParamType type;
    final double min;
    final double max;
    final Scale scale;
    /** Discrete choices (empty for ranges). */
    final List<Choice> choices;
    /** True when the choices are labels standing for override sets (name is then a label, not a config key). */
    final boolean named;

    private Param(String name, ParamType type, double min, double max, Scale scale, List<Choice> choices, boolean named) {
        this.name = name;
        this.type = type;
        this.min = min;
        this.max = max;
        this.scale = scale;
        this.choices = choices;
        this.named = named;
    }

    static Param range(String name, ParamType type, double min, double max, Scale scale) {
        return new Param(name, type, min, max, scale, List.of(), false);
    }

    /** Discrete values of the config key {@code name}. */
    static Param list(String name, JsonNode values) {
        List<Choice> cs = new ArrayList<>();
        for (JsonNode v : values) {
            String text = Values.text(v);
            cs.add(new Choice(text, List.of(name + "=" + text), null, null));
        }
        return new Param(name, ParamType.DISCRETE, 0, 0, Scale.LINEAR, cs, false);
    }

    /** Labels standing for override sets: {label: {key: value, ..., command: train, base: file}}. */
    static Param named(String name, JsonNode mapping) {
        List<Choice> cs = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = mapping.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            List<String> sets = new ArrayList<>();
            String command = null;
            String base = null;
            if (e.getValue() != null && e.getValue().isObject()) {
                Iterator<Map.Entry<String, JsonNode>> kv = e.getValue().fields();
                while (kv.hasNext()) {
                    Map.Entry<String, JsonNode> o = kv.next();
                    switch (o.getKey()) {
                        case COMMAND -> command = o.getValue().asText();
                        case BASE -> base = o.getValue().asText();
                        default -> sets.add(o.getKey() + "=" + Values.text(o.getValue()));
                    }
                }
            }
            cs.add(new Choice(e.getKey(), List.copyOf(sets), command, base));
        }
        return new Param(name, ParamType.DISCRETE, 0, 0, Scale.LINEAR, cs, true);
    }

    /** The Arbiter leaf: discrete parameters are searched over their choice indices. */
    @SuppressWarnings("rawtypes")
    ParameterSpace leaf() {
        return switch (type) {
            case CONTINUOUS -> scale == Scale.LOG ? new LogUniformSpace(min, max) : new ContinuousParameterSpace(min, max);
            case INTEGER -> new IntegerParameterSpace((int) min, (int) max);
            case DISCRETE -> new DiscreteParameterSpace<>(IntStream.range(0, choices.size()).boxed().toList());
        };
    }

    /** The trial value for a leaf value from an Arbiter candidate. */
    Value value(Object leafValue) {
        return switch (type) {
            case CONTINUOUS -> {
                String t = Values.formatDouble(Values.round(((Number) leafValue).doubleValue()));
                yield new Value(t, List.of(name + "=" + t), null, null);
            }
            case INTEGER -> {
                String t = Long.toString(((Number) leafValue).longValue());
                yield new Value(t, List.of(name + "=" + t), null, null);
            }
            case DISCRETE -> {
                Choice c = choices.get(((Number) leafValue).intValue());
                yield new Value(c.text(), c.overrides(), c.command(), c.base());
            }
        };
    }

    boolean numeric() {
        return type != ParamType.DISCRETE || choices.stream().allMatch(c -> !named && Values.numeric(c.text()) != null);
    }
}
