package io.udas.model;

import io.udas.graph.ConstantFolding;
import io.udas.nn.DeepLabV2;
import io.udas.nn.Losses;
import io.udas.nn.Network;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Forward passes of a {@link SegmentationModel} at any input size: one inference graph per size,
 * built on first use and bound to the model's live weights (so it always sees the latest training
 * state). The graph runs with its constant-only ops folded ({@link ConstantFolding}: each frozen BN's
 * scale and shift, about 600 small ops per ResNet-101 pass), recomputed from a second, unfolded build
 * whenever the constants change. Not thread-safe.
 */
public final class Predictor {
    private final SegmentationModel model;
    private final Map<Long, Graph> graphs = new HashMap<>();

    private record Graph(SameDiff sd, ConstantFolding constants, String input, String logits, String probs) {
        /** The graph, its folded constants up to date. */
        SameDiff current() {
            constants.refresh(sd);
            return sd;
        }
    }

    public Predictor(SegmentationModel model) {
        this.model = model;
    }

    private Graph graph(int h, int w) {
        return graphs.computeIfAbsent(((long) h << 32) | w, k -> {
            SameDiff unfolded = SameDiff.create();
            build(unfolded, h, w);
            SameDiff sd = SameDiff.create();
            Network net = build(sd, h, w);
            return new Graph(sd, ConstantFolding.apply(unfolded, sd), net.input().name(),
                    net.output(DeepLabV2.LOGITS_UP).name(), PROBABILITIES);
        });
    }

    private static final String PROBABILITIES = "probabilities";

    /** The model on {@code sd} with softmax probabilities {@value #PROBABILITIES}; same op names in every build. */
    private Network build(SameDiff sd, int h, int w) {
        Network net = model.build(sd, "", h, w, false, null);
        Losses.softmax(net.output(DeepLabV2.LOGITS_UP), 1).rename(PROBABILITIES);
        return net;
    }

    /** Logits [N, C, H, W] at the input's size, for normalised images [N, 3, H, W]. */
    public INDArray logits(INDArray images) {
        Graph g = graph((int) images.size(2), (int) images.size(3));
        return g.current().output(Map.of(g.input(), images), List.of(g.logits())).get(g.logits());
    }

    /** Class probabilities [N, C, H, W] at the input's size. */
    public INDArray probabilities(INDArray images) {
        Graph g = graph((int) images.size(2), (int) images.size(3));
        return g.current().output(Map.of(g.input(), images), List.of(g.probs())).get(g.probs());
    }
}
