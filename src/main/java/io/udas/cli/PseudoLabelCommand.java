package io.udas.cli;

import io.udas.config.RunConfig;
import io.udas.model.SegmentationModel;
import io.udas.pipeline.Stages;
import io.udas.pseudo.PseudoLabeler;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** {@code pseudo-label}: K-view max-confidence pseudo-labels of data.target from a teacher model. */
final class PseudoLabelCommand implements Command {
    @Override
    public String name() {
        return "pseudo-label";
    }

    @Override
    public String summary() {
        return "pseudo-label the target images with a teacher model (K views, max confidence, threshold)";
    }

    @Override
    public String examples() {
        return "  udas pseudo-label --config configs/demo.yaml --teacher runs/demo/05-uda/best.zip --out runs/pseudo\n"
                + "  udas pseudo-label --config configs/demo.yaml --teacher best.zip --out runs/pseudo "
                + "--set pseudo.threshold=0.95 --set pseudo.views=5\n";
    }

    @Override
    public Options options() {
        Options o = ConfigOptions.add(new Options(), true);
        o.addOption(Option.builder().longOpt("teacher").hasArg().argName("MODEL").required()
                .desc("the teacher's model file (e.g. a stage's best.zip)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required()
                .desc("output folder: labels/, confidence/, preview/, stats.json").build());
        return o;
    }

    @Override
    public int run(CommandLine cl) {
        RunConfig cfg = ConfigOptions.load(cl);
        Path teacher = Path.of(cl.getOptionValue("teacher"));
        if (!Files.isRegularFile(teacher)) {
            throw new IllegalArgumentException("--teacher " + teacher + ": model file not found");
        }
        Stages.ensureDemoData(cfg);
        Path out = Path.of(cl.getOptionValue("out"));
        PseudoLabeler.Result r = PseudoLabeler.run(cfg, SegmentationModel.load(teacher), out,
                Map.of("teacher", teacher.toString()));
        System.out.printf("pseudo-labels of %d images in %s (statistics: %s)%n", r.images(),
                PseudoLabeler.labelsDir(out), out.resolve(PseudoLabeler.STATS));
        return Main.OK;
    }
}
