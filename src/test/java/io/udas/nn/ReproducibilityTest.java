package io.udas.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Same ND4J seed before building -> identical initial weights; different seed -> different weights. */
class ReproducibilityTest {

    private static List<Object> weights(long seed, Function<SameDiff, Network> builder) {
        Nd4j.getRandom().setSeed(seed);
        SameDiff sd = SameDiff.create();
        Network net = builder.apply(sd);
        List<Object> out = new ArrayList<>();
        for (String n : net.trainable()) {
            out.add(n);
            out.add(sd.getArrForVarName(n).dup());
        }
        return out;
    }

    @Test
    void sameSeedSameWeights() {
        List<Function<SameDiff, Network>> builders = List.of(
                sd -> DeepLabV2.build(sd, "seg.", new DeepLabV2.Spec().numClasses(4).depth(50).width(1.0 / 16).inputSize(33, 33).aux(true)),
                sd -> OutputDiscriminator.build(sd, "", new OutputDiscriminator.Spec().inChannels(4).ndf(4)),
                sd -> PatchDiscriminator.build(sd, "", new PatchDiscriminator.Spec().ndf(4)),
                sd -> ResnetGenerator.build(sd, "", new ResnetGenerator.Spec().ngf(4).nBlocks(2).inputSize(16, 16)));
        for (Function<SameDiff, Network> b : builders) {
            List<Object> a = weights(42, b);
            assertEquals(a, weights(42, b));
            assertNotEquals(a, weights(43, b));
        }
    }
}
