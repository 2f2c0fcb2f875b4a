package io.udas.train;

/** A loss became NaN or infinite; the step's update was not applied. */
public class NonFiniteLossException extends RuntimeException {
    public NonFiniteLossException(String message) {
        super(message);
    }
}
