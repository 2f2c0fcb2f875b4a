package io.udas.cli;

import io.udas.config.RunConfig;
import io.udas.pipeline.PipelineStages;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code pipeline}: the whole experiment from one config, stage by stage, resumable. */
final class PipelineCommand implements Command {
    @Override
    public String name() {
        return "pipeline";
    }

    @Override
    public String summary() {
        return "run the whole experiment: CycleGAN, translation, baselines, UDA, self-training, stage table";
    }

    @Override
    public String examples() {
        return "  udas pipeline --config configs/demo.yaml\n"
                + "  udas pipeline --config configs/demo.yaml --resume          (continue an interrupted run)\n"
                + "  udas pipeline --config configs/demo.yaml --from uda        (redo uda and later stages)\n"
                + "Stages (folders under output_dir): cyclegan (01-cyclegan), translate (02-translated), source-only\n"
                + "(03-source-only), style-transfer (04-style-transfer), uda (05-uda), self-training (06-self-training);\n"
                + "switch them with pipeline.{cyclegan,source_only,style_transfer,uda,self_training}.\n";
    }

    @Override
    public Options options() {
        Options o = ConfigOptions.add(new Options(), true);
        o.addOption(Option.builder().longOpt("resume")
                .desc("continue an interrupted stage (completed stages are always skipped)").build());
        o.addOption(Option.builder().longOpt("from").hasArg().argName("STAGE")
                .desc("redo this stage and all later ones (their old folders are renamed aside)").build());
        return o;
    }

    @Override
    public int run(CommandLine cl) {
        RunConfig cfg = ConfigOptions.load(cl);
        PipelineStages.run(cfg, cl.hasOption("resume"), cl.getOptionValue("from"));
        return Main.OK;
    }
}
