package io.udas.bench;

import io.udas.nn.Layers;
import io.udas.nn.NativeBuild;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Native build reporting, and plain dilated convs still working (and right) on whatever build is loaded. */
class NativeBuildTest {

    @Test
    void describesTheLoadedBuild() {
        Map<String, Object> d = NativeBuild.describe();
        String build = (String) d.get("native_build");
        assertTrue(build.startsWith("linux-x86_64") || !build.isEmpty(), build);
        assertEquals(build.contains("onednn"), NativeBuild.hasOneDnn(), build + " vs " + NativeBuild.buildInfo());
        assertTrue(d.containsKey("binary_level"));
    }

    @Test
    void dilatedConvRunsAndMatchesDoublePrecision() {
        // on the oneDNN build a float dilated conv would be rejected without the fallback listener
        double[] losses = new double[2];
        INDArray[] grads = new INDArray[2];
        DataType[] types = {DataType.FLOAT, DataType.DOUBLE};
        for (int i = 0; i < 2; i++) {
            DataType dt = types[i];
            Nd4j.getRandom().setSeed(3);
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.var("x", Nd4j.randn(DataType.DOUBLE, 1, 8, 13, 11).castTo(dt));
            SDVariable y = Layers.conv2d(io.udas.nn.Scope.of(sd, "", dt), "c", x,
                    io.udas.nn.Conv.of(8, 8, 3).pad(2).dilation(2).init(io.udas.nn.Init.normal(0.1)));
            y.mul(y).sum().rename("loss");
            sd.setLossVariables("loss");
            var og = sd.calculateGradientsAndOutputs(Map.of(), List.of("loss"), List.of("x", "c.weight"));
            losses[i] = og.getOutputs().get("loss").getDouble(0);
            grads[i] = og.getGradients().get("c.weight").castTo(DataType.DOUBLE);
        }
        assertEquals(losses[1], losses[0], 1e-4 * Math.abs(losses[1]));
        assertTrue(grads[0].sub(grads[1]).norm2Number().doubleValue() < 1e-4 * grads[1].norm2Number().doubleValue());
    }

    @Test
    void extensionChoiceFollowsCpuFlags() throws Exception {
        var m = NativeBuild.class.getDeclaredMethod("chooseExtension", String.class, java.util.function.Predicate.class);
        m.setAccessible(true);
        java.util.function.Predicate<String> all = e -> true;
        java.util.function.Predicate<String> avx2Only = e -> e.equals("-onednn-avx2");
        assertEquals("-onednn-avx512", m.invoke(null, "fpu sse avx2 avx512f", all));
        assertEquals("-onednn-avx2", m.invoke(null, "fpu sse avx2 avx512f", avx2Only));
        assertEquals("-onednn-avx2", m.invoke(null, "fpu avx2", all));
        assertEquals("-onednn", m.invoke(null, "fpu sse4_2", all));
        assertEquals("", m.invoke(null, "fpu sse4_2", avx2Only));
        assertFalse(NativeBuild.available("-no-such-build"));
    }
}
