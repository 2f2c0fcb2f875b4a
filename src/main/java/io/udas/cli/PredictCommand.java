package io.udas.cli;

import io.udas.config.Size;
import io.udas.eval.FolderPrediction;
import io.udas.model.SegmentationModel;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

import java.nio.file.Path;

/** {@code predict}: segments a folder of images with a model. */
final class PredictCommand implements Command {
    @Override
    public String name() {
        return "predict";
    }

    @Override
    public String summary() {
        return "segment a folder of images: trainId PNGs, colour PNGs, optional .npy logits";
    }

    @Override
    public String examples() {
        return "  udas predict --model runs/demo/05-uda/best.zip --input demo-data/target/leftImg8bit/val --output preds\n"
                + "  udas predict --model m.zip --input imgs --output preds --size 512x1024 --logits\n";
    }

    @Override
    public Options options() {
        Options o = new Options();
        o.addOption(Option.builder("m").longOpt("model").hasArg().argName("FILE").required().desc("model file").build());
        o.addOption(Option.builder("i").longOpt("input").hasArg().argName("DIR").required()
                .desc("folder of images (searched recursively)").build());
        o.addOption(Option.builder("o").longOpt("output").hasArg().argName("DIR").required().desc("output folder").build());
        o.addOption(Option.builder().longOpt("size").hasArg().argName("HxW")
                .desc("network input size, e.g. 512x1024 (default: each image's own); outputs are at image size").build());
        o.addOption(Option.builder().longOpt("logits").desc("also write <name>.npy float32 [classes, H, W] logits").build());
        return o;
    }

    @Override
    public int run(CommandLine cl) {
        Size size = cl.hasOption("size") ? parseSize(cl.getOptionValue("size")) : null;
        SegmentationModel model = SegmentationModel.load(Path.of(cl.getOptionValue("model")));
        int n = FolderPrediction.run(model, Path.of(cl.getOptionValue("input")), Path.of(cl.getOptionValue("output")),
                size, cl.hasOption("logits"));
        System.out.println(n + " images segmented into " + cl.getOptionValue("output"));
        return Main.OK;
    }

    static Size parseSize(String s) {
        String[] p = s.toLowerCase().split("x");
        try {
            if (p.length == 2) {
                Size size = new Size(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
                if (size.height > 0 && size.width > 0) {
                    return size;
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--size: expected HEIGHTxWIDTH such as 512x1024, got '" + s + "'");
    }
}
