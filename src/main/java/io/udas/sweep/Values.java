package io.udas.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.udas.config.ConfigLoader;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Iterator;
import java.util.Map;

/**
 * Text forms of parameter values: what {@code --set key=VALUE} gets (parsed back as YAML by the run config
 * loader, so types survive) and what results.csv and reports show. Both are the same string.
 */
final class Values {
    private Values() {
    }

    /** Continuous values keep 6 significant digits: the recorded value is exactly the value the trial got. */
    static double round(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return v;
        }
        return new BigDecimal(v).round(new MathContext(6)).doubleValue();
    }

    /** A double as plain decimal text that YAML reads back as a float (0.0001, 1.0, 250.0). */
    static String formatDouble(double v) {
        if (!Double.isFinite(v)) {
            return Double.isNaN(v) ? ".nan" : (v > 0 ? ".inf" : "-.inf");
        }
        String s = BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
        return s.contains(".") ? s : s + ".0";
    }

    /** The YAML text of a value for {@code --set}: scalars plain (quoted only where YAML would change the type), containers in flow style. */
    static String text(JsonNode n) {
        if (n == null || n.isNull()) {
            return "null";
        }
        if (n.isTextual()) {
            String s = n.textValue();
            return readsBackAs(s, n) ? s : quote(s);
        }
        if (n.isIntegralNumber()) {
            return n.asText();
        }
        if (n.isNumber()) {
            return formatDouble(n.doubleValue());
        }
        if (n.isBoolean()) {
            return Boolean.toString(n.booleanValue());
        }
        if (n.isArray()) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < n.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(flow(n.get(i)));
            }
            return sb.append(']').toString();
        }
        if (n.isObject()) {
            StringBuilder sb = new StringBuilder("{");
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            boolean first = true;
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                sb.append(first ? "" : ", ").append(quote(e.getKey())).append(": ").append(flow(e.getValue()));
                first = false;
            }
            return sb.append('}').toString();
        }
        return n.asText();
    }

    /** Inside flow collections strings are always quoted (commas and colons would break them). */
    private static String flow(JsonNode n) {
        return n != null && n.isTextual() ? quote(n.textValue()) : text(n);
    }

    private static boolean readsBackAs(String s, JsonNode expected) {
        if (s.isEmpty() || !s.equals(s.strip()) || s.contains("\n")) {
            return false;
        }
        try {
            JsonNode back = ConfigLoader.yaml().readTree(s);
            return back != null && back.equals(expected);
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /** The number a displayed value stands for, or null for labels and containers. */
    static Double numeric(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            double d = Double.parseDouble(text);
            return Double.isFinite(d) ? d : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Equal as parameter values: numerically when both are numbers (0 = 0.0), else as text. */
    static boolean same(String a, String b) {
        Double x = numeric(a);
        Double y = numeric(b);
        if (x != null && y != null) {
            return x.doubleValue() == y.doubleValue();
        }
        return a != null && a.equals(b);
    }

    static TextNode textNode(String s) {
        return TextNode.valueOf(s);
    }
}
