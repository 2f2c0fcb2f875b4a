package io.udas.nn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tiny DeepLab-v2: shapes, names, head/backbone split, and that a few SGD steps reduce the masked CE. */
class DeepLabV2Test {

    private static DeepLabV2.Spec tiny(int depth) {
        return new DeepLabV2.Spec().numClasses(5).depth(depth).width(1.0 / 8).inputSize(33, 41).aux(true);
    }

    @Test
    void shapesNamesAndHead() {
        Nd4j.getRandom().setSeed(21);
        SameDiff sd = SameDiff.create();
        DeepLabV2.Spec spec = tiny(50);
        Network net = DeepLabV2.build(sd, "seg.", spec);
        assertEquals("seg.input", net.input().name());
        assertArrayEquals(new int[]{5, 6}, spec.logitsSize());

        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 33, 41);
        String[] outs = {"seg.logits", "seg.logits_up", "seg.aux_logits", "seg.aux_logits_up"};
        assertEquals(List.of(outs), net.outputs().values().stream().map(SDVariable::name).toList());
        assertEquals("seg.logits", net.output().name());
        Map<String, INDArray> o = sd.output(Map.of("seg.input", x), outs);
        assertArrayEquals(new long[]{2, 5, 5, 6}, o.get("seg.logits").shape());
        assertArrayEquals(new long[]{2, 5, 33, 41}, o.get("seg.logits_up").shape());
        assertArrayEquals(new long[]{2, 5, 5, 6}, o.get("seg.aux_logits").shape());
        assertArrayEquals(new long[]{2, 5, 33, 41}, o.get("seg.aux_logits_up").shape());
        // the upsampled logits are the stride-8 logits resized (align_corners=true by default)
        INDArray ref = Resize.bilinear(o.get("seg.logits"), 33, 41, true);
        assertEquals(0.0, ref.sub(o.get("seg.logits_up")).amaxNumber().doubleValue(), 1e-4);

        // head = layer5 + layer6 (4 dilations x weight/bias each)
        List<String> head = new ArrayList<>();
        for (String layer : List.of("layer5", "layer6")) {
            for (int i = 0; i < 4; i++) {
                head.add("seg." + layer + ".conv2d_list." + i + ".weight");
                head.add("seg." + layer + ".conv2d_list." + i + ".bias");
            }
        }
        assertEquals(head, net.head());
        assertArrayEquals(new long[]{3, 3, 256, 5}, sd.getArrForVarName("seg.layer5.conv2d_list.0.weight").shape());
        assertArrayEquals(new long[]{3, 3, 128, 5}, sd.getArrForVarName("seg.layer6.conv2d_list.3.weight").shape());
        assertEquals(net.trainable().size() - head.size(), net.backbone().size());
        assertTrue(net.backbone().stream().noneMatch(n -> n.contains("layer5") || n.contains("layer6")));
        assertTrue(net.backbone().contains("seg.layer3.5.conv2.weight"));
        assertTrue(net.frozen().contains("seg.layer1.0.bn3.running_var"));
        Set<String> overlap = new HashSet<>(net.trainable());
        overlap.retainAll(net.frozen());
        assertTrue(overlap.isEmpty());
    }

    @Test
    void emptyPrefixGivesStateDictNamesAndSecondNetworkCanShareGraph() {
        SameDiff sd = SameDiff.create();
        DeepLabV2.Spec spec = new DeepLabV2.Spec().numClasses(3).depth(18).width(1.0 / 16).inputSize(33, 33)
                .asppDilations(6, 12);
        Network plain = DeepLabV2.build(sd, "", spec);
        Network other = DeepLabV2.build(sd, "teacher.", spec);
        assertTrue(sd.hasVariable("conv1.weight"));
        assertTrue(sd.hasVariable("layer5.conv2d_list.1.bias"));
        assertFalse(sd.hasVariable("layer5.conv2d_list.2.weight"));
        assertFalse(sd.hasVariable("layer6.conv2d_list.0.weight"));
        assertEquals(plain.trainable(), other.trainable().stream().map(n -> n.substring("teacher.".length())).toList());
        assertEquals(plain.frozen(), other.frozen().stream().map(n -> n.substring("teacher.".length())).toList());
        assertEquals(List.of("logits", "logits_up"), plain.outputs().values().stream().map(SDVariable::name).toList());
    }

    @Test
    void sgdStepsReduceMaskedCrossEntropy() {
        Nd4j.getRandom().setSeed(22);
        SameDiff sd = SameDiff.create();
        DeepLabV2.Spec spec = new DeepLabV2.Spec().numClasses(3).depth(18).width(1.0 / 8).inputSize(33, 33)
                .alignCorners(false);
        Network net = DeepLabV2.build(sd, "", spec);
        SDVariable labels = sd.placeHolder("labels", DataType.FLOAT, -1, 33, 33);
        Losses.maskedCrossEntropy(net.output(DeepLabV2.LOGITS_UP), labels, 3).rename("loss");
        sd.setLossVariables("loss");

        // three vertical stripes of different colour (plus noise); the top rows are ignored
        INDArray img = Nd4j.rand(DataType.FLOAT, 1, 3, 33, 33).muli(0.2);
        INDArray lab = Nd4j.zeros(DataType.FLOAT, 1, 33, 33);
        for (int y = 0; y < 33; y++) {
            for (int x = 0; x < 33; x++) {
                int c = x < 11 ? 0 : x < 22 ? 1 : 2;
                img.putScalar(new long[]{0, c, y, x}, img.getDouble(0, c, y, x) + 1.0);
                lab.putScalar(new long[]{0, y, x}, y < 5 ? 255 : c);
            }
        }
        Map<String, INDArray> ph = Map.of("input", img, "labels", lab);
        double first = sd.output(ph, "loss").get("loss").getDouble(0);
        double loss = first;
        for (int step = 0; step < 5; step++) {
            Map<String, INDArray> g = sd.calculateGradients(ph, net.trainable());
            assertEquals(new HashSet<>(net.trainable()), g.keySet());
            for (String n : net.trainable()) {
                double lr = net.head().contains(n) ? 0.1 : 0.01;
                sd.getArrForVarName(n).subi(g.get(n).mul(lr));
            }
            double next = sd.output(ph, "loss").get("loss").getDouble(0);
            assertTrue(next < loss, "step " + step + ": " + loss + " -> " + next);
            loss = next;
        }
        assertTrue(Double.isFinite(first) && first > 0.5, "initial loss " + first);
        assertTrue(loss < 0.85 * first, "loss " + first + " -> " + loss);
    }

    @Test
    void deepNetworkStartsWithBoundedLogitsAndSurvivesSaveLoad(@TempDir Path dir) throws Exception {
        Nd4j.getRandom().setSeed(23);
        SameDiff sd = SameDiff.create();
        DeepLabV2.build(sd, "", new DeepLabV2.Spec().numClasses(4).depth(101).width(1.0 / 16).inputSize(33, 33));
        Map<String, INDArray> ph = Map.of("input", Nd4j.rand(DataType.FLOAT, 1, 3, 33, 33).subi(0.5).muli(2));
        INDArray logits = sd.output(ph, "logits").get("logits");
        // with identity-initialised frozen BN a 101-layer net starts with logits ~1e4; the scaled branch init keeps them O(1)
        assertTrue(logits.stdNumber().doubleValue() < 1.0, "logits std " + logits.stdNumber());
        assertTrue(logits.stdNumber().doubleValue() > 1e-3, "logits std " + logits.stdNumber());

        File f = dir.resolve("dl.sd").toFile();
        sd.save(f, false);
        SameDiff loaded = SameDiff.load(f, false);
        assertEquals(org.nd4j.autodiff.samediff.VariableType.CONSTANT, loaded.getVariable("layer2.0.bn1.running_var").getVariableType());
        assertEquals(0.0, logits.sub(loaded.output(ph, "logits").get("logits")).amaxNumber().doubleValue(), 0.0);
    }

    @Test
    void sharedWeightsOnSourceAndTargetOfDifferentSizes() {
        SameDiff sd = SameDiff.create();
        DeepLabV2.Spec src = new DeepLabV2.Spec().numClasses(3).depth(18).width(1.0 / 16).inputSize(33, 41).asppDilations(2, 4);
        Network a = DeepLabV2.build(sd, "seg.", src);
        SDVariable tgtIn = sd.placeHolder("tgt", DataType.FLOAT, -1, 3, 25, 33);
        Network b = DeepLabV2.build(Scope.reusing(sd, "seg."), new DeepLabV2.Spec().numClasses(3).depth(18).width(1.0 / 16)
                .inputSize(25, 33).asppDilations(2, 4), tgtIn);
        // no new parameters: the graph holds exactly one set of VARIABLEs
        assertEquals(a.trainable(), b.trainable());
        assertEquals(a.frozen(), b.frozen());
        long after = sd.variables().stream().filter(v -> v.getVariableType() == org.nd4j.autodiff.samediff.VariableType.VARIABLE).count();
        assertEquals(a.trainable().size(), after);
        assertEquals("seg.logits_up_1", b.output(DeepLabV2.LOGITS_UP).name());
        Map<String, INDArray> o = sd.output(Map.of("seg.input", Nd4j.rand(DataType.FLOAT, 1, 3, 33, 41),
                "tgt", Nd4j.rand(DataType.FLOAT, 2, 3, 25, 33)), "seg.logits_up", "seg.logits_up_1");
        assertArrayEquals(new long[]{1, 3, 33, 41}, o.get("seg.logits_up").shape());
        assertArrayEquals(new long[]{2, 3, 25, 33}, o.get("seg.logits_up_1").shape());
    }
}
