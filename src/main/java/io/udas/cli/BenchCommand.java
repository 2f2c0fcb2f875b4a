package io.udas.cli;

import io.udas.bench.Bench;
import io.udas.bench.BenchConfig;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/** {@code bench}: times training steps, forward passes, UDA and CycleGAN iterations and the data pipeline (issue 8). */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "benchmark train steps, forward passes, UDA/CycleGAN iterations, data pipeline and peak memory";
    }

    @Override
    public String examples() {
        return "  udas bench --json bench.json\n"
                + "  udas bench --cases seg --sizes 161,321 --torch /usr/bin/python3 --profile\n"
                + "  udas bench --depth 18 --width 0.0625 --sizes 33 --cases seg,uda --repeats 2 --warmup 1\n";
    }

    @Override
    public Options options() {
        Options o = new Options();
        o.addOption(opt("depth", "N", "ResNet depth of the segmenter (default 101)"));
        o.addOption(opt("width", "X", "backbone width multiplier (default 1.0)"));
        o.addOption(opt("classes", "N", "number of classes (default 19)"));
        o.addOption(opt("sizes", "LIST", "segmenter input sizes (square), comma-separated (default 161,321)"));
        o.addOption(opt("batch", "N", "batch size (default 1)"));
        o.addOption(opt("warmup", "N", "untimed runs first (default 2); more while the JIT is still compiling"));
        o.addOption(opt("max-warmup", "N", "most untimed runs (default 10)"));
        o.addOption(opt("repeats", "N", "timed runs; the median is reported (default 5)"));
        o.addOption(opt("cases", "LIST", "of seg, uda, cyclegan, data (default all)"));
        o.addOption(opt("graph", "G", "fast (default: the builders' speed-ups) or reference (dilated convs, separate BN)"));
        o.addOption(opt("uda-size", "PX", "UDA iteration input size (default 321)"));
        o.addOption(opt("cyclegan-size", "PX", "CycleGAN input size (default 256)"));
        o.addOption(opt("ngf", "N", "CycleGAN generator width (default 64)"));
        o.addOption(opt("ndf", "N", "discriminator width (default 64)"));
        o.addOption(opt("gen-blocks", "N", "CycleGAN generator residual blocks (default 9)"));
        o.addOption(opt("data-size", "HxW", "data pipeline crop size (default 360x640)"));
        o.addOption(opt("data-batches", "N", "data pipeline batches timed (default 20)"));
        o.addOption(opt("data-threads", "N", "data loader threads (default: cores)"));
        o.addOption(Option.builder().longOpt("torch").optionalArg(true).hasArg().argName("PYTHON")
                .desc("also time the seg, uda and cyclegan cases in PyTorch with this Python (default python3, then /usr/bin/python3)").build());
        o.addOption(opt("torch-threads", "N", "PyTorch threads (default: ND4J's OpenMP threads)"));
        o.addOption(Option.builder().longOpt("profile").desc("per-op profile (by op and input shapes) of the largest train step").build());
        o.addOption(opt("profile-rows", "N", "rows of the --profile table (default 25)"));
        o.addOption(opt("json", "FILE", "write the report as JSON"));
        return o;
    }

    private static Option opt(String name, String arg, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).desc(desc).build();
    }

    @Override
    public int run(CommandLine cl) throws Exception {
        Bench.run(config(cl), System.out);
        return Main.OK;
    }

    static BenchConfig config(CommandLine cl) {
        BenchConfig c = new BenchConfig();
        c.depth = DemoDataCommand.intOpt(cl, "depth", c.depth);
        c.width = Double.parseDouble(cl.getOptionValue("width", Double.toString(c.width)));
        c.numClasses = DemoDataCommand.intOpt(cl, "classes", c.numClasses);
        if (cl.hasOption("sizes")) {
            c.sizes = ints(cl.getOptionValue("sizes"), "sizes");
        }
        c.batch = DemoDataCommand.intOpt(cl, "batch", c.batch);
        c.warmup = DemoDataCommand.intOpt(cl, "warmup", c.warmup);
        c.maxWarmup = DemoDataCommand.intOpt(cl, "max-warmup", Math.max(c.maxWarmup, c.warmup));
        c.repeats = DemoDataCommand.intOpt(cl, "repeats", c.repeats);
        if (c.repeats < 1 || c.warmup < 0 || c.batch < 1) {
            throw new IllegalArgumentException("--repeats >= 1, --warmup >= 0, --batch >= 1");
        }
        if (c.maxWarmup < c.warmup) {
            throw new IllegalArgumentException("--max-warmup must be >= --warmup (" + c.warmup + ")");
        }
        if (cl.hasOption("cases")) {
            c.cases = new LinkedHashSet<>();
            for (String s : cl.getOptionValue("cases").split(",")) {
                String k = s.trim().toLowerCase(java.util.Locale.ROOT);
                if (!BenchConfig.ALL_CASES.contains(k)) {
                    throw new IllegalArgumentException("--cases: unknown case '" + s + "' (" + BenchConfig.ALL_CASES + ")");
                }
                c.cases.add(k);
            }
        }
        String g = cl.getOptionValue("graph", "fast");
        if (!g.equals("fast") && !g.equals("reference")) {
            throw new IllegalArgumentException("--graph: fast or reference");
        }
        c.fast = g.equals("fast");
        c.udaSize = DemoDataCommand.intOpt(cl, "uda-size", c.udaSize);
        c.cycleganSize = DemoDataCommand.intOpt(cl, "cyclegan-size", c.cycleganSize);
        c.ngf = DemoDataCommand.intOpt(cl, "ngf", c.ngf);
        c.ndf = DemoDataCommand.intOpt(cl, "ndf", c.ndf);
        c.generatorBlocks = DemoDataCommand.intOpt(cl, "gen-blocks", c.generatorBlocks);
        if (cl.hasOption("data-size")) {
            List<Integer> hw = ints(cl.getOptionValue("data-size").replace('x', ','), "data-size");
            if (hw.size() != 2) {
                throw new IllegalArgumentException("--data-size: HxW");
            }
            c.dataHeight = hw.get(0);
            c.dataWidth = hw.get(1);
        }
        c.dataBatches = DemoDataCommand.intOpt(cl, "data-batches", c.dataBatches);
        c.dataThreads = DemoDataCommand.intOpt(cl, "data-threads", c.dataThreads);
        if (cl.hasOption("torch")) {
            c.torchPython = cl.getOptionValue("torch", "python3");
        }
        c.torchThreads = DemoDataCommand.intOpt(cl, "torch-threads", c.torchThreads);
        c.profile = cl.hasOption("profile");
        c.profileRows = DemoDataCommand.intOpt(cl, "profile-rows", c.profileRows);
        if (c.profileRows < 1) {
            throw new IllegalArgumentException("--profile-rows >= 1");
        }
        if (cl.hasOption("json")) {
            c.json = Path.of(cl.getOptionValue("json"));
        }
        return c;
    }

    private static List<Integer> ints(String v, String name) {
        List<Integer> out = new ArrayList<>();
        try {
            for (String s : Arrays.asList(v.split(","))) {
                out.add(Integer.parseInt(s.trim()));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": expected integers, got '" + v + "'");
        }
        return out;
    }
}
