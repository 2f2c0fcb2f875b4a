package io.udas.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.udas.model.ArrayArchive;
import io.udas.util.Json;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A resumable training state: every weight and optimiser array of a stage, plus the iteration and
 * best score. Random draws derive from (seed, iteration), so no RNG state needs storing.
 */
public record Checkpoint(long iteration, double bestScore, Map<String, INDArray> arrays) {
    public static final String FILE = "checkpoint.zip";

    public void save(Path file, String stage) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("kind", "checkpoint");
        m.put("stage", stage);
        m.put("iteration", iteration);
        m.put("best_score", bestScore);
        ArrayArchive.write(file, m, arrays);
    }

    public static Checkpoint load(Path file) {
        ArrayArchive.Content c = ArrayArchive.read(file);
        if (!"checkpoint".equals(c.manifest().path("kind").asText())) {
            throw new IllegalArgumentException(file + ": not a udas checkpoint");
        }
        return new Checkpoint(c.manifest().path("iteration").asLong(),
                c.manifest().path("best_score").asDouble(Double.NEGATIVE_INFINITY), c.arrays());
    }

    public static boolean exists(Path runDir) {
        return Files.isRegularFile(runDir.resolve(FILE));
    }
}
