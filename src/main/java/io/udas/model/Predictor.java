package io.udas.model;

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
 * state). Not thread-safe.
 */
public final class Predictor {
    private final SegmentationModel model;
    private final Map<Long, Graph> graphs = new HashMap<>();

    private record Graph(SameDiff sd, String input, String logits, String probs) {
    }

    public Predictor(SegmentationModel model) {
        this.model = model;
    }

    private Graph graph(int h, int w) {
        return graphs.computeIfAbsent(((long) h << 32) | w, k -> {
            SameDiff sd = SameDiff.create();
            Network net = model.build(sd, "", h, w, false, null);
            var logits = net.output(DeepLabV2.LOGITS_UP);
            var probs = Losses.softmax(logits, 1);
            return new Graph(sd, net.input().name(), logits.name(), probs.name());
        });
    }

    /** Logits [N, C, H, W] at the input's size, for normalised images [N, 3, H, W]. */
    public INDArray logits(INDArray images) {
        Graph g = graph((int) images.size(2), (int) images.size(3));
        return g.sd().output(Map.of(g.input(), images), List.of(g.logits())).get(g.logits());
    }

    /** Class probabilities [N, C, H, W] at the input's size. */
    public INDArray probabilities(INDArray images) {
        Graph g = graph((int) images.size(2), (int) images.size(3));
        return g.sd().output(Map.of(g.input(), images), List.of(g.probs())).get(g.probs());
    }
}
