package io.udas.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Output-space discriminator, PatchGAN and CycleGAN generator: shapes, names, parameter counts, weight sharing. */
class GanNetsTest {

    @Test
    void outputDiscriminatorShapesNamesAndCount() {
        Nd4j.getRandom().setSeed(31);
        SameDiff sd = SameDiff.create();
        Network d = OutputDiscriminator.build(sd, "d.", new OutputDiscriminator.Spec().inChannels(5).ndf(4));
        assertEquals(List.of("d.conv1.weight", "d.conv1.bias", "d.conv2.weight", "d.conv2.bias", "d.conv3.weight", "d.conv3.bias",
                "d.conv4.weight", "d.conv4.bias", "d.classifier.weight", "d.classifier.bias"), d.trainable());
        assertArrayEquals(new long[]{4, 4, 5, 4}, sd.getArrForVarName("d.conv1.weight").shape());
        assertArrayEquals(new long[]{4, 4, 32, 1}, sd.getArrForVarName("d.classifier.weight").shape());
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 5, 64, 96);
        INDArray out = sd.output(Map.of("d.input", x), "d.out").get("d.out");
        assertArrayEquals(new long[]{2, 1, 2, 3}, out.shape());

        // AdaptSegNet defaults (19 classes, ndf 64): 2,781,121 parameters
        Network full = OutputDiscriminator.build(SameDiff.create(), "", new OutputDiscriminator.Spec());
        assertEquals(2_781_121L, full.trainableParamCount());
    }

    @Test
    void outputDiscriminatorSharedWeights() {
        SameDiff sd = SameDiff.create();
        // segmenter stand-ins: trainable logits for a source and a target image
        SDVariable src = sd.var("src", Nd4j.randn(DataType.FLOAT, 1, 3, 32, 32));
        SDVariable tgt = sd.var("tgt", Nd4j.randn(DataType.FLOAT, 1, 3, 32, 32));
        OutputDiscriminator.Spec spec = new OutputDiscriminator.Spec().inChannels(3).ndf(2);
        Network d1 = OutputDiscriminator.build(sd, "D.", spec, Losses.softmax(src, 1));
        long params = sd.variables().stream().filter(v -> v.name().startsWith("D.")).count();
        Network d2 = OutputDiscriminator.build(Scope.reusing(sd, "D.", DataType.FLOAT), spec, Losses.softmax(tgt, 1));
        assertEquals(d1.trainable(), d2.trainable());
        assertEquals("D.out", d1.output().name());
        assertEquals("D.out_1", d2.output().name());
        // no new D parameters, only the new output
        assertEquals(params + 1, sd.variables().stream().filter(v -> v.name().startsWith("D.")).count());
        // BCE: source -> 0, target -> 1; gradients reach both inputs and the shared weights
        Losses.bceWithLogits(d1.output(), 0.0).add(Losses.bceWithLogits(d2.output(), 1.0)).rename("loss");
        sd.setLossVariables("loss");
        List<String> req = new java.util.ArrayList<>(d1.trainable());
        req.add("src");
        req.add("tgt");
        Map<String, INDArray> g = sd.calculateGradients(null, req);
        assertTrue(g.get("src").amaxNumber().doubleValue() > 0);
        assertTrue(g.get("tgt").amaxNumber().doubleValue() > 0);
        assertTrue(g.get("D.conv1.weight").amaxNumber().doubleValue() > 0);
    }

    /**
     * SameDiff M2.1 quirk: a placeholder's gradient is only produced when the placeholder feeds an op that also
     * depends on a VARIABLE. D applied directly to a placeholder works (the way to pass dL/d(prediction) from a
     * discriminator graph back to a segmenter graph: compute the softmax in the segmenter graph); with any
     * variable-free op in between (here the softmax) calculateGradients silently returns no entry for it.
     */
    @Test
    void placeholderGradientQuirk() {
        OutputDiscriminator.Spec spec = new OutputDiscriminator.Spec().inChannels(3).ndf(2);
        INDArray p = Nd4j.rand(DataType.FLOAT, 1, 3, 32, 32);
        for (boolean softmaxInside : new boolean[]{false, true}) {
            SameDiff sd = SameDiff.create();
            SDVariable in = sd.placeHolder("p", DataType.FLOAT, -1, 3, 32, 32);
            Network d = OutputDiscriminator.build(sd, "", spec, softmaxInside ? Losses.softmax(in, 1) : in);
            Losses.bceWithLogits(d.output(), 1.0).rename("loss");
            sd.setLossVariables("loss");
            List<String> req = new java.util.ArrayList<>(d.trainable());
            req.add("p");
            Map<String, INDArray> g = sd.calculateGradients(Map.of("p", p), req);
            if (softmaxInside) {
                assertTrue(!g.containsKey("p"), "M2.1 quirk fixed? placeholder gradient through variable-free ops now works");
            } else {
                assertArrayEquals(new long[]{1, 3, 32, 32}, g.get("p").shape());
                assertTrue(g.get("p").amaxNumber().doubleValue() > 0);
            }
        }
    }

    @Test
    void patchDiscriminatorShapesNamesAndCount() {
        SameDiff sd = SameDiff.create();
        Network d = PatchDiscriminator.build(sd, "", new PatchDiscriminator.Spec().ndf(4));
        assertEquals(List.of("model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias", "model.5.weight", "model.5.bias",
                "model.8.weight", "model.8.bias", "model.11.weight", "model.11.bias"), d.trainable());
        assertArrayEquals(new long[]{4, 4, 16, 32}, sd.getArrForVarName("model.8.weight").shape());
        INDArray out = sd.output(Map.of("input", Nd4j.rand(DataType.FLOAT, 1, 3, 64, 64)), "out").get("out");
        // 64 -> 32 -> 16 -> 8 -> 7 -> 6
        assertArrayEquals(new long[]{1, 1, 6, 6}, out.shape());
        // pytorch-CycleGAN basic D (ndf 64, n_layers 3): 2,764,737 parameters
        assertEquals(2_764_737L, PatchDiscriminator.build(SameDiff.create(), "", new PatchDiscriminator.Spec()).trainableParamCount());
    }

    @Test
    void generatorKeepsSizeAndRange() {
        Nd4j.getRandom().setSeed(32);
        SameDiff sd = SameDiff.create();
        Network g = ResnetGenerator.build(sd, "G.", new ResnetGenerator.Spec().ngf(4).nBlocks(2).inputSize(32, 24));
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 24).muli(2).subi(1);
        INDArray y = sd.output(Map.of("G.input", x), "G.out").get("G.out");
        assertArrayEquals(new long[]{2, 3, 32, 24}, y.shape());
        assertTrue(y.maxNumber().doubleValue() <= 1.0 && y.minNumber().doubleValue() >= -1.0);
        assertTrue(y.stdNumber().doubleValue() > 1e-4, "output should vary");
        // n = 2: blocks model.10, model.11; transposed convs model.12, model.15; last conv model.19
        assertTrue(g.trainable().contains("G.model.11.conv_block.5.weight"));
        assertArrayEquals(new long[]{3, 3, 8, 16}, sd.getArrForVarName("G.model.12.weight").shape()); // [k,k,out,in]
        assertArrayEquals(new long[]{7, 7, 4, 3}, sd.getArrForVarName("G.model.19.weight").shape());
        assertThrows(IllegalArgumentException.class, () -> new ResnetGenerator.Spec().inputSize(30, 32));
    }

    @Test
    void fullGeneratorNamesAndCount() {
        SameDiff sd = SameDiff.create();
        Network g = ResnetGenerator.build(sd, "", new ResnetGenerator.Spec().inputSize(64, 64));
        // pytorch-CycleGAN resnet_9blocks, ngf 64, instance norm: 11,378,179 parameters
        assertEquals(11_378_179L, g.trainableParamCount());
        for (String n : List.of("model.1.weight", "model.1.bias", "model.4.weight", "model.7.weight", "model.10.conv_block.1.weight",
                "model.18.conv_block.5.bias", "model.19.weight", "model.22.weight", "model.26.weight", "model.26.bias")) {
            assertTrue(g.trainable().contains(n), n);
        }
        assertEquals(List.of(), g.frozen());
        Network affine = ResnetGenerator.build(SameDiff.create(), "", new ResnetGenerator.Spec().ngf(2).nBlocks(1).affineNorm(true).inputSize(16, 16));
        assertTrue(affine.trainable().contains("model.2.weight"));
        assertTrue(affine.trainable().contains("model.10.conv_block.6.bias"));
    }
}
