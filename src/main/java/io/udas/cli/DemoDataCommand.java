package io.udas.cli;

import io.udas.config.DemoDataConfig;
import io.udas.data.DemoData;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code demo-data}: generates the procedural two-domain street-scene dataset. */
final class DemoDataCommand implements Command {
    @Override
    public String name() {
        return "demo-data";
    }

    @Override
    public String summary() {
        return "generate the synthetic->real demo dataset (GTA5 and Cityscapes layouts)";
    }

    @Override
    public String examples() {
        return "  udas demo-data --out demo-data\n  udas demo-data --out big-demo --height 256 --width 512 --source 1000\n";
    }

    @Override
    public Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").desc("output folder (default demo-data)").build());
        o.addOption(Option.builder().longOpt("height").hasArg().argName("PX").desc("image height (default 128)").build());
        o.addOption(Option.builder().longOpt("width").hasArg().argName("PX").desc("image width (default 256)").build());
        o.addOption(Option.builder().longOpt("source").hasArg().argName("N").desc("source images (default 300)").build());
        o.addOption(Option.builder().longOpt("target-train").hasArg().argName("N").desc("target train images (default 300)").build());
        o.addOption(Option.builder().longOpt("target-val").hasArg().argName("N").desc("target val images (default 60)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("generator seed (default 7)").build());
        return o;
    }

    @Override
    public int run(CommandLine cl) {
        DemoDataConfig c = new DemoDataConfig();
        c.root = cl.getOptionValue("out", c.root);
        c.height = intOpt(cl, "height", c.height);
        c.width = intOpt(cl, "width", c.width);
        c.sourceImages = intOpt(cl, "source", c.sourceImages);
        c.targetTrain = intOpt(cl, "target-train", c.targetTrain);
        c.targetVal = intOpt(cl, "target-val", c.targetVal);
        c.seed = Long.parseLong(cl.getOptionValue("seed", Long.toString(c.seed)));
        var v = new io.udas.config.Validator();
        c.validate(v);
        if (!v.errors().isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", v.errors()));
        }
        long t0 = System.nanoTime();
        DemoData.generate(c, Runtime.getRuntime().availableProcessors());
        System.out.printf("demo data written to %s in %.1f s%n", c.root, (System.nanoTime() - t0) / 1e9);
        return Main.OK;
    }

    static int intOpt(CommandLine cl, String name, int dflt) {
        String v = cl.getOptionValue(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": expected an integer, got '" + v + "'");
        }
    }
}
