package io.udas.sweep;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One planned trial: its index (also its Kubernetes completion index), the parameter values as shown in
 * results, and what it runs: {@code <command> --config <base> --set <overrides...>} (output_dir is added at launch).
 */
public record Trial(int index, Map<String, String> values, List<String> overrides, String command, String base) {
    public Trial {
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        overrides = List.copyOf(overrides);
    }

    /** The trial folder name: 000, 001, ... */
    public String id() {
        return id(index);
    }

    public static String id(int index) {
        return String.format(Locale.ROOT, "%03d", index);
    }

    /** "a=1, b=x" for logs and errors. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return sb.toString();
    }
}
