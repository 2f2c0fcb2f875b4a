package io.udas.config;

/** A config section that checks its own values; keys are reported relative to the section. */
public interface Validatable {
    void validate(Validator v);
}
