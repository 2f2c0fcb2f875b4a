package io.udas.model;

import io.udas.config.ModelConfig;
import io.udas.nn.DeepLabV2;
import io.udas.nn.Network;
import io.udas.graph.ConstantFolding;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SegmentationModelTest {
    @TempDir
    Path dir;

    static ModelConfig tiny() {
        ModelConfig c = new ModelConfig();
        c.depth = 18;
        c.width = 0.125;
        c.numClasses = 5;
        c.asppDilations = List.of(1, 2);
        return c;
    }

    private static INDArray forward(SameDiff sd, Network net, INDArray x) {
        String out = net.output(DeepLabV2.LOGITS_UP).name();
        return sd.output(Map.of(net.input().name(), x), List.of(out)).get(out);
    }

    @Test
    void graphsSeeInPlaceWeightChangesAndPredictorAgreesWithTrainingGraph() {
        SegmentationModel m = SegmentationModel.create(tiny(), 1, false);
        SameDiff sd = SameDiff.create();
        Network net = m.build(sd, "seg.", 32, 32, false, null);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32);
        Predictor p = new Predictor(m);
        INDArray before = forward(sd, net, x);
        assertEquals(before, p.logits(x), "inference graph = training graph");
        // An update applied to the model's arrays (as optimisers do) must reach every graph.
        m.weights().get("layer5.conv2d_list.0.bias").addi(1.0);
        INDArray after = forward(sd, net, x);
        assertNotEquals(before, after);
        assertEquals(after, p.logits(x));
        // And an update applied through a graph's variable must reach the model.
        sd.getArrForVarName("seg.conv1.weight").muli(0.5);
        assertEquals(forward(sd, net, x), p.logits(x));
        // Loaded BN statistics land in the arrays in place: the predictor's folded scales and shifts follow.
        m.weights().get("bn1.running_var").muli(4.0);
        m.weights().get("layer1.0.bn2.running_mean").addi(0.5);
        INDArray expected = forward(sd, net, x);
        assertEquals(expected, p.logits(x));
        long classes = expected.size(1);
        assertEquals(Transforms.softmax(expected.permute(0, 2, 3, 1).reshape(-1, classes))
                .reshape(2, 32, 32, classes).permute(0, 3, 1, 2), p.probabilities(x));
    }

    @Test
    void foldingTakesTheConstantOnlyOpsOutOfASecondBuild() {
        SegmentationModel m = SegmentationModel.create(tiny(), 1, false);
        SameDiff folded = SameDiff.create();
        m.build(folded, "", 32, 32, false, null);
        SameDiff unfolded = SameDiff.create();
        m.build(unfolded, "", 32, 32, false, null);
        int before = folded.getOps().size();
        ConstantFolding.apply(unfolded, folded);
        assertTrue(ConstantFolding.foldable(unfolded, folded).isEmpty());
        assertTrue(folded.getOps().size() < before - 6, "the BN scales and shifts are gone: " + before + " -> "
                + folded.getOps().size());
    }

    @Test
    void saveLoadRoundTripKeepsWeightsAndConfig() {
        SegmentationModel m = SegmentationModel.create(tiny(), 2, false);
        Path f = dir.resolve("m.zip");
        m.save(f, Map.of("iteration", 3));
        SegmentationModel back = SegmentationModel.load(f);
        assertEquals(m.weights().keySet(), back.weights().keySet());
        m.weights().forEach((k, v) -> assertEquals(v, back.weights().get(k), k));
        assertEquals(0.125, back.config().width);
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 40, 24);
        assertEquals(new Predictor(m).logits(x), new Predictor(back).logits(x));
    }

    @Test
    void sameSeedSameWeights() {
        var a = SegmentationModel.create(tiny(), 5, false).weights();
        var b = SegmentationModel.create(tiny(), 5, false).weights();
        a.forEach((k, v) -> assertEquals(v, b.get(k), k));
    }

    @Test
    void notAModelFileIsRefused() {
        Path f = dir.resolve("x.zip");
        ArrayArchive.write(f, io.udas.util.Json.MAPPER.createObjectNode(), Map.of("a", Nd4j.ones(2)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SegmentationModel.load(f));
        assertTrue(e.getMessage().contains("not a udas model file"), e.getMessage());
    }
}
