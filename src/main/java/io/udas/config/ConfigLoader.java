package io.udas.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads YAML run configs into {@link RunConfig}. Strict like ADVENT: a key the schema does not know,
 * a value of the wrong type or a missing required key is an error naming the file and the key.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = configure(JsonMapper.builder(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)));

    private ConfigLoader() {
    }

    private static ObjectMapper configure(JsonMapper.Builder b) {
        ObjectMapper m = b.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .build();
        // "abc" for a number or 3 for a string are type errors, not silent conversions.
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return m;
    }

    /** The shared YAML mapper (snake_case keys), also used to write resolved configs. */
    public static ObjectMapper yaml() {
        return YAML;
    }

    public static RunConfig load(Path file) {
        return load(file, List.of());
    }

    /**
     * Loads {@code file}, applies {@code key.sub=value} overrides in order, binds and validates.
     *
     * @throws ConfigException naming the file and key of the first problems found
     */
    public static RunConfig load(Path file, List<String> overrides) {
        String where = file.toString();
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(where + ": config file not found");
        }
        JsonNode tree;
        try {
            tree = YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(where + ": not valid YAML: " + firstLine(e.getMessage()));
        }
        if (tree == null || !tree.isObject()) {
            throw new ConfigException(where + ": expected a mapping of config keys at the top level");
        }
        return bind((ObjectNode) tree, overrides, where, file);
    }

    /** Binds an already-parsed tree (used by sweeps that build configs in memory). */
    public static RunConfig bind(ObjectNode tree, List<String> overrides, String where, Path file) {
        for (String o : overrides) {
            Overrides.apply(tree, o, where);
        }
        RunConfig cfg;
        try {
            cfg = YAML.treeToValue(tree, RunConfig.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException(where + ": " + describe(e));
        }
        if (cfg.name == null && file != null) {
            String fn = file.getFileName().toString();
            cfg.name = fn.replaceFirst("\\.ya?ml$", "");
        }
        Validator v = new Validator();
        cfg.validate(v);
        if (!v.errors().isEmpty()) {
            throw new ConfigException(where + ": " + String.join("; ", v.errors()));
        }
        return cfg;
    }

    /** The fully resolved config as YAML (written into every run folder). */
    public static String toYaml(Object cfg) {
        try {
            return YAML.writeValueAsString(cfg);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise config", e);
        }
    }

    /** A deep copy through the tree model, so that sweeps and pipelines can derive configs safely. */
    public static RunConfig copy(RunConfig cfg) {
        return YAML.convertValue(YAML.valueToTree(cfg), RunConfig.class);
    }

    /** One line for a Jackson binding error: the key path and what was expected. */
    public static String describe(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : u.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            return "unknown key '" + pathOf(u) + "' (known keys here: " + known + ")";
        }
        if (e instanceof InvalidFormatException f) {
            return "key " + pathOf(f) + ": expected " + typeName(f.getTargetType()) + ", got '" + f.getValue() + "'";
        }
        if (e instanceof MismatchedInputException m) {
            return "key " + pathOf(m) + ": expected " + typeName(m.getTargetType()) + " (" + firstLine(m.getOriginalMessage()) + ")";
        }
        return firstLine(e.getOriginalMessage());
    }

    private static String typeName(Class<?> t) {
        if (t == null) {
            return "another type";
        }
        if (t.isEnum()) {
            StringBuilder sb = new StringBuilder("one of ");
            Object[] values = t.getEnumConstants();
            for (int i = 0; i < values.length; i++) {
                sb.append(i == 0 ? "" : "/").append(values[i].toString().toLowerCase());
            }
            return sb.toString();
        }
        if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
            return "an integer";
        }
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
            return "a number";
        }
        if (t == boolean.class || t == Boolean.class) {
            return "true or false";
        }
        if (t == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(t) || t.isArray()) {
            return "a list";
        }
        return "a mapping (" + t.getSimpleName() + ")";
    }

    private static String pathOf(MismatchedInputException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                sb.append(sb.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.length() == 0 ? "<top level>" : sb.toString();
    }

    public static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
