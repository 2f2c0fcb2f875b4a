package io.udas.config;

/** A bad configuration: the message is one line naming the file, the key and what is wrong. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
