package io.udas.util;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.environment.Nd4jEnvironment;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Can the ND4J backend in this jar run on this machine's GPUs? Checked before ND4J starts, so that an
 * unsupported GPU gives one clear line instead of a failure deep inside a kernel launch.
 *
 * <p>A CUDA binary holds kernels as SASS (cubin) for given compute capabilities and optionally as PTX. A cubin
 * for X.y runs on devices X.z with z &gt;= y (same major only); PTX for X.y is JIT-compiled on any device
 * &gt;= X.y. ND4J 1.0.0-M2.1's {@code nd4j-cuda-11.6} was built with
 * {@code -Dlibnd4j.compute='3.7 5.0 5.2 6.0 6.1 7.0 7.5 8.0 8.6'} and no PTX (checked in the fatbin of its
 * {@code libnd4jcuda.so}): it runs on compute capability 3.7 and 5.0 to 8.9 (Maxwell to Ada, 8.9 through the
 * 8.6 cubin), and not on Hopper (9.0) or newer. A build made for other capabilities (docker/README.md) is
 * declared with {@code -Dudas.cuda.kernels=90} or {@code UDAS_CUDA_KERNELS=90}.
 *
 * <p>Pure part: {@link Kernels}, {@link #check}, {@link #parseNvidiaSmi}, {@link #fromEnvironmentInformation}.
 * Detection ({@link #verdict()}) never initialises ND4J: the backend is read from the classpath, the GPUs
 * from the CUDA runtime through JavaCPP (the same call ND4J's {@code JCublasBackend.canRun} makes first),
 * else from {@code nvidia-smi}.
 */
public final class Gpu {
    /** Present only in jars built with {@code -Pcuda}. */
    public static final String CUDA_BACKEND_CLASS = "org.nd4j.linalg.jcublas.JCublasBackend";
    public static final String KERNELS_PROPERTY = "udas.cuda.kernels";
    public static final String KERNELS_ENV = "UDAS_CUDA_KERNELS";
    /** {@code off} skips the check (a wrong detection must not block a working setup). */
    public static final String CHECK_PROPERTY = "udas.gpu.check";
    public static final String CHECK_ENV = "UDAS_GPU_CHECK";
    public static final String DOCS = "docker/README.md";

    /** The kernels of the nd4j-cuda-11.6:1.0.0-M2.1 jars on Maven Central (plain and -cudnn builds). */
    public static final Kernels ND4J_M21 =
            Kernels.parse("ND4J 1.0.0-M2.1 CUDA build", "3.7 5.0 5.2 6.0 6.1 7.0 7.5 8.0 8.6");

    private static final String CUDART = "org.bytedeco.cuda.global.cudart";
    private static final String CUDA_DEVICE_PROP = "org.bytedeco.cuda.cudart.cudaDeviceProp";
    private static final int ATTR_CC_MAJOR = 75; // cudaDevAttrComputeCapabilityMajor
    private static final int ATTR_CC_MINOR = 76; // cudaDevAttrComputeCapabilityMinor
    private static final String NVIDIA_SMI_QUERY = "--query-gpu=index,uuid,name,compute_cap";

    private static volatile Verdict cached;

    private Gpu() {
    }

    public enum Backend { CPU, CUDA }

    /** A compute capability such as 8.6. */
    public record Capability(int major, int minor) implements Comparable<Capability> {
        public Capability {
            if (major < 1 || minor < 0 || minor > 9) {
                throw new IllegalArgumentException("not a compute capability: " + major + "." + minor);
            }
        }

        /** Accepts {@code 8.6}, {@code 86}, {@code sm_86}, {@code compute_86}. */
        public static Capability parse(String s) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            t = t.startsWith("sm_") ? t.substring(3) : t.startsWith("compute_") ? t.substring(8) : t;
            try {
                int dot = t.indexOf('.');
                if (dot > 0) {
                    return new Capability(Integer.parseInt(t.substring(0, dot)), Integer.parseInt(t.substring(dot + 1)));
                }
                if (t.length() >= 2) {
                    return new Capability(Integer.parseInt(t.substring(0, t.length() - 1)),
                            Integer.parseInt(t.substring(t.length() - 1)));
                }
            } catch (NumberFormatException e) {
                // falls through
            }
            throw new IllegalArgumentException("not a compute capability: '" + s + "'");
        }

        public String sm() {
            return "sm_" + major + minor;
        }

        @Override
        public int compareTo(Capability o) {
            return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
        }

        @Override
        public String toString() {
            return major + "." + minor;
        }
    }

    /** A GPU as CUDA numbers it. */
    public record Device(int index, String name, Capability capability) {
        @Override
        public String toString() {
            return "GPU " + index + " " + name + " (" + capability + ")";
        }
    }

    /** The GPU code in an ND4J CUDA build: cubins (SASS) and PTX, by compute capability. */
    public record Kernels(String label, List<Capability> sass, List<Capability> ptx) {
        public Kernels {
            sass = List.copyOf(new TreeSet<>(sass));
            ptx = List.copyOf(new TreeSet<>(ptx));
            if (sass.isEmpty() && ptx.isEmpty()) {
                throw new IllegalArgumentException("no compute capability given for " + label);
            }
        }

        /**
         * Parses libnd4j's {@code -Dlibnd4j.compute} / {@code buildnativeoperations.sh -cc} notation: capabilities
         * separated by blanks, commas or semicolons ({@code 86}, {@code 8.6}, {@code sm_86}); {@code 8.6+PTX} adds
         * PTX for 8.6 too, {@code compute_86} PTX only.
         */
        public static Kernels parse(String label, String spec) {
            List<Capability> sass = new ArrayList<>();
            List<Capability> ptx = new ArrayList<>();
            for (String tok : spec.trim().split("[\\s,;]+")) {
                if (tok.isEmpty()) {
                    continue;
                }
                String t = tok.toLowerCase(Locale.ROOT);
                if (t.endsWith("+ptx")) {
                    Capability c = Capability.parse(t.substring(0, t.length() - 4));
                    sass.add(c);
                    ptx.add(c);
                } else if (t.startsWith("compute_")) {
                    ptx.add(Capability.parse(t));
                } else {
                    sass.add(Capability.parse(t));
                }
            }
            return new Kernels(label, sass, ptx);
        }

        /** CUDA's rule: a cubin runs on the same major and a higher or equal minor, PTX on anything newer. */
        public boolean runsOn(Capability cc) {
            return sass.stream().anyMatch(s -> s.major() == cc.major() && s.minor() <= cc.minor())
                    || ptx.stream().anyMatch(p -> p.compareTo(cc) <= 0);
        }

        public Capability max() {
            return all().stream().max(Comparator.naturalOrder()).orElseThrow();
        }

        public Capability min() {
            return all().stream().min(Comparator.naturalOrder()).orElseThrow();
        }

        /** The capabilities it runs on, e.g. "3.7 to 8.x". */
        public String range() {
            return min() + " to " + (ptx.isEmpty() ? max().major() + ".x" : "newer");
        }

        public String describe() {
            String s = sass.stream().map(Capability::toString).collect(Collectors.joining(" "));
            String p = ptx.stream().map(Capability::toString).collect(Collectors.joining(" "));
            if (p.isEmpty()) {
                return "sm " + s + " (no PTX)";
            }
            return s.isEmpty() ? "PTX " + p : "sm " + s + ", PTX " + p;
        }

        private List<Capability> all() {
            List<Capability> all = new ArrayList<>(sass);
            all.addAll(ptx);
            return all;
        }
    }

    /**
     * The outcome of the check. {@code ok} false means ND4J cannot run here; {@code message} is one line that
     * says why and what to do. {@code source} says where the devices came from.
     */
    public record Verdict(Backend backend, List<Device> devices, List<Device> unsupported, Kernels kernels,
                          String source, boolean ok, String message) {
        public Verdict {
            devices = List.copyOf(devices);
            unsupported = List.copyOf(unsupported);
        }
    }

    /** Thrown by {@link #requireUsable()}; its message is the verdict's one line. */
    public static final class UnsupportedGpuException extends IllegalStateException {
        private final transient Verdict verdict;

        public UnsupportedGpuException(Verdict verdict) {
            super(verdict.message());
            this.verdict = verdict;
        }

        public Verdict verdict() {
            return verdict;
        }
    }

    // ------------------------------------------------------------------ the pure check

    /**
     * Decides whether {@code kernels} run on every device. Every device must be usable: ND4J spreads threads over
     * all visible GPUs, so one unsupported GPU is refused even next to supported ones (and the message says how to
     * hide it).
     */
    public static Verdict check(Backend backend, List<Device> devices, Kernels kernels, String source) {
        if (backend == Backend.CPU) {
            return new Verdict(backend, List.of(), List.of(), kernels, source, true, "CPU backend: no GPU in use");
        }
        if (devices.isEmpty()) {
            return new Verdict(backend, devices, List.of(), kernels, source, false,
                    "this is the CUDA build of udas but no CUDA GPU is visible (" + source + "): run the container with "
                            + "--gpus all (NVIDIA Container Toolkit), check the driver with nvidia-smi, or use the CPU "
                            + "image (" + DOCS + ")");
        }
        List<Device> bad = devices.stream().filter(d -> !kernels.runsOn(d.capability())).toList();
        if (bad.isEmpty()) {
            return new Verdict(backend, devices, bad, kernels, source, true,
                    "CUDA backend: " + devices.stream().map(Device::toString).collect(Collectors.joining(", "))
                            + " supported by the " + kernels.label());
        }
        return new Verdict(backend, devices, bad, kernels, source, false, refusal(devices, bad, kernels));
    }

    private static String refusal(List<Device> devices, List<Device> bad, Kernels kernels) {
        String who = bad.stream()
                .map(d -> "GPU " + d.index() + " " + d.name() + " has compute capability " + d.capability())
                .collect(Collectors.joining(", "));
        boolean allNewer = kernels.ptx().isEmpty()
                && bad.stream().allMatch(d -> d.capability().compareTo(kernels.max()) > 0);
        String what = allNewer
                ? "has kernels up to " + kernels.max() + " only"
                : "has kernels for " + kernels.describe() + " only";
        List<Device> good = devices.stream().filter(d -> !bad.contains(d)).toList();
        String hide = good.isEmpty() ? "" : " only the supported GPUs (CUDA_VISIBLE_DEVICES="
                + good.stream().map(d -> String.valueOf(d.index())).collect(Collectors.joining(",")) + "),";
        String sms = bad.stream().map(d -> d.capability()).distinct().sorted().map(Capability::sm)
                .collect(Collectors.joining(" "));
        return who + "; the " + kernels.label() + " " + what + ": use the CPU image, a GPU of compute capability "
                + kernels.range() + "," + hide + " or build ND4J for " + sms + " (" + DOCS + ")";
    }

    // ------------------------------------------------------------------ parsers

    /**
     * Parses {@code nvidia-smi --query-gpu=index,uuid,name,compute_cap --format=csv,noheader} or the short
     * {@code --query-gpu=name,compute_cap} (then devices are numbered by line). Lines that do not end in a compute
     * capability (e.g. "[N/A]" from old drivers) are skipped.
     */
    public static List<Device> parseNvidiaSmi(String output) {
        List<Device> out = new ArrayList<>();
        int line = 0;
        for (String raw : output.split("\\R")) {
            String s = raw.trim();
            if (s.isEmpty()) {
                continue;
            }
            String[] f = s.split(",");
            if (f.length < 2) {
                continue;
            }
            Capability cc;
            try {
                cc = Capability.parse(f[f.length - 1].trim());
            } catch (IllegalArgumentException e) {
                continue;
            }
            int index = line++;
            int from = 0;
            if (f.length >= 4 && f[0].trim().matches("\\d+") && f[1].trim().startsWith("GPU-")) {
                index = Integer.parseInt(f[0].trim());
                from = 2;
            }
            StringBuilder name = new StringBuilder();
            for (int i = from; i < f.length - 1; i++) {
                name.append(i == from ? "" : ",").append(f[i]);
            }
            out.add(new Device(index, name.toString().trim(), cc));
        }
        return out;
    }

    /** UUIDs ("GPU-...") by line of the 4-column nvidia-smi output, for CUDA_VISIBLE_DEVICES filtering. */
    static List<String> nvidiaSmiUuids(String output) {
        List<String> out = new ArrayList<>();
        for (String raw : output.split("\\R")) {
            String[] f = raw.trim().split(",");
            if (f.length >= 4 && f[1].trim().startsWith("GPU-")) {
                try {
                    Capability.parse(f[f.length - 1].trim());
                    out.add(f[1].trim());
                } catch (IllegalArgumentException e) {
                    // skipped by parseNvidiaSmi too
                }
            }
        }
        return out;
    }

    /**
     * Keeps the devices that CUDA_VISIBLE_DEVICES lets CUDA see, renumbered as CUDA numbers them (nvidia-smi
     * ignores the variable). Indices and GPU UUID prefixes are understood; anything else (MIG ids) keeps all.
     */
    static List<Device> applyVisibleDevices(List<Device> devices, List<String> uuids, String visible) {
        if (visible == null) {
            return devices;
        }
        List<Device> out = new ArrayList<>();
        for (String tok : visible.split(",")) {
            String t = tok.trim();
            Device hit = null;
            if (t.matches("\\d+")) {
                int want = Integer.parseInt(t);
                hit = devices.stream().filter(d -> d.index() == want).findFirst().orElse(null);
            } else if (t.startsWith("GPU-") && uuids.size() == devices.size()) {
                for (int i = 0; i < uuids.size(); i++) {
                    if (uuids.get(i).startsWith(t)) {
                        hit = devices.get(i);
                    }
                }
            } else if (!t.isEmpty() && !t.matches("-\\d+")) {
                return devices;
            }
            if (hit == null) {
                break; // CUDA stops at the first entry that names no device
            }
            out.add(new Device(out.size(), hit.name(), hit.capability()));
        }
        return out;
    }

    /**
     * The devices in ND4J's environment information ({@code Nd4j.getExecutioner().getEnvironmentInformation()}):
     * the CUDA backend puts a list of maps under {@value Nd4jEnvironment#CUDA_DEVICE_INFORMATION_KEY} with
     * {@code cuda.deviceName}, {@code cuda.deviceMajor}, {@code cuda.deviceMinor}; the CPU backend has none.
     */
    public static List<Device> fromEnvironmentInformation(Properties env) {
        Object list = env.get(Nd4jEnvironment.CUDA_DEVICE_INFORMATION_KEY);
        List<Device> out = new ArrayList<>();
        if (!(list instanceof Collection<?> c)) {
            return out;
        }
        for (Object o : c) {
            if (o instanceof Map<?, ?> m) {
                Object name = m.get(Nd4jEnvironment.CUDA_DEVICE_NAME_KEY);
                Object major = m.get(Nd4jEnvironment.CUDA_DEVICE_MAJOR_VERSION_KEY);
                Object minor = m.get(Nd4jEnvironment.CUDA_DEVICE_MINOR_VERSION_KEY);
                if (major instanceof Number ma && minor instanceof Number mi) {
                    out.add(new Device(out.size(), String.valueOf(name), new Capability(ma.intValue(), mi.intValue())));
                }
            }
        }
        return out;
    }

    /** The backend named in ND4J's environment information ("CUDA" or "CPU"). */
    public static Backend backendOf(Properties env) {
        Object b = env.get(Nd4jEnvironment.BACKEND_KEY);
        return b != null && b.toString().toUpperCase(Locale.ROOT).contains("CUDA") ? Backend.CUDA : Backend.CPU;
    }

    /** The kernels declared for a custom ND4J build (property, then environment), else {@link #ND4J_M21}. */
    public static Kernels configuredKernels(String property, String env) {
        String spec = property != null && !property.isBlank() ? property : env;
        if (spec == null || spec.isBlank()) {
            return ND4J_M21;
        }
        return Kernels.parse("ND4J CUDA build for " + spec.trim() + " (" + KERNELS_ENV + ")", spec);
    }

    // ------------------------------------------------------------------ detection (side effects)

    /** The backend this jar will load: CUDA when the CUDA backend is on the classpath (it outranks CPU in ND4J). */
    public static Backend backendOnClasspath(ClassLoader loader) {
        try {
            Class.forName(CUDA_BACKEND_CLASS, false, loader);
            return Backend.CUDA;
        } catch (ClassNotFoundException | LinkageError e) {
            return Backend.CPU;
        }
    }

    /** Detects once per process and checks; does not initialise ND4J. */
    public static Verdict verdict() {
        Verdict v = cached;
        if (v == null) {
            synchronized (Gpu.class) {
                if (cached == null) {
                    cached = detect();
                }
                v = cached;
            }
        }
        return v;
    }

    /**
     * Call at the start of every command, before anything touches ND4J.
     *
     * @throws UnsupportedGpuException with the one-line reason when ND4J's CUDA kernels cannot run here
     */
    public static Verdict requireUsable() {
        Verdict v = verdict();
        if (!v.ok()) {
            throw new UnsupportedGpuException(v);
        }
        return v;
    }

    /** Lines for the {@code env} command (no ND4J initialisation). */
    public static Map<String, Object> describe(Verdict v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nd4j_build", v.backend() == Backend.CUDA ? "CUDA (nd4j-cuda-11.6, cuDNN helpers)" : "CPU (nd4j-native)");
        if (v.backend() == Backend.CUDA) {
            m.put("cuda_kernels", v.kernels().describe() + " [" + v.kernels().label() + "]");
            m.put("gpus", v.devices().isEmpty() ? "none (" + v.source() + ")"
                    : v.devices().stream().map(d -> d.index() + ": " + d.name() + ", compute capability "
                            + d.capability()).collect(Collectors.joining("; ")) + " [" + v.source() + "]");
        } else {
            m.put("gpus", "not used (CPU backend)");
        }
        m.put("gpu_check", v.ok() ? "ok" : "FAILED: " + v.message());
        return m;
    }

    static Verdict detect() {
        Kernels kernels = configuredKernels(System.getProperty(KERNELS_PROPERTY), System.getenv(KERNELS_ENV));
        Backend backend = backendOnClasspath(Gpu.class.getClassLoader());
        if (backend == Backend.CPU) {
            return check(backend, List.of(), kernels, "no CUDA backend in this jar");
        }
        String off = Optional.ofNullable(System.getProperty(CHECK_PROPERTY)).orElse(System.getenv(CHECK_ENV));
        if ("off".equalsIgnoreCase(off) || "false".equalsIgnoreCase(off)) {
            return new Verdict(backend, List.of(), List.of(), kernels, "not detected", true,
                    "GPU check skipped (" + CHECK_ENV + "=off)");
        }
        List<String> notes = new ArrayList<>();
        Optional<List<Device>> devices = cudartDevices(notes);
        String runtimeProblem = null;
        if (devices.isEmpty()) {
            runtimeProblem = notes.get(notes.size() - 1);
            devices = nvidiaSmiDevices(notes, "nvidia-smi", System.getenv("CUDA_VISIBLE_DEVICES"));
        }
        return requireRuntime(check(backend, devices.orElse(List.of()), kernels, String.join("; ", notes)),
                runtimeProblem);
    }

    /**
     * GPUs that nvidia-smi lists but the CUDA runtime could not be loaded for: ND4J would fail to load its
     * libraries, so a verdict that was ok becomes a failure that names the missing library.
     */
    static Verdict requireRuntime(Verdict v, String runtimeProblem) {
        if (!v.ok() || runtimeProblem == null || v.backend() != Backend.CUDA || v.devices().isEmpty()) {
            return v;
        }
        return new Verdict(v.backend(), v.devices(), v.unsupported(), v.kernels(), v.source(), false,
                "nvidia-smi lists " + v.devices().stream().map(Device::toString).collect(Collectors.joining(", "))
                        + " but the CUDA libraries do not load (" + runtimeProblem + "): install the CUDA 11 runtime "
                        + "and cuDNN 8, build with -Pcuda,cuda-redist, or use the CUDA image (" + DOCS + ")");
    }

    /** Devices through the CUDA runtime (JavaCPP's cudart, loaded by reflection: absent from CPU builds). */
    static Optional<List<Device>> cudartDevices(List<String> notes) {
        try {
            Class<?> rt = Class.forName(CUDART, true, Gpu.class.getClassLoader());
            int[] n = new int[1];
            int err = (int) rt.getMethod("cudaGetDeviceCount", int[].class).invoke(null, (Object) n);
            if (err != 0) {
                notes.add("cudaGetDeviceCount: " + cudaError(rt, err));
                return Optional.of(List.of());
            }
            Method attr = rt.getMethod("cudaDeviceGetAttribute", int[].class, int.class, int.class);
            Class<?> propClass = Class.forName(CUDA_DEVICE_PROP, true, Gpu.class.getClassLoader());
            Method props = rt.getMethod("cudaGetDeviceProperties", propClass, int.class);
            List<Device> out = new ArrayList<>();
            for (int i = 0; i < n[0]; i++) {
                int[] major = new int[1];
                int[] minor = new int[1];
                attr.invoke(null, major, ATTR_CC_MAJOR, i);
                attr.invoke(null, minor, ATTR_CC_MINOR, i);
                String name = "?";
                try (Pointer p = (Pointer) propClass.getConstructor().newInstance()) {
                    if ((int) props.invoke(null, p, i) == 0) {
                        name = ((BytePointer) propClass.getMethod("name").invoke(p)).getString().trim();
                    }
                }
                out.add(new Device(i, name, new Capability(major[0], minor[0])));
            }
            notes.add("CUDA runtime");
            return Optional.of(out);
        } catch (ClassNotFoundException e) {
            notes.add("no JavaCPP CUDA runtime classes");
        } catch (InvocationTargetException e) {
            notes.add("CUDA runtime: " + oneLine(e.getCause()));
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            notes.add("CUDA runtime not loadable: " + oneLine(e));
        }
        return Optional.empty();
    }

    private static String cudaError(Class<?> rt, int err) {
        try {
            BytePointer s = (BytePointer) rt.getMethod("cudaGetErrorString", int.class).invoke(null, err);
            return s.getString() + " [" + err + "]";
        } catch (ReflectiveOperationException | RuntimeException e) {
            return "error " + err;
        }
    }

    /** Devices through nvidia-smi (needs a driver with the compute_cap field, R510 or newer). */
    static Optional<List<Device>> nvidiaSmiDevices(List<String> notes, String executable, String visibleDevices) {
        try {
            Process p = new ProcessBuilder(executable, NVIDIA_SMI_QUERY, "--format=csv,noheader")
                    .redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                in.transferTo(buf);
                out = buf.toString(StandardCharsets.UTF_8);
            }
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                notes.add("nvidia-smi timed out");
                return Optional.empty();
            }
            if (p.exitValue() != 0) {
                notes.add("nvidia-smi: " + out.lines().findFirst().orElse("exit " + p.exitValue()).trim());
                return Optional.empty();
            }
            List<Device> all = parseNvidiaSmi(out);
            notes.add("nvidia-smi");
            return Optional.of(applyVisibleDevices(all, nvidiaSmiUuids(out), visibleDevices));
        } catch (IOException e) {
            notes.add("no nvidia-smi");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            notes.add("nvidia-smi interrupted");
        }
        return Optional.empty();
    }

    /**
     * The innermost cause in one line, without the library path JavaCPP prefixes: "no jnicudart in
     * java.library.path: ..." caused by "/root/.javacpp/cache/.../libjnicudart.so: libcuda.so.1: cannot open
     * shared object file: ..." becomes "libcuda.so.1: cannot open shared object file: ...".
     */
    static String oneLine(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        m = m.lines().findFirst().orElse("").trim();
        return m.replaceFirst("^/\\S+?\\.so[.0-9]*: ", "");
    }
}
