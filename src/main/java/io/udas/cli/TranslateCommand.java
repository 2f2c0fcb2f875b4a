package io.udas.cli;

import io.udas.config.RunConfig;
import io.udas.pipeline.CycleGanStage;
import io.udas.train.cyclegan.Generators;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

import java.nio.file.Path;

/** {@code translate}: applies a trained CycleGAN generator to the source dataset (stage 1, second half). */
public final class TranslateCommand implements Command {
    @Override
    public String name() {
        return "translate";
    }

    @Override
    public String summary() {
        return "style-translate the source dataset with a trained CycleGAN generator (GTA5 layout, labels kept)";
    }

    @Override
    public String examples() {
        return "  udas translate --config configs/demo.yaml --generator runs/demo-cyclegan/generators.zip --out demo-data/cyclegta\n"
                + "  udas translate --config configs/gta5-cityscapes.yaml --generator runs/cyclegan/generators.zip \\\n"
                + "      --out data/cyclegta --set 'cyclegan.translate_size={height: 720, width: 1280}'\n";
    }

    @Override
    public Options options() {
        Options o = ConfigOptions.add(new Options(), true);
        o.addOption(Option.builder().longOpt("generator").hasArg().argName("FILE")
                .desc("generators file of a CycleGAN run (default: <output_dir>/" + Generators.FILE + ")").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required()
                .desc("output dataset folder (GTA5 layout); images already there are skipped").build());
        return o;
    }

    @Override
    public int run(CommandLine cl) {
        RunConfig cfg = ConfigOptions.load(cl);
        Path generator = cl.hasOption("generator") ? Path.of(cl.getOptionValue("generator"))
                : cfg.outputPath().resolve(Generators.FILE);
        CycleGanStage.translate(cfg, generator, Path.of(cl.getOptionValue("out")));
        return Main.OK;
    }
}
