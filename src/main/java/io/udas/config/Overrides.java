package io.udas.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/** {@code --set a.b.c=value}: the value is parsed as YAML, so numbers, booleans and lists keep their types. */
final class Overrides {
    private Overrides() {
    }

    static void apply(ObjectNode root, String assignment, String where) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException(where + ": --set '" + assignment + "': expected key.sub=value");
        }
        String key = assignment.substring(0, eq).trim();
        String raw = assignment.substring(eq + 1);
        String[] parts = key.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = node.get(parts[i]);
            if (child == null || child.isNull()) {
                node = node.putObject(parts[i]);
            } else if (child.isObject()) {
                node = (ObjectNode) child;
            } else {
                throw new ConfigException(where + ": --set " + key + ": '" + parts[i] + "' is a value, not a section");
            }
        }
        node.set(parts[parts.length - 1], parseValue(raw));
    }

    private static JsonNode parseValue(String raw) {
        if (raw.isEmpty()) {
            return TextNode.valueOf("");
        }
        try {
            JsonNode n = ConfigLoader.yaml().readTree(raw);
            return n == null ? TextNode.valueOf(raw) : n;
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(raw);
        }
    }
}
