package io.udas.cli;

import io.udas.config.RunConfig;
import io.udas.model.ArrayArchive;
import io.udas.model.SegmentationModel;
import io.udas.model.WeightImport;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

import java.nio.file.Path;
import java.util.Map;

/** {@code import-weights}: a PyTorch state dict saved with numpy.savez -> a udas model file. */
final class ImportWeightsCommand implements Command {
    @Override
    public String name() {
        return "import-weights";
    }

    @Override
    public String summary() {
        return "import PyTorch weights (state dict saved with numpy.savez) into a model file";
    }

    @Override
    public String examples() {
        return "  # in Python: np.savez('r101.npz', **{k: v.numpy() for k, v in torchvision_resnet101.state_dict().items()})\n"
                + "  udas import-weights --npz r101.npz --config configs/gta5-cityscapes.yaml --out models/resnet101-imagenet.zip --allow-partial\n"
                + "  udas import-weights --npz adaptsegnet_gta5.npz --config configs/gta5-cityscapes.yaml --out models/adaptsegnet.zip\n";
    }

    @Override
    public Options options() {
        Options o = ConfigOptions.add(new Options(), true);
        o.addOption(Option.builder().longOpt("npz").hasArg().argName("FILE").required().desc("state dict as .npz").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("FILE").required().desc("model file to write").build());
        o.addOption(Option.builder().longOpt("allow-partial")
                .desc("keep going when tensors are missing, unexpected or of the wrong shape (ImageNet weights: no ASPP head, extra fc.*)").build());
        return o;
    }

    @Override
    public int run(CommandLine cl) {
        RunConfig cfg = ConfigOptions.load(cl);
        Path npz = Path.of(cl.getOptionValue("npz"));
        SegmentationModel model = SegmentationModel.create(cfg.model, cfg.seed, false);
        WeightImport.Report r = WeightImport.apply(ArrayArchive.read(npz).arrays(), model.weights());
        System.out.println(npz + ": " + r.describe());
        if (!r.complete() && !cl.hasOption("allow-partial")) {
            System.err.println("udas import-weights: error: " + npz + " does not match the model exactly (see the lists above); "
                    + "use --allow-partial to keep the initialised values for the missing tensors");
            return Main.FAILED;
        }
        model.provenance().put("imported_from", npz.toAbsolutePath().toString());
        model.save(Path.of(cl.getOptionValue("out")), Map.of("imported_tensors", r.loaded().size(),
                "missing", r.missing(), "unexpected", r.unexpected(), "wrong_shape", r.wrongShape()));
        System.out.println("model written to " + cl.getOptionValue("out"));
        return Main.OK;
    }
}
