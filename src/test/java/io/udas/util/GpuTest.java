package io.udas.util;

import io.udas.util.Gpu.Backend;
import io.udas.util.Gpu.Capability;
import io.udas.util.Gpu.Device;
import io.udas.util.Gpu.Kernels;
import io.udas.util.Gpu.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The capability check, the parsers and the CPU path; no GPU or driver needed. */
class GpuTest {
    private static Device dev(int i, String name, String cc) {
        return new Device(i, name, Capability.parse(cc));
    }

    private static Verdict cuda(Device... d) {
        return Gpu.check(Backend.CUDA, List.of(d), Gpu.ND4J_M21, "test");
    }

    @Test
    void capabilityParsing() {
        assertEquals(new Capability(8, 6), Capability.parse("8.6"));
        assertEquals(new Capability(8, 6), Capability.parse("86"));
        assertEquals(new Capability(9, 0), Capability.parse("sm_90"));
        assertEquals(new Capability(10, 0), Capability.parse("100"));
        assertEquals(new Capability(12, 0), Capability.parse("12.0"));
        assertEquals("sm_90", Capability.parse("9.0").sm());
        assertThrows(IllegalArgumentException.class, () -> Capability.parse("[N/A]"));
        assertThrows(IllegalArgumentException.class, () -> Capability.parse("8"));
    }

    @Test
    void m21KernelsAreThoseOfTheReleaseBuild() {
        // -Dlibnd4j.compute='3.7 5.0 5.2 6.0 6.1 7.0 7.5 8.0 8.6', no PTX (fatbin of libnd4jcuda.so checked)
        assertEquals(9, Gpu.ND4J_M21.sass().size());
        assertTrue(Gpu.ND4J_M21.ptx().isEmpty());
        assertEquals(new Capability(8, 6), Gpu.ND4J_M21.max());
        assertEquals("3.7 to 8.x", Gpu.ND4J_M21.range());
    }

    @Test
    void ampereIsSupported() {
        Verdict a10 = cuda(dev(0, "NVIDIA A10", "8.6"));
        assertTrue(a10.ok(), a10.message());
        Verdict a100 = cuda(dev(0, "NVIDIA A100-SXM4-80GB", "8.0"));
        assertTrue(a100.ok(), a100.message());
        assertEquals("CUDA backend: GPU 0 NVIDIA A100-SXM4-80GB (8.0) supported by the ND4J 1.0.0-M2.1 CUDA build",
                a100.message());
    }

    @Test
    void olderAndAdaGpusRunThroughSameMajorCubins() {
        for (String cc : new String[]{"3.7", "5.0", "5.3", "6.1", "7.0", "7.2", "7.5", "8.7", "8.9"}) {
            assertTrue(cuda(dev(0, "g", cc)).ok(), cc);
        }
        // Kepler K40 (3.5) has no 3.x cubin at or below it
        assertFalse(cuda(dev(0, "Tesla K40m", "3.5")).ok());
    }

    @Test
    void hopperIsRefusedWithOneClearLine() {
        Verdict v = cuda(dev(0, "NVIDIA H100 80GB HBM3", "9.0"));
        assertFalse(v.ok());
        assertEquals(List.of(dev(0, "NVIDIA H100 80GB HBM3", "9.0")), v.unsupported());
        assertEquals("GPU 0 NVIDIA H100 80GB HBM3 has compute capability 9.0; the ND4J 1.0.0-M2.1 CUDA build has "
                + "kernels up to 8.6 only: use the CPU image, a GPU of compute capability 3.7 to 8.x, or build ND4J "
                + "for sm_90 (docker/README.md)", v.message());
        assertEquals(1, v.message().lines().count());
        Gpu.UnsupportedGpuException e = new Gpu.UnsupportedGpuException(v);
        assertEquals(v.message(), e.getMessage());
        assertEquals(v, e.verdict());
    }

    @Test
    void blackwellIsRefusedToo() {
        Verdict v = cuda(dev(0, "NVIDIA B200", "10.0"));
        assertFalse(v.ok());
        assertTrue(v.message().endsWith("or build ND4J for sm_100 (docker/README.md)"), v.message());
    }

    @Test
    void mixedGpusAreRefusedAndTheMessageSaysWhichToKeep() {
        Verdict v = cuda(dev(0, "NVIDIA A100-PCIE-40GB", "8.0"), dev(1, "NVIDIA H100 PCIe", "9.0"),
                dev(2, "NVIDIA H100 PCIe", "9.0"));
        assertFalse(v.ok());
        assertEquals(2, v.unsupported().size());
        assertEquals("GPU 1 NVIDIA H100 PCIe has compute capability 9.0, GPU 2 NVIDIA H100 PCIe has compute "
                + "capability 9.0; the ND4J 1.0.0-M2.1 CUDA build has kernels up to 8.6 only: use the CPU image, a GPU "
                + "of compute capability 3.7 to 8.x, only the supported GPUs (CUDA_VISIBLE_DEVICES=0), or build ND4J "
                + "for sm_90 (docker/README.md)", v.message());
        assertTrue(cuda(dev(0, "Tesla V100-SXM2-16GB", "7.0"), dev(1, "Tesla T4", "7.5")).ok());
    }

    @Test
    void noGpuWithTheCudaBuildIsAnError() {
        Verdict v = Gpu.check(Backend.CUDA, List.of(), Gpu.ND4J_M21, "no nvidia-smi");
        assertFalse(v.ok());
        assertTrue(v.message().contains("no CUDA GPU is visible (no nvidia-smi)"), v.message());
        assertTrue(v.message().contains("--gpus all"), v.message());
    }

    @Test
    void cpuBackendUsesNoGpuAndIsFine() {
        Verdict v = Gpu.check(Backend.CPU, List.of(dev(0, "NVIDIA H100", "9.0")), Gpu.ND4J_M21, "x");
        assertTrue(v.ok());
        assertTrue(v.devices().isEmpty());
        assertEquals("CPU backend: no GPU in use", v.message());
    }

    @Test
    void customBuildForHopper() {
        Kernels h = Gpu.configuredKernels(null, "90");
        assertTrue(h.runsOn(Capability.parse("9.0")));
        assertFalse(h.runsOn(Capability.parse("8.6")));
        Verdict ok = Gpu.check(Backend.CUDA, List.of(dev(0, "NVIDIA H100", "9.0")), h, "t");
        assertTrue(ok.ok(), ok.message());
        Verdict a100 = Gpu.check(Backend.CUDA, List.of(dev(0, "NVIDIA A100", "8.0")), h, "t");
        assertFalse(a100.ok());
        assertTrue(a100.message().contains("has kernels for sm 9.0 (no PTX) only"), a100.message());
        // property wins over the environment; blank means the Maven Central build
        assertEquals(List.of(Capability.parse("8.6"), Capability.parse("9.0")),
                Gpu.configuredKernels("8.6,9.0", "90").sass());
        assertEquals(Gpu.ND4J_M21, Gpu.configuredKernels(" ", null));
    }

    @Test
    void ptxRunsOnNewerGpus() {
        Kernels k = Kernels.parse("b", "8.0 8.6+PTX");
        assertTrue(k.runsOn(Capability.parse("9.0")));
        assertTrue(k.runsOn(Capability.parse("12.0")));
        assertFalse(k.runsOn(Capability.parse("7.5")));
        assertEquals("8.0 to newer", k.range());
        assertTrue(Kernels.parse("c", "compute_90").runsOn(Capability.parse("10.0")));
        assertThrows(IllegalArgumentException.class, () -> Kernels.parse("d", " "));
    }

    @Test
    void parsesNvidiaSmi() {
        String out = """
                0, GPU-5b3f4c2e-1111-2222-3333-444455556666, NVIDIA A100-SXM4-80GB, 8.0
                1, GPU-9a8b7c6d-1111-2222-3333-444455556666, NVIDIA H100 80GB HBM3, 9.0
                """;
        assertEquals(List.of(dev(0, "NVIDIA A100-SXM4-80GB", "8.0"), dev(1, "NVIDIA H100 80GB HBM3", "9.0")),
                Gpu.parseNvidiaSmi(out));
        // the short query of the issue: name,compute_cap
        assertEquals(List.of(dev(0, "Tesla T4", "7.5"), dev(1, "NVIDIA GeForce RTX 3090", "8.6")),
                Gpu.parseNvidiaSmi("Tesla T4, 7.5\nNVIDIA GeForce RTX 3090, 8.6\n"));
        // old drivers answer [N/A] or an error line: no device rather than a wrong one
        assertTrue(Gpu.parseNvidiaSmi("Tesla K80, [N/A]\n").isEmpty());
        assertTrue(Gpu.parseNvidiaSmi("Field \"compute_cap\" is not a valid field to query.\n").isEmpty());
        assertTrue(Gpu.parseNvidiaSmi("").isEmpty());
    }

    @Test
    void cudaVisibleDevicesFiltersNvidiaSmiDevices() {
        String out = "0, GPU-aaaa1111-0000-0000-0000-000000000000, NVIDIA A100, 8.0\n"
                + "1, GPU-bbbb2222-0000-0000-0000-000000000000, NVIDIA H100, 9.0\n";
        List<Device> all = Gpu.parseNvidiaSmi(out);
        List<String> uuids = Gpu.nvidiaSmiUuids(out);
        assertEquals(all, Gpu.applyVisibleDevices(all, uuids, null));
        assertEquals(List.of(dev(0, "NVIDIA A100", "8.0")), Gpu.applyVisibleDevices(all, uuids, "0"));
        assertEquals(List.of(dev(0, "NVIDIA H100", "9.0")), Gpu.applyVisibleDevices(all, uuids, "1"));
        assertEquals(List.of(dev(0, "NVIDIA H100", "9.0"), dev(1, "NVIDIA A100", "8.0")),
                Gpu.applyVisibleDevices(all, uuids, "1,0"));
        assertEquals(List.of(dev(0, "NVIDIA H100", "9.0")), Gpu.applyVisibleDevices(all, uuids, "GPU-bbbb"));
        assertTrue(Gpu.applyVisibleDevices(all, uuids, "").isEmpty());
        assertTrue(Gpu.applyVisibleDevices(all, uuids, "-1").isEmpty());
        assertEquals(List.of(dev(0, "NVIDIA A100", "8.0")), Gpu.applyVisibleDevices(all, uuids, "0,7,1"));
        assertEquals(all, Gpu.applyVisibleDevices(all, uuids, "MIG-1234"));
    }

    @Test
    void parsesNd4jCudaEnvironmentInformation() {
        // the shape CudaExecutioner.getEnvironmentInformation() builds (1.0.0-M2.1)
        Properties env = new Properties();
        env.put("backend", "CUDA");
        env.put("cuda.availableDevices", 2);
        List<Map<String, Object>> list = new ArrayList<>();
        list.add(deviceMap("NVIDIA A100-SXM4-40GB", 8L, 0L));
        list.add(deviceMap("NVIDIA H100 80GB HBM3", 9L, 0L));
        env.put("cuda.devicesInformation", list);
        assertEquals(Backend.CUDA, Gpu.backendOf(env));
        List<Device> devices = Gpu.fromEnvironmentInformation(env);
        assertEquals(List.of(dev(0, "NVIDIA A100-SXM4-40GB", "8.0"), dev(1, "NVIDIA H100 80GB HBM3", "9.0")), devices);
        Verdict v = Gpu.check(Gpu.backendOf(env), devices, Gpu.ND4J_M21, "ND4J");
        assertFalse(v.ok());
        assertTrue(v.message().startsWith("GPU 1 NVIDIA H100 80GB HBM3 has compute capability 9.0;"), v.message());
    }

    private static Map<String, Object> deviceMap(String name, long major, long minor) {
        Map<String, Object> m = new HashMap<>();
        m.put("cuda.deviceName", name);
        m.put("cuda.freeMemory", 1L << 34);
        m.put("cuda.totalMemory", 1L << 35);
        m.put("cuda.deviceMajor", major);
        m.put("cuda.deviceMinor", minor);
        return m;
    }

    @Test
    void runsNvidiaSmi(@TempDir Path dir) throws IOException {
        Path smi = dir.resolve("nvidia-smi");
        Files.writeString(smi, """
                #!/bin/sh
                [ "$1" = "--query-gpu=index,uuid,name,compute_cap" ] && [ "$2" = "--format=csv,noheader" ] || exit 9
                echo "0, GPU-aaaa1111-0000-0000-0000-000000000000, NVIDIA A100-SXM4-80GB, 8.0"
                echo "1, GPU-bbbb2222-0000-0000-0000-000000000000, NVIDIA H100 80GB HBM3, 9.0"
                """);
        assumeTrue(smi.toFile().setExecutable(true) && Files.isExecutable(Path.of("/bin/sh")));
        List<String> notes = new ArrayList<>();
        Optional<List<Device>> all = Gpu.nvidiaSmiDevices(notes, smi.toString(), null);
        assertEquals(Optional.of(List.of(dev(0, "NVIDIA A100-SXM4-80GB", "8.0"), dev(1, "NVIDIA H100 80GB HBM3", "9.0"))),
                all);
        assertEquals(List.of("nvidia-smi"), notes);
        assertEquals(Optional.of(List.of(dev(0, "NVIDIA A100-SXM4-80GB", "8.0"))),
                Gpu.nvidiaSmiDevices(new ArrayList<>(), smi.toString(), "0"));

        Path old = dir.resolve("old-smi");
        Files.writeString(old, "#!/bin/sh\necho 'Field \"compute_cap\" is not a valid field to query.'\nexit 2\n");
        assumeTrue(old.toFile().setExecutable(true));
        notes.clear();
        assertTrue(Gpu.nvidiaSmiDevices(notes, old.toString(), null).isEmpty());
        assertEquals(List.of("nvidia-smi: Field \"compute_cap\" is not a valid field to query."), notes);

        notes.clear();
        assertTrue(Gpu.nvidiaSmiDevices(notes, dir.resolve("absent").toString(), null).isEmpty());
        assertEquals(List.of("no nvidia-smi"), notes);
    }

    @Test
    void supportedGpusWithoutLoadableCudaLibrariesAreAnError() {
        Verdict ok = cuda(dev(0, "Tesla T4", "7.5"));
        Verdict v = Gpu.requireRuntime(ok, "CUDA runtime not loadable: libcudart.so.11.0: cannot open shared object file");
        assertFalse(v.ok());
        assertEquals("nvidia-smi lists GPU 0 Tesla T4 (7.5) but the CUDA libraries do not load (CUDA runtime not "
                + "loadable: libcudart.so.11.0: cannot open shared object file): install the CUDA 11 runtime and cuDNN "
                + "8, build with -Pcuda,cuda-redist, or use the CUDA image (docker/README.md)", v.message());
        assertEquals(ok, Gpu.requireRuntime(ok, null));
        // an unsupported GPU is the more useful message
        Verdict h100 = cuda(dev(0, "NVIDIA H100", "9.0"));
        assertEquals(h100, Gpu.requireRuntime(h100, "CUDA runtime not loadable: x"));
    }

    @Test
    void linkErrorsAreReducedToTheMissingLibrary() {
        UnsatisfiedLinkError inner = new UnsatisfiedLinkError("/root/.javacpp/cache/udas-cuda.jar/org/bytedeco/cuda/"
                + "linux-x86_64/libjnicudart.so: libcuda.so.1: cannot open shared object file: No such file or directory");
        UnsatisfiedLinkError outer = new UnsatisfiedLinkError("no jnicudart in java.library.path: /usr/lib:/lib");
        outer.initCause(inner);
        assertEquals("libcuda.so.1: cannot open shared object file: No such file or directory", Gpu.oneLine(outer));
        assertEquals("boom", Gpu.oneLine(new RuntimeException("boom\nmore")));
    }

    @Test
    void cpuBuildDetectsTheCpuBackendWithoutError() {
        // the test classpath is the default (nd4j-native) build
        assertEquals(Backend.CPU, Gpu.backendOnClasspath(GpuTest.class.getClassLoader()));
        Verdict v = Gpu.verdict();
        assertTrue(v.ok(), v.message());
        assertEquals(Backend.CPU, v.backend());
        assertEquals(v, Gpu.requireUsable());
        Map<String, Object> d = Gpu.describe(v);
        assertEquals("not used (CPU backend)", d.get("gpus"));
        assertEquals("ok", d.get("gpu_check"));
        Properties cpuEnv = new Properties();
        cpuEnv.put("backend", "CPU");
        cpuEnv.put("blas.vendor", "OPENBLAS");
        assertEquals(Backend.CPU, Gpu.backendOf(cpuEnv));
        assertTrue(Gpu.fromEnvironmentInformation(cpuEnv).isEmpty());
    }

    @Test
    void describeShowsGpusAndTheRefusal() {
        Verdict v = cuda(dev(0, "NVIDIA H100 80GB HBM3", "9.0"));
        Map<String, Object> d = Gpu.describe(v);
        assertEquals("0: NVIDIA H100 80GB HBM3, compute capability 9.0 [test]", d.get("gpus"));
        assertEquals("FAILED: " + v.message(), d.get("gpu_check"));
        assertTrue(d.get("cuda_kernels").toString().startsWith("sm 3.7 5.0 5.2 6.0 6.1 7.0 7.5 8.0 8.6 (no PTX) [ND4J 1.0.0-M2.1"),
                d.get("cuda_kernels").toString());
    }
}
