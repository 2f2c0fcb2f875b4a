package io.udas.util;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ND4J's real environment information on the CPU backend (the default build): no GPU, no error. */
class GpuNd4jCpuTest {
    @Test
    void cpuBackendEnvironmentHasNoGpus() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        assertEquals(Gpu.Backend.CPU, Gpu.backendOf(env), String.valueOf(env.get("backend")));
        assertTrue(Gpu.fromEnvironmentInformation(env).isEmpty());
        Gpu.Verdict v = Gpu.check(Gpu.backendOf(env), Gpu.fromEnvironmentInformation(env), Gpu.ND4J_M21, "ND4J");
        assertTrue(v.ok(), v.message());
    }
}
