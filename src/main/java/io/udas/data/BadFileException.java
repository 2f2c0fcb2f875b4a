package io.udas.data;

/** An unreadable or corrupt file: with {@code data.skip_bad} the sample is skipped and counted instead. */
public class BadFileException extends DataException {
    public BadFileException(String message) {
        super(message);
    }
}
