package io.udas.data;

/** A data problem; the message is one line naming the file or folder and what is wrong. */
public class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
