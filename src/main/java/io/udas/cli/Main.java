package io.udas.cli;

import io.udas.config.ConfigException;
import io.udas.nn.NativeBuild;
import io.udas.train.ArrayPool;
import io.udas.util.NativeMemoryGuard;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.nd4j.linalg.factory.Nd4j;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Entry point: {@code java -jar udas.jar <command> [options]}. */
public final class Main {
    /** Exit codes: usage or config errors are 2, failures of the work itself 1. */
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    private final Map<String, Command> commands = new LinkedHashMap<>();

    Main(List<Command> list) {
        list.forEach(c -> commands.put(c.name(), c));
    }

    /**
     * System property: bytes each SameDiff session keeps for reuse (default 1/16 of the memory arrays live in: RAM, or
     * the GPU's memory on the CUDA backend; 0 frees every array).
     */
    static final String ARRAY_POOL_BYTES = "udas.arraypool.bytes";

    static Main standard() {
        return new Main(Commands.all());
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        long ram = configureNativeMemory();
        NativeBuild.selectForCpu(); // JavaCPP alone would load the AVX2 build on an AVX-512 CPU
        NativeMemoryGuard.start(ram / 8);
        ArrayPool.install(() -> Long.getLong(ARRAY_POOL_BYTES, arrayMemory(ram) / 16));
        System.exit(standard().run(args));
    }

    /**
     * Two measured causes of runaway native memory (a multi-stage run was OOM-killed at 24 GB):
     * SameDiff keeps a per-graph cache of released arrays of up to 25% of JavaCPP's maxbytes, and a
     * stage holds several graphs; and ND4J frees native buffers only when the GC collects their Java
     * objects, which a small heap seldom triggers. So SameDiff's sessions get an {@link ArrayPool}
     * with a fixed budget instead of that cache, and JavaCPP's physical cap makes it run the GC
     * before RAM runs out. Must run before any ND4J class loads; explicit -D settings win. Returns the
     * machine's RAM.
     */
    static long configureNativeMemory() {
        long ram = ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        setUnlessGiven("org.bytedeco.javacpp.maxphysicalbytes", Long.toString(ram / 10 * 6));
        setUnlessGiven("org.bytedeco.javacpp.maxbytes", Long.toString(ram / 10 * 4));
        return ram;
    }

    /** The memory ND4J's arrays live in: the first GPU's on the CUDA backend, else {@code ram}. */
    static long arrayMemory(long ram) {
        Object devices = Nd4j.getExecutioner().getEnvironmentInformation().get("cuda.devicesInformation");
        if (devices instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map<?, ?> first
                && first.get("cuda.totalMemory") instanceof Number total) {
            return total.longValue();
        }
        return ram;
    }

    private static void setUnlessGiven(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    int run(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            printUsage();
            return args.length == 0 ? USAGE : OK;
        }
        Command cmd = commands.get(args[0]);
        if (cmd == null) {
            System.err.println("udas: unknown command '" + args[0] + "' (see udas --help)");
            return USAGE;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        Options opts = cmd.options();
        opts.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        opts.addOption(Option.builder().longOpt("debug").desc("print stack traces of errors").build());
        if (Arrays.asList(rest).contains("--help") || Arrays.asList(rest).contains("-h")) {
            printHelp(cmd, opts);
            return OK;
        }
        CommandLine cl;
        try {
            cl = new DefaultParser().parse(opts, rest);
        } catch (ParseException e) {
            System.err.println("udas " + cmd.name() + ": " + e.getMessage() + " (see udas " + cmd.name() + " --help)");
            return USAGE;
        }
        try {
            if (!cmd.name().equals("env")) {
                // One clear line (e.g. a Hopper GPU without kernels) instead of a failure deep in a kernel launch.
                io.udas.util.Gpu.requireUsable();
            }
            return cmd.run(cl);
        } catch (ConfigException | IllegalArgumentException e) {
            report(cmd, e, cl.hasOption("debug"));
            return USAGE;
        } catch (Exception | OutOfMemoryError e) {
            report(cmd, e, cl.hasOption("debug"));
            return FAILED;
        }
    }

    private static void report(Command cmd, Throwable e, boolean debug) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        System.err.println("udas " + cmd.name() + ": error: " + msg.lines().findFirst().orElse(""));
        if (debug || System.getenv("UDAS_DEBUG") != null) {
            e.printStackTrace();
        }
    }

    private void printUsage() {
        StringBuilder sb = new StringBuilder();
        sb.append("udas: domain adaptation + semi-supervised semantic segmentation on Deeplearning4j SameDiff\n\n");
        sb.append("usage: java -jar udas.jar <command> [options]   (each command has --help)\n\ncommands:\n");
        commands.values().forEach(c -> sb.append(String.format("  %-15s %s%n", c.name(), c.summary())));
        System.out.print(sb);
    }

    private static void printHelp(Command cmd, Options opts) {
        HelpFormatter f = new HelpFormatter();
        f.setWidth(100);
        PrintWriter pw = new PrintWriter(System.out);
        f.printHelp(pw, 100, "udas " + cmd.name() + " [options]", cmd.summary(), opts, 2, 2,
                cmd.examples().isEmpty() ? "" : "\nexamples:\n" + cmd.examples());
        pw.flush();
    }
}
