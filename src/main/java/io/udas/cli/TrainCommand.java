package io.udas.cli;

import io.udas.config.RunConfig;
import io.udas.pipeline.CycleGanStage;
import io.udas.pipeline.SelfTraining;
import io.udas.pipeline.Stages;
import io.udas.pipeline.UdaStage;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code train}: runs the stage the config names (supervised, cyclegan, uda, student). */
final class TrainCommand implements Command {
    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "train one stage from a config (stage: supervised | cyclegan | uda | student)";
    }

    @Override
    public String examples() {
        return "  udas train --config configs/demo.yaml --set stage=supervised --set train.on=source "
                + "--set output_dir=runs/source-only\n"
                + "  udas train --config configs/demo.yaml --set stage=supervised --set train.on=target "
                + "--set data.labeled_target=200 --set output_dir=runs/target-only\n"
                + "  udas train --config configs/demo.yaml --set stage=uda --set output_dir=runs/uda\n"
                + "  udas train --config configs/demo.yaml --set stage=uda --set output_dir=runs/uda --resume\n";
    }

    @Override
    public Options options() {
        Options o = ConfigOptions.add(new Options(), true);
        o.addOption(Option.builder().longOpt("resume").desc("continue the run in output_dir from its checkpoint").build());
        return o;
    }

    @Override
    public int run(CommandLine cl) {
        RunConfig cfg = ConfigOptions.load(cl);
        if (cfg.stage == null) {
            throw new IllegalArgumentException(cl.getOptionValue("config") + ": key stage: required for train "
                    + "(supervised, cyclegan, uda or student)");
        }
        boolean resume = cl.hasOption("resume");
        var dir = cfg.outputPath();
        var result = switch (cfg.stage) {
            case SUPERVISED -> Stages.supervised(cfg, dir, resume);
            case UDA -> UdaStage.run(cfg, dir, resume);
            case CYCLEGAN -> CycleGanStage.train(cfg, dir, resume);
            case STUDENT -> SelfTraining.run(cfg, dir, resume);
        };
        System.out.printf("%s finished: %d iterations, best target-val mIoU %s; outputs in %s%n", cfg.stage.name().toLowerCase(),
                result.iterations(), Double.isFinite(result.bestScore())
                        ? String.format("%.2f%%", 100 * result.bestScore()) : "n/a", dir);
        return Main.OK;
    }
}
