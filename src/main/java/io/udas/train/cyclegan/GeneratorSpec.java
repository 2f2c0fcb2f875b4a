package io.udas.train.cyclegan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.udas.config.CycleGanConfig;
import io.udas.nn.Network;
import io.udas.nn.ResnetGenerator;
import io.udas.util.Json;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The architecture of a CycleGAN ResNet generator (pytorch-CycleGAN {@code resnet_<n>blocks}, instance norm without
 * affine parameters, reflection padding): what a generators file must record to rebuild the network.
 */
public record GeneratorSpec(int ngf, int nBlocks) {

    public static GeneratorSpec of(CycleGanConfig cfg) {
        return new GeneratorSpec(cfg.ngf, cfg.nBlocks);
    }

    /** The network at input size h x w (multiples of 4), see {@link CycleGanNets#generator}. */
    public Network build(SameDiff sd, String prefix, Map<String, INDArray> store, SDVariable input, int h, int w) {
        ResnetGenerator.Spec spec = new ResnetGenerator.Spec().ngf(ngf).nBlocks(nBlocks).inputSize(h, w);
        return ResnetGenerator.build(CycleGanNets.scope(sd, prefix, store), spec, input);
    }

    ObjectNode toJson() {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("arch", "resnet_generator");
        n.put("ngf", ngf);
        n.put("n_blocks", nBlocks);
        n.put("norm", "instance (no affine)");
        n.put("padding", "reflect");
        n.put("in_channels", 3);
        n.put("out_channels", 3);
        n.put("input", "RGB scaled to [-1, 1], NCHW; height and width multiples of 4");
        n.put("output", "RGB in [-1, 1] (tanh), same size as the input");
        n.put("weight_layout", "conv [kH, kW, in, out]; transposed conv [kH, kW, out, in]; vectors [C] "
                + "(PyTorch: permute(3, 2, 0, 1) back)");
        return n;
    }

    static GeneratorSpec fromJson(JsonNode n, String where) {
        if (!"resnet_generator".equals(n.path("arch").asText())) {
            throw new IllegalArgumentException(where + ": unsupported generator architecture '"
                    + n.path("arch").asText() + "'");
        }
        return new GeneratorSpec(n.path("ngf").asInt(), n.path("n_blocks").asInt());
    }
}
