package io.udas.sweep;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations in sweep files: a number of seconds or text such as "36h", "1h30m", "90s", "2d". */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(d|h|m|s|ms)");

    private Durations() {
    }

    /** Parses a duration; null for a missing or null node. */
    public static Duration parse(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            double s = n.asDouble();
            if (!(s > 0)) {
                throw new IllegalArgumentException("expected a duration > 0, got " + n.asText());
            }
            return Duration.ofMillis(Math.round(s * 1000));
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException("expected a duration such as 90m, 8h or 3600");
        }
        return parse(n.textValue());
    }

    public static Duration parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        if (s.matches("\\d+(\\.\\d+)?")) {
            return parse(com.fasterxml.jackson.databind.node.DoubleNode.valueOf(Double.parseDouble(s)));
        }
        Matcher m = PART.matcher(s);
        long ms = 0;
        int pos = 0;
        while (m.find()) {
            if (m.start() != pos) {
                break;
            }
            double v = Double.parseDouble(m.group(1));
            ms += Math.round(v * switch (m.group(2)) {
                case "d" -> 86_400_000.0;
                case "h" -> 3_600_000.0;
                case "m" -> 60_000.0;
                case "s" -> 1000.0;
                default -> 1.0;
            });
            pos = m.end();
        }
        if (pos != s.length() || s.isEmpty() || ms <= 0) {
            throw new IllegalArgumentException("expected a duration such as 90m, 8h, 1h30m or 3600, got '" + text + "'");
        }
        return Duration.ofMillis(ms);
    }

    /** "1h02m03s"-style text for logs and reasons. */
    public static String format(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, (s / 60) % 60, s % 60);
    }
}
