package io.udas.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.udas.config.ConfigLoader;
import io.udas.config.ModelConfig;
import io.udas.nn.DeepLabV2;
import io.udas.nn.Network;
import io.udas.nn.Scope;
import org.nd4j.linalg.api.buffer.DataType;
import io.udas.util.Json;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DeepLab-v2 segmenter as data: its network config, its weights by state-dict name, and its
 * provenance. Graphs are views: {@link #build} creates the network in any SameDiff graph at any input
 * size and binds it to this model's arrays by reference, so training in one graph is seen by every
 * other graph of the model (evaluation at another size, an adversarial step) without copying.
 */
public final class SegmentationModel {
    public static final String FORMAT = "udas-segmenter-v1";

    private final ModelConfig config;
    private final Map<String, INDArray> weights;
    private final ObjectNode provenance;

    private SegmentationModel(ModelConfig config, Map<String, INDArray> weights, ObjectNode provenance) {
        this.config = config;
        this.weights = weights;
        this.provenance = provenance;
    }

    /** A freshly initialised model; {@code seed} fixes the initial weights. */
    public static SegmentationModel create(ModelConfig config, long seed, boolean aux) {
        SegmentationModel m = new SegmentationModel(config, new LinkedHashMap<>(), Provenance.capture());
        Nd4j.getRandom().setSeed(seed);
        // Weight shapes do not depend on the input size: build once at a small size to initialise.
        m.build(SameDiff.create(), "", 64, 64, aux, null);
        return m;
    }

    public ModelConfig config() {
        return config;
    }

    /** Weights by state-dict name (live arrays: graphs built from this model share them). */
    public Map<String, INDArray> weights() {
        return weights;
    }

    public ObjectNode provenance() {
        return provenance;
    }

    public DeepLabV2.Spec spec(int height, int width, boolean aux) {
        return new DeepLabV2.Spec().numClasses(config.numClasses).depth(config.depth).width(config.width)
                .strideIn1x1(config.strideIn1x1).asppDilations(config.asppDilations)
                .alignCorners(config.alignCorners).aux(aux).inputSize(height, width);
    }

    /**
     * Builds the network in {@code sd} with variable names {@code prefix + stateDictName}, created on
     * this model's arrays; parameters the model does not have yet (a new auxiliary head) are
     * initialised and become part of the model.
     *
     * @param input the input [N, 3, H, W], or null for a new placeholder {@code prefix + "input"}
     */
    public Network build(SameDiff sd, String prefix, int height, int width, boolean aux, SDVariable input) {
        SDVariable x = input != null ? input
                : sd.placeHolder(prefix + DeepLabV2.INPUT, DataType.FLOAT, -1, 3, height, width);
        return DeepLabV2.build(Scope.bound(sd, prefix, x.dataType(), weights), spec(height, width, aux), x);
    }

    /** Copies all weights of {@code other} into this model (same architecture). */
    public void assignFrom(SegmentationModel other) {
        other.weights.forEach((k, v) -> {
            INDArray mine = weights.get(k);
            if (mine != null) {
                mine.assign(v);
            } else {
                weights.put(k, v.dup());
            }
        });
    }

    /** A deep copy (e.g. a teacher that must not change while its student trains). */
    public SegmentationModel copy() {
        Map<String, INDArray> w = new LinkedHashMap<>();
        weights.forEach((k, v) -> w.put(k, v.dup()));
        return new SegmentationModel(ConfigLoader.yaml().convertValue(config, ModelConfig.class), w,
                provenance.deepCopy());
    }

    /** Writes weights + config + provenance (+ {@code extra}, e.g. the training summary) as one file. */
    public void save(Path file, Map<String, ?> extra) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("format", FORMAT);
        m.set("model", ConfigLoader.yaml().valueToTree(config));
        m.set("provenance", provenance);
        if (extra != null && !extra.isEmpty()) {
            m.set("training", Json.MAPPER.valueToTree(extra));
        }
        ArrayArchive.write(file, m, weights);
    }

    public static SegmentationModel load(Path file) {
        ArrayArchive.Content c = ArrayArchive.read(file);
        if (!FORMAT.equals(c.manifest().path("format").asText())) {
            throw new IllegalArgumentException(file + ": not a udas model file (format "
                    + (c.manifest().has("format") ? c.manifest().get("format").asText() : "missing")
                    + ", expected " + FORMAT + ")");
        }
        ModelConfig cfg = ConfigLoader.yaml().convertValue(c.manifest().get("model"), ModelConfig.class);
        JsonNode prov = c.manifest().get("provenance");
        return new SegmentationModel(cfg, new LinkedHashMap<>(c.arrays()),
                prov instanceof ObjectNode o ? o : Json.MAPPER.createObjectNode());
    }
}
