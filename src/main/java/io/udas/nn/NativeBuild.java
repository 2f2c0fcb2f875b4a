package io.udas.nn;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which libnd4j native build the process runs on, and the choice of one for the CPU.
 *
 * <p>nd4j-native ships several builds as classifier jars: {@code linux-x86_64} (OpenBLAS + im2col convolutions) and
 * {@code linux-x86_64-onednn[-avx2|-avx512]} (convolutions, pooling and more through oneDNN, several times faster on
 * CPU). JavaCPP loads one of those present on the class path when ND4J starts; the system property
 * {@value #EXTENSION_PROPERTY} (e.g. {@code -onednn-avx512}, {@code -onednn-avx2}, {@code -onednn}, or empty for the
 * plain build) picks one explicitly. AVX-512 and AVX2 builds must not run on CPUs without those instructions;
 * {@link #selectForCpu()} sets the property from /proc/cpuinfo when it is not set.
 *
 * <p>The oneDNN builds reject dilated convolutions (libnd4j's oneDNN conv2d helper computes the padding with the
 * undilated kernel size). The nn builders avoid dilated convs where it matters ({@link SpaceToBatch}); a plain dilated
 * conv still runs, through the generic implementation, because {@link Layers#conv2d} attaches
 * {@link #dilatedConvFallback()} to the graph when the oneDNN build is loaded.
 */
public final class NativeBuild {

    /** JavaCPP's property naming the classifier extension to load. */
    public static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";

    private static volatile Boolean oneDnn;

    private NativeBuild() {
    }

    /**
     * Sets {@value #EXTENSION_PROPERTY} for this CPU if nobody set it: the best oneDNN build whose jar is on the class
     * path and whose instruction set the CPU has ({@code -onednn-avx512} needs AVX-512F, {@code -onednn-avx2} AVX2,
     * {@code -onednn} nothing), else the plain build (empty extension) on a CPU without AVX2. Must run before ND4J is
     * first used. Returns the extension set, or null if the property was already set or JavaCPP's default is fine.
     */
    public static String selectForCpu() {
        if (System.getProperty(EXTENSION_PROPERTY) != null) {
            return null;
        }
        String ext = chooseExtension(cpuFlags(), NativeBuild::available);
        if (ext != null) {
            System.setProperty(EXTENSION_PROPERTY, ext);
        }
        return ext;
    }

    /** The extension {@link #selectForCpu()} picks for these /proc/cpuinfo flags and available builds (testable). */
    static String chooseExtension(String flags, java.util.function.Predicate<String> available) {
        String f = " " + flags.trim() + " ";
        boolean avx512 = f.contains(" avx512f ");
        boolean avx2 = f.contains(" avx2 ");
        if (avx512 && available.test("-onednn-avx512")) {
            return "-onednn-avx512";
        }
        if (avx2 && available.test("-onednn-avx2")) {
            return "-onednn-avx2";
        }
        if (available.test("-onednn")) {
            return "-onednn";
        }
        // no matching oneDNN build: the plain build runs everywhere (JavaCPP's default might pick an AVX2 one)
        return avx2 ? null : "";
    }

    /** True if the jar of the build with this extension (e.g. "-onednn-avx2") is on the class path. */
    public static boolean available(String extension) {
        String platform = "linux-x86_64" + extension;
        String res = "org/nd4j/linalg/cpu/nativecpu/bindings/" + platform + "/";
        return NativeBuild.class.getClassLoader().getResource(res + "libnd4jcpu.so") != null
                || NativeBuild.class.getClassLoader().getResource(res) != null;
    }

    /** The classifier of the loaded build, e.g. "linux-x86_64-onednn-avx512" (loads ND4J if needed). */
    public static String loaded() {
        Nd4j.getBackend();
        String path = org.bytedeco.javacpp.Loader.getLoadedLibraries().get("nd4jcpu");
        if (path == null) {
            return Nd4j.getBackend().getClass().getSimpleName();
        }
        Path p = Path.of(path).getParent();
        return p == null ? path : p.getFileName().toString();
    }

    /** True if the loaded libnd4j was built with oneDNN. */
    public static boolean hasOneDnn() {
        Boolean b = oneDnn;
        if (b == null) {
            b = buildInfo().contains("HAVE_ONEDNN");
            oneDnn = b;
        }
        return b;
    }

    /** libnd4j's build information (compiler, HAVE_ONEDNN, HAVE_OPENBLAS, ...). */
    public static String buildInfo() {
        try {
            Nd4j.getBackend();
            String s = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
            return s == null ? "" : s;
        } catch (RuntimeException | LinkageError e) {
            return "";
        }
    }

    /** For the {@code env} command: loaded build, oneDNN, binary level, CPU flags, the extension property. */
    public static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("native_build", loaded());
        m.put("onednn", hasOneDnn());
        String prop = System.getProperty(EXTENSION_PROPERTY);
        m.put("platform_extension", prop == null ? "(JavaCPP default)" : prop.isEmpty() ? "(plain)" : prop);
        try {
            var ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
            m.put("binary_level", switch (ops.binaryLevel()) {
                case 3 -> "avx512";
                case 2 -> "avx2";
                default -> "generic";
            });
            m.put("optimal_for_cpu", ops.isOptimalRequirementsMet());
        } catch (RuntimeException | LinkageError e) {
            m.put("binary_level", "?");
        }
        m.put("cpu_flags", cpuFlags().trim());
        return m;
    }

    /** " flag flag ... " from /proc/cpuinfo (padded with spaces), or " " if unknown. */
    static String cpuFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return " " + line.substring(line.indexOf(':') + 1).trim() + " ";
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return " ";
    }

    /**
     * A listener that runs dilated conv2d ops (and their backward) without platform helpers, i.e. through libnd4j's
     * generic implementation, so that they work on the oneDNN build. Other ops are untouched.
     */
    public static Listener dilatedConvFallback() {
        return DilatedConvFallback.INSTANCE;
    }

    /** Adds {@link #dilatedConvFallback()} to the graph once, if the loaded build has oneDNN. */
    static void ensureDilatedConvFallback(SameDiff sd) {
        if (!hasOneDnn()) {
            return;
        }
        if (sd.getListeners() != null && sd.getListeners().contains(DilatedConvFallback.INSTANCE)) {
            return;
        }
        sd.addListeners(DilatedConvFallback.INSTANCE);
    }

    private static final class DilatedConvFallback extends BaseListener {
        static final DilatedConvFallback INSTANCE = new DilatedConvFallback();

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext ctx) {
            if (ctx != null && dilated(op)) {
                ctx.allowHelpers(false);
            }
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx, INDArray[] outputs) {
            if (ctx != null && dilated(op)) {
                ctx.allowHelpers(true);
            }
        }

        private static boolean dilated(SameDiffOp op) {
            if (!(op.getOp() instanceof Conv2D c)) {
                return false;
            }
            long[] i = ((DynamicCustomOp) c).iArgs();
            return i != null && i.length > 7 && (i[6] > 1 || i[7] > 1);
        }
    }
}
