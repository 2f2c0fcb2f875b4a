package io.udas.train.cyclegan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.udas.model.ArrayArchive;
import io.udas.model.Provenance;
import io.udas.util.Json;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The trained generators of a CycleGAN run as one file ({@code generators.zip}, an {@link ArrayArchive}, i.e. also a
 * NumPy .npz): arrays {@code G.<state-dict name>} (source to target, used by {@code translate}) and
 * {@code F.<state-dict name>} (target to source), and a manifest with {@code format} {@value #FORMAT}, the generator
 * architecture ({@link GeneratorSpec#toJson}), the directions, the training figures and the provenance.
 *
 * @param g source to target weights by state-dict name
 * @param f target to source weights by state-dict name
 */
public record Generators(GeneratorSpec spec, Map<String, INDArray> g, Map<String, INDArray> f, ObjectNode manifest) {
    public static final String FORMAT = "udas-cyclegan-generators-v1";
    public static final String FILE = "generators.zip";

    /** Writes the generators of {@code nets} with {@code training} (iteration, config, ...) in the manifest. */
    public static void save(Path file, CycleGanNets nets, Map<String, ?> training) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("format", FORMAT);
        m.set("generator", nets.generatorSpec().toJson());
        ObjectNode dirs = m.putObject("networks");
        dirs.put("G", "source -> target (pytorch-CycleGAN netG_A)");
        dirs.put("F", "target -> source (pytorch-CycleGAN netG_B)");
        if (training != null && !training.isEmpty()) {
            m.set("training", Json.MAPPER.valueToTree(training));
        }
        m.set("provenance", Provenance.capture());
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        nets.weights(CycleGanNets.G).forEach((k, v) -> arrays.put("G." + k, v));
        nets.weights(CycleGanNets.F).forEach((k, v) -> arrays.put("F." + k, v));
        ArrayArchive.write(file, m, arrays);
    }

    public static Generators load(Path file) {
        ArrayArchive.Content c = ArrayArchive.read(file);
        String format = c.manifest().path("format").asText();
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException(file + ": not a udas CycleGAN generators file (format "
                    + (format.isEmpty() ? "missing" : format) + ", expected " + FORMAT + ")");
        }
        GeneratorSpec spec = GeneratorSpec.fromJson(c.manifest().path("generator"), file.toString());
        Map<String, INDArray> g = new LinkedHashMap<>();
        Map<String, INDArray> f = new LinkedHashMap<>();
        c.arrays().forEach((k, v) -> {
            if (k.startsWith("G.")) {
                g.put(k.substring(2), v);
            } else if (k.startsWith("F.")) {
                f.put(k.substring(2), v);
            }
        });
        if (g.isEmpty()) {
            throw new IllegalArgumentException(file + ": holds no G.* (source to target) weights");
        }
        return new Generators(spec, g, f, c.manifest());
    }
}
