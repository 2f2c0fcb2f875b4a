package io.udas.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Collects validation errors with their full key path ("data.source.root"), so that one run of
 * validation reports every problem of a config, each naming the key.
 */
public final class Validator {
    private final String prefix;
    private final List<String> errors;

    public Validator() {
        this("", new ArrayList<>());
    }

    private Validator(String prefix, List<String> errors) {
        this.prefix = prefix;
        this.errors = errors;
    }

    /** A validator whose keys are relative to {@code key}. */
    public Validator at(String key) {
        return new Validator(path(key), errors);
    }

    /** Validates a nested section; a null section is reported as missing. */
    public void section(String key, Validatable section) {
        if (require(key, section)) {
            section.validate(at(key));
        }
    }

    /** Validates an optional nested section when present. */
    public void optionalSection(String key, Validatable section) {
        if (section != null) {
            section.validate(at(key));
        }
    }

    public boolean require(String key, Object value) {
        boolean ok = value != null && !(value instanceof String s && s.isBlank())
                && !(value instanceof Collection<?> c && c.isEmpty());
        if (!ok) {
            errors.add(path(key) + ": required key is missing");
        }
        return ok;
    }

    public void check(boolean condition, String key, String expected) {
        if (!condition) {
            errors.add(path(key) + ": " + expected);
        }
    }

    public void positive(String key, double value) {
        check(value > 0, key, "expected a value > 0, got " + fmt(value));
    }

    public void nonNegative(String key, double value) {
        check(value >= 0, key, "expected a value >= 0, got " + fmt(value));
    }

    public void range(String key, double value, double lo, double hi) {
        check(value >= lo && value <= hi, key,
                "expected a value in [" + fmt(lo) + ", " + fmt(hi) + "], got " + fmt(value));
    }

    public void oneOf(String key, Object value, Collection<?> allowed) {
        check(value != null && allowed.contains(value), key, "expected one of " + allowed + ", got " + value);
    }

    public List<String> errors() {
        return List.copyOf(errors);
    }

    private String path(String key) {
        return prefix.isEmpty() ? key : prefix + "." + key;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
