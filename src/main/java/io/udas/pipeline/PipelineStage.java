package io.udas.pipeline;

import java.nio.file.Path;
import java.util.Map;

/**
 * One step of the whole-experiment {@link Pipeline}: it runs (or resumes) in its own folder and returns
 * its result, which the pipeline keeps in the folder's completion marker.
 */
public interface PipelineStage {
    /** Short name, also accepted by {@code --from} (e.g. "uda"). */
    String name();

    /** The stage's folder under output_dir (e.g. "05-uda"). */
    String folder();

    /** The stage-table row this stage's model fills (e.g. "ST + UDA"), or null. */
    default String row() {
        return null;
    }

    /**
     * Runs the stage in {@code dir}.
     *
     * @param resume true when the folder holds an interrupted attempt: continue it (a training loop
     *               resumes from its checkpoint)
     * @return JSON-ready result; a model stage puts its evaluation under {@link Pipeline#TARGET_VAL}
     */
    Map<String, Object> run(Path dir, boolean resume) throws Exception;

    /** A stage from a function. */
    static PipelineStage of(String name, String folder, String row, Body body) {
        return new PipelineStage() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String folder() {
                return folder;
            }

            @Override
            public String row() {
                return row;
            }

            @Override
            public Map<String, Object> run(Path dir, boolean resume) throws Exception {
                return body.run(dir, resume);
            }

            @Override
            public String toString() {
                return folder + " (" + name + ")";
            }
        };
    }

    /** What a stage does. */
    @FunctionalInterface
    interface Body {
        Map<String, Object> run(Path dir, boolean resume) throws Exception;
    }
}
