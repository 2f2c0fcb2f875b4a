package io.udas.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ResNet structure: parameter counts (torchvision totals), names, stride/dilation placement, output sizes. */
class ResNetTest {

    /** torchvision totals minus the fc layer (512*1000+1000 for 18/34, 2048*1000+1000 for 50/101). */
    private static final Map<Integer, Long> TORCHVISION_NO_FC = Map.of(
            18, 11_689_512L - 513_000L,
            34, 21_797_672L - 513_000L,
            50, 25_557_032L - 2_049_000L,
            101, 44_549_160L - 2_049_000L);

    @Test
    void parameterCountsMatchTorchvision() {
        for (int depth : new int[]{18, 34, 50, 101}) {
            SameDiff sd = SameDiff.create();
            Network net = ResNet.build(sd, "", new ResNet.Spec().depth(depth), null, 224, 224);
            long conv = net.trainableParamCount();
            List<String> bnAffine = net.frozen().stream().filter(n -> n.endsWith(".weight") || n.endsWith(".bias")).toList();
            long bn = net.paramCount(bnAffine);
            assertEquals(TORCHVISION_NO_FC.get(depth), conv + bn, "ResNet-" + depth);
            // every trainable variable is a conv weight; every frozen one a BN vector
            assertTrue(net.trainable().stream().allMatch(n -> n.endsWith(".weight") && n.contains("conv") || n.contains("downsample.0")));
            assertTrue(net.frozen().stream().allMatch(n -> n.contains("bn") || n.contains("downsample.1")));
            assertEquals(4 * bnAffine.size() / 2, net.frozen().size());
        }
    }

    @Test
    void namesFollowStateDicts() {
        SameDiff sd = SameDiff.create();
        Network r101 = ResNet.build(sd, "", new ResNet.Spec().depth(101).width(1.0 / 16), null, 64, 64);
        for (String n : List.of("conv1.weight", "layer3.22.conv2.weight", "layer3.5.conv2.weight", "layer1.0.downsample.0.weight",
                "layer4.2.conv3.weight")) {
            assertTrue(r101.trainable().contains(n), n);
        }
        for (String n : List.of("bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "layer1.0.bn3.running_var",
                "layer1.0.downsample.1.weight", "layer4.0.downsample.1.running_mean")) {
            assertTrue(r101.frozen().contains(n), n);
            assertEquals(VariableType.CONSTANT, sd.getVariable(n).getVariableType());
        }
        assertFalse(sd.hasVariable("layer3.23.conv1.weight"));
        assertFalse(sd.hasVariable("layer1.1.downsample.0.weight"));
        // 3 + 4 + 23 + 3 blocks x 3 convs + 4 downsamples + stem
        assertEquals(33 * 3 + 4 + 1, r101.trainable().size());

        SameDiff sd2 = SameDiff.create();
        Network r18 = ResNet.build(sd2, "enc.", new ResNet.Spec().depth(18).width(1.0 / 16), null, 64, 64);
        assertTrue(r18.trainable().contains("enc.layer2.0.downsample.0.weight"));
        assertTrue(r18.trainable().contains("enc.layer4.1.conv2.weight"));
        assertFalse(sd2.hasVariable("enc.layer1.0.downsample.0.weight")); // 64 -> 64, stride 1: identity shortcut
        assertFalse(sd2.hasVariable("enc.layer1.0.conv3.weight"));
        assertTrue(r18.trainable().stream().allMatch(n -> n.startsWith("enc.")));
    }

    @Test
    void widthMultiplierAndDepthValidation() {
        assertEquals(8, new ResNet.Spec().width(1.0 / 8).baseWidth());
        assertEquals(1, new ResNet.Spec().width(0.001).baseWidth());
        assertEquals(256, new ResNet.Spec().depth(50).width(1.0 / 8).outChannels());
        assertEquals(64, new ResNet.Spec().depth(18).width(1.0 / 8).outChannels());
        assertThrows(IllegalArgumentException.class, () -> new ResNet.Spec().depth(42));
    }

    private static Conv2DConfig convConfig(SameDiff sd, String weight) {
        for (SameDiffOp op : sd.getOps().values()) {
            if (op.getOp() instanceof Conv2D c && op.getInputsToOp().size() > 1 && op.getInputsToOp().get(1).equals(weight)) {
                return c.getConfig();
            }
        }
        throw new AssertionError("no conv with weight " + weight);
    }

    @Test
    void strideAndDilationPlacement() {
        for (boolean in1x1 : new boolean[]{true, false}) {
            SameDiff sd = SameDiff.create();
            ResNet.build(sd, "", new ResNet.Spec().depth(50).width(1.0 / 16).strideIn1x1(in1x1).outputStride8(), null, 33, 33);
            assertEquals(in1x1 ? 2 : 1, convConfig(sd, "layer2.0.conv1.weight").getSH());
            assertEquals(in1x1 ? 1 : 2, convConfig(sd, "layer2.0.conv2.weight").getSH());
            assertEquals(2, convConfig(sd, "layer2.0.downsample.0.weight").getSH());
            // dilated stages: stride 1 everywhere, 3x3 with padding = dilation
            for (String n : List.of("layer3.0.conv1.weight", "layer3.0.conv2.weight", "layer3.0.downsample.0.weight",
                    "layer4.0.conv1.weight", "layer4.0.downsample.0.weight")) {
                assertEquals(1, convConfig(sd, n).getSH(), n);
            }
            for (String n : List.of("layer3.0.conv2.weight", "layer3.5.conv2.weight")) {
                assertEquals(2, convConfig(sd, n).getDH(), n);
                assertEquals(2, convConfig(sd, n).getPH(), n);
            }
            for (String n : List.of("layer4.0.conv2.weight", "layer4.2.conv2.weight")) {
                assertEquals(4, convConfig(sd, n).getDH(), n);
                assertEquals(4, convConfig(sd, n).getPW(), n);
            }
            Conv2DConfig stem = convConfig(sd, "conv1.weight");
            assertEquals(7, stem.getKH());
            assertEquals(2, stem.getSH());
            assertEquals(3, stem.getPH());
        }
    }

    @Test
    void outputSizes() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 65, 65);
        // standard strides: 65 -> conv1 33 -> pool 17 -> 17, 9, 5, 3 ; output stride 8: 17, 9, 9, 9
        int[][] expected = {{17, 9, 5, 3}, {17, 9, 9, 9}};
        for (int v = 0; v < 2; v++) {
            SameDiff sd = SameDiff.create();
            ResNet.Spec spec = new ResNet.Spec().depth(18).width(1.0 / 16);
            if (v == 1) {
                spec.outputStride8();
            }
            Network net = ResNet.build(sd, "", spec, null, 65, 65);
            assertNotNull(sd.getVariable("input"));
            String[] keys = {ResNet.OUT_LAYER1, ResNet.OUT_LAYER2, ResNet.OUT_LAYER3, ResNet.OUT_LAYER4};
            List<String> names = java.util.Arrays.stream(keys).map(k -> net.output(k).name()).toList();
            Map<String, INDArray> out = sd.output(Map.of("input", x), names.toArray(new String[0]));
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(new long[]{1, spec.stageChannels(i), expected[v][i], expected[v][i]},
                        out.get(names.get(i)).shape(), "variant " + v + " layer" + (i + 1));
            }
            assertEquals("layer4", net.output().name());
        }
    }

    @Test
    void residualBranchBnInit() {
        SameDiff sd = SameDiff.create();
        ResNet.build(sd, "", new ResNet.Spec().depth(101).width(1.0 / 32), null, 33, 33);
        assertEquals(1 / Math.sqrt(33), sd.getArrForVarName("layer3.7.bn3.weight").getDouble(0), 1e-6);
        assertEquals(1.0, sd.getArrForVarName("layer3.7.bn2.weight").getDouble(0), 0.0);
        assertEquals(1.0, sd.getArrForVarName("layer3.0.downsample.1.weight").getDouble(0), 0.0);
        assertEquals(1.0, sd.getArrForVarName("bn1.weight").getDouble(0), 0.0);
        SameDiff sd18 = SameDiff.create();
        ResNet.build(sd18, "", new ResNet.Spec().depth(18).width(1.0 / 32), null, 33, 33);
        assertEquals(1 / Math.sqrt(8), sd18.getArrForVarName("layer2.1.bn2.weight").getDouble(0), 1e-6);
        SameDiff plain = SameDiff.create();
        ResNet.build(plain, "", new ResNet.Spec().depth(50).width(1.0 / 32).scaledResidualInit(false), null, 33, 33);
        assertEquals(1.0, plain.getArrForVarName("layer1.0.bn3.weight").getDouble(0), 0.0);
    }
}
