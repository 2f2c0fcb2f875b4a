package io.udas.pipeline;

/** A pipeline stage failed; the message names the stage and its folder. */
public final class PipelineException extends RuntimeException {
    private final String stage;

    public PipelineException(String stage, String message, Throwable cause) {
        super(message, cause);
        this.stage = stage;
    }

    /** The failed stage's name. */
    public String stage() {
        return stage;
    }
}
