package io.udas.nn;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sampled finite-difference gradient checks of tiny dilated (output stride 8) ResNets, basic and bottleneck. */
class ResNetGradientTest {

    @BeforeAll
    static void doubles() {
        TestUtil.useDouble();
    }

    @AfterAll
    static void floats() {
        TestUtil.useFloat();
    }

    @Test
    void tinyBasicBlockResNet() {
        tinyResNet(18);
    }

    @Test
    void tinyBottleneckResNet() {
        tinyResNet(50);
    }

    private static void tinyResNet(int depth) {
        SameDiff sd = SameDiff.create();
        Scope s = Scope.of(sd, "");
        Nd4j.getRandom().setSeed(4321);
        SDVariable x = sd.var("x", Nd4j.randn(DataType.DOUBLE, 1, 3, 17, 17));
        ResNet.Spec spec = new ResNet.Spec().depth(depth).width(1.0 / 64).outputStride8();
        ResNet.Features f = ResNet.features(s, spec, x, 17, 17);
        // non-identity frozen BN so the check covers it
        for (String n : s.frozen()) {
            INDArray a = sd.getArrForVarName(n);
            if (n.endsWith("running_var")) {
                sd.setArrayForVariable(n, Nd4j.rand(DataType.DOUBLE, a.shape()).addi(0.5));
            } else if (n.endsWith("weight")) {
                sd.setArrayForVariable(n, Nd4j.rand(DataType.DOUBLE, a.shape()).addi(0.5));
            } else {
                sd.setArrayForVariable(n, Nd4j.randn(DataType.DOUBLE, a.shape()).muli(0.1));
            }
        }
        TestUtil.projectToLoss(f.layer(4).x());
        // a forward pass costs milliseconds per op here: check a few elements of representative weights
        // (stem, a downsample, a strided block, both dilated stages, the last conv) and of the input
        String last = depth >= 50 ? "layer4.2.conv3.weight" : "layer4.1.conv2.weight";
        Set<String> checked = Set.of("x", "conv1.weight", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
                "layer2.0.conv2.weight", "layer3.0.conv2.weight", "layer3.1.conv1.weight", "layer4.0.conv2.weight", last);
        assertTrue(s.trainable().containsAll(checked.stream().filter(n -> !n.equals("x")).toList()));
        long expected = checked.stream().mapToLong(n -> Math.min(3, sd.getArrForVarName(n).length())).sum();
        assertEquals(expected, TestUtil.gradCheckSampled(sd, "loss", null, checked, 3, 7));
    }
}
