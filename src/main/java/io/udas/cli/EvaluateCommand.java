package io.udas.cli;

import io.udas.config.LabelFormat;
import io.udas.config.RunConfig;
import io.udas.data.Normalizer;
import io.udas.data.RunData;
import io.udas.eval.ModelEvaluation;
import io.udas.eval.PngEvaluation;
import io.udas.eval.SegMetrics;
import io.udas.model.Predictor;
import io.udas.model.SegmentationModel;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code evaluate}: mIoU of a model on a config's target val split, or of a folder of predicted
 * trainId PNGs against ground truth (the official pixel-level protocol).
 */
final class EvaluateCommand implements Command {
    @Override
    public String name() {
        return "evaluate";
    }

    @Override
    public String summary() {
        return "confusion matrix, per-class IoU, mIoU: a model on target val, or prediction PNGs vs ground truth";
    }

    @Override
    public String examples() {
        return "  udas evaluate --model runs/demo/05-uda/best.zip --data configs/demo.yaml\n"
                + "  udas evaluate --pred-dir preds --gt-dir /data/cityscapes/gtFine/val --json eval.json\n";
    }

    @Override
    public Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("model").hasArg().argName("FILE").desc("model file to evaluate").build());
        o.addOption(Option.builder().longOpt("data").hasArg().argName("FILE")
                .desc("run config whose data.target_val (and eval.size) to evaluate on; with --model").build());
        o.addOption(Option.builder().longOpt("set").hasArg().argName("KEY=VALUE").desc("override a key of --data").build());
        o.addOption(Option.builder().longOpt("pred-dir").hasArg().argName("DIR").desc("predicted trainId PNGs").build());
        o.addOption(Option.builder().longOpt("gt-dir").hasArg().argName("DIR").desc("ground-truth label PNGs").build());
        o.addOption(Option.builder().longOpt("gt-format").hasArg().argName("FORMAT")
                .desc("ground truth holds label_ids (Cityscapes ids, default) or train_ids").build());
        o.addOption(Option.builder().longOpt("skip-problems")
                .desc("with --pred-dir: skip missing or mismatched images (counted) instead of failing").build());
        o.addOption(Option.builder().longOpt("json").hasArg().argName("FILE").desc("write the results as JSON").build());
        o.addOption(Option.builder().longOpt("markdown").hasArg().argName("FILE").desc("write a Markdown table").build());
        return o;
    }

    @Override
    public int run(CommandLine cl) throws Exception {
        boolean model = cl.hasOption("model");
        boolean png = cl.hasOption("pred-dir") || cl.hasOption("gt-dir");
        if (model == png) {
            throw new IllegalArgumentException("give either --model with --data, or --pred-dir with --gt-dir");
        }
        SegMetrics metrics;
        if (model) {
            if (!cl.hasOption("data")) {
                throw new IllegalArgumentException("--model needs --data CONFIG (its data.target_val is evaluated)");
            }
            metrics = evaluateModel(cl);
        } else {
            if (!cl.hasOption("pred-dir") || !cl.hasOption("gt-dir")) {
                throw new IllegalArgumentException("--pred-dir and --gt-dir go together");
            }
            PngEvaluation.Result r = new PngEvaluation(gtFormat(cl.getOptionValue("gt-format", "label_ids")),
                    cl.hasOption("skip-problems")).evaluate(Path.of(cl.getOptionValue("pred-dir")),
                    Path.of(cl.getOptionValue("gt-dir")));
            metrics = r.metrics();
            System.out.print(metrics.table());
            System.out.printf(Locale.ROOT, "%d images evaluated, %d skipped, %d predictions without ground truth%n",
                    r.images(), r.skipped(), r.unmatchedPredictions());
            if (cl.hasOption("json")) {
                r.writeJson(Path.of(cl.getOptionValue("json")));
            }
        }
        if (model) {
            System.out.print(metrics.table());
            if (cl.hasOption("json")) {
                metrics.writeJson(Path.of(cl.getOptionValue("json")));
            }
        }
        if (cl.hasOption("markdown")) {
            metrics.writeMarkdown(Path.of(cl.getOptionValue("markdown")));
        }
        return Main.OK;
    }

    private static SegMetrics evaluateModel(CommandLine cl) {
        RunConfig cfg = ConfigOptions.loadFrom(cl, "data");
        if (cfg.data.targetVal == null) {
            throw new IllegalArgumentException(cl.getOptionValue("data") + ": key data.target_val: required for evaluation");
        }
        SegmentationModel m = SegmentationModel.load(Path.of(cl.getOptionValue("model")));
        RunData data = new RunData(cfg, cfg.outputPath());
        return ModelEvaluation.run(new Predictor(m), data.eval(data.targetVal()), new Normalizer(m.config().input),
                m.config().numClasses, m.config().alignCorners).metrics();
    }

    private static LabelFormat gtFormat(String f) {
        return switch (f.toLowerCase(Locale.ROOT).replace('-', '_')) {
            case "label_ids", "labelids" -> LabelFormat.LABEL_IDS;
            case "train_ids", "trainids" -> LabelFormat.TRAIN_IDS;
            default -> throw new IllegalArgumentException("--gt-format: expected label_ids or train_ids, got '" + f + "'");
        };
    }
}
