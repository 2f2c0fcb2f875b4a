package io.udas.pipeline;

import io.udas.config.ConfigLoader;
import io.udas.config.DatasetConfig;
import io.udas.config.Layout;
import io.udas.config.PipelineConfig;
import io.udas.config.RunConfig;
import io.udas.config.Stage;
import io.udas.config.TrainConfig;
import io.udas.data.EvalIterator;
import io.udas.data.RunData;
import io.udas.eval.ModelEvaluation;
import io.udas.eval.SegMetrics;
import io.udas.model.Predictor;
import io.udas.model.SegmentationModel;
import io.udas.train.SupervisedTrainer;
import io.udas.train.TrainingLoop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The whole UDAS experiment from one config, as pipeline stages in {@code output_dir}:
 * <pre>
 *   01-cyclegan        CycleGAN between source and target images      (pipeline.cyclegan)
 *   02-translated      the source translated by G, with its labels     (pipeline.cyclegan)
 *   03-source-only     supervised on the raw source: "No adaptation"   (pipeline.source_only)
 *   04-style-transfer  supervised on the translated source             (pipeline.cyclegan and style_transfer)
 *   05-uda             adversarial + CutMix on the (translated) source (pipeline.uda)
 *   06-self-training   pseudo-labels + student rounds from the UDA model (pipeline.self_training)
 * </pre>
 * Every model stage ends with an evaluation of its best model on all of data.target_val
 * ({@code <folder>/target-val.json}, {@code .md}), which fills its row of the stage table.
 */
public final class PipelineStages {
    public static final String CYCLEGAN = "01-cyclegan";
    public static final String TRANSLATED = "02-translated";
    public static final String SOURCE_ONLY = "03-source-only";
    public static final String STYLE_TRANSFER = "04-style-transfer";
    public static final String UDA = "05-uda";
    public static final String SELF_TRAINING = "06-self-training";
    /** The generators file the CycleGAN stage writes into its folder. */
    public static final String GENERATORS = "generators.zip";

    private PipelineStages() {
    }

    /** The stages {@code cfg.pipeline} asks for, in order. */
    public static List<PipelineStage> of(RunConfig cfg) {
        Path out = cfg.outputPath();
        PipelineConfig p = cfg.pipeline;
        List<PipelineStage> stages = new ArrayList<>();
        Path generators = out.resolve(CYCLEGAN).resolve(GENERATORS);
        Path translated = out.resolve(TRANSLATED);
        if (p.cyclegan) {
            if (cfg.data.source == null) {
                throw new IllegalArgumentException("data.source: required for the pipeline's CycleGAN stage");
            }
            stages.add(PipelineStage.of("cyclegan", CYCLEGAN, null, (dir, resume) -> {
                RunConfig c = derive(cfg, "cyclegan", dir, Stage.CYCLEGAN);
                TrainingLoop.Result r = CycleGanStage.train(c, dir, resume);
                Map<String, Object> m = loopResult(r);
                m.put("generators", dir.resolve(GENERATORS).toString());
                return m;
            }));
            stages.add(PipelineStage.of("translate", TRANSLATED, null, (dir, resume) -> {
                RunConfig c = derive(cfg, "translate", dir, Stage.CYCLEGAN);
                CycleGanStage.translate(c, generators, dir);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("dataset", dir.toString());
                return m;
            }));
        }
        if (p.sourceOnly) {
            stages.add(PipelineStage.of("source-only", SOURCE_ONLY, "No adaptation", (dir, resume) -> {
                RunConfig c = derive(cfg, "source-only", dir, Stage.SUPERVISED);
                c.train.on = TrainConfig.TrainOn.SOURCE;
                return modelResult(c, dir, Stages.supervised(c, dir, resume));
            }));
        }
        if (p.cyclegan && p.styleTransfer) {
            stages.add(PipelineStage.of("style-transfer", STYLE_TRANSFER, "Style transfer", (dir, resume) -> {
                RunConfig c = derive(cfg, "style-transfer", dir, Stage.SUPERVISED);
                c.train.on = TrainConfig.TrainOn.SOURCE;
                c.data.source = translatedSource(cfg, translated);
                return modelResult(c, dir, Stages.supervised(c, dir, resume));
            }));
        }
        if (p.uda) {
            stages.add(PipelineStage.of("uda", UDA, p.cyclegan ? "ST + UDA" : "UDA", (dir, resume) -> {
                RunConfig c = derive(cfg, "uda", dir, Stage.UDA);
                if (p.cyclegan) {
                    c.data.source = translatedSource(cfg, translated);
                }
                if (p.udaInit == PipelineConfig.UdaInit.STYLE_TRANSFER) {
                    c.train.init = bestModel(out.resolve(STYLE_TRANSFER)).toString();
                }
                return modelResult(c, dir, UdaStage.run(c, dir, resume));
            }));
        }
        if (p.selfTraining) {
            stages.add(PipelineStage.of("self-training", SELF_TRAINING, p.cyclegan ? "ST + UDA + SSL" : "UDA + SSL",
                    (dir, resume) -> {
                        RunConfig c = derive(cfg, "self-training", dir, Stage.STUDENT);
                        if (c.student.backbone == null) {
                            c.student.backbone = cfg.train.init;
                        }
                        c.train.init = bestModel(out.resolve(UDA)).toString();
                        return modelResult(c, dir, SelfTraining.run(c, dir, resume));
                    }));
        }
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("pipeline: every stage is switched off");
        }
        return stages;
    }

    /**
     * Runs the experiment: demo data when configured, the stages, then the stage table and summary.
     *
     * @param from redo this stage and the later ones (null = continue where the last run stopped)
     */
    public static StageTable.Summary run(RunConfig cfg, boolean resume, String from) {
        Stages.ensureDemoData(cfg);
        Path out = cfg.outputPath();
        Pipeline pipeline = new Pipeline(out, of(cfg));
        long t0 = System.nanoTime();
        List<Pipeline.Outcome> outcomes = pipeline.run(resume, from);
        StageTable.Summary s = StageTable.write(out, outcomes);
        System.out.printf(Locale.ROOT, "pipeline finished in %.0f s (this session): final %s target-val mIoU %s; "
                        + "stage table in %s%n", (System.nanoTime() - t0) / 1e9, s.finalStage(),
                Double.isFinite(s.score()) ? String.format(Locale.ROOT, "%.2f%%", 100 * s.score()) : "n/a",
                out.resolve(StageTable.MD));
        return s;
    }

    /** A stage's config: a deep copy writing into the stage's folder. */
    static RunConfig derive(RunConfig cfg, String stage, Path dir, Stage kind) {
        RunConfig c = ConfigLoader.copy(cfg);
        c.name = (cfg.name == null ? "pipeline" : cfg.name) + "-" + stage;
        c.outputDir = dir.toString();
        c.stage = kind;
        return c;
    }

    /** The translated source as a dataset: GTA5 layout, the source's label format and resize. */
    static DatasetConfig translatedSource(RunConfig cfg, Path root) {
        DatasetConfig d = new DatasetConfig();
        d.layout = Layout.GTA5;
        d.root = root.toString();
        d.labels = cfg.data.source.labels;
        d.resize = cfg.data.source.resize;
        return d;
    }

    /** A stage's best model (best.zip), or its final model when it never validated. */
    static Path bestModel(Path dir) {
        Path best = dir.resolve(SupervisedTrainer.BEST);
        if (Files.isRegularFile(best)) {
            return best;
        }
        Path fin = dir.resolve(SupervisedTrainer.FINAL);
        if (Files.isRegularFile(fin)) {
            return fin;
        }
        throw new IllegalStateException(dir + ": holds no model (" + SupervisedTrainer.BEST + " or "
                + SupervisedTrainer.FINAL + ")");
    }

    static Map<String, Object> loopResult(TrainingLoop.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("iterations", r.iterations());
        m.put("best_score", Double.isFinite(r.bestScore()) ? r.bestScore() : null);
        m.put("seconds_last_session", r.seconds());
        return m;
    }

    /** The loop's figures plus the evaluation of the stage's best model on all target-val images. */
    static Map<String, Object> modelResult(RunConfig c, Path dir, TrainingLoop.Result r) {
        Map<String, Object> m = loopResult(r);
        Path model = bestModel(dir);
        m.put("model", model.toString());
        if (c.data.targetVal != null) {
            RunData data = new RunData(c, dir);
            SegMetrics s;
            try (EvalIterator it = new EvalIterator(data.targetVal(), 1, c.eval.size, c.data.loaderThreads,
                    c.data.prefetch)) {
                s = ModelEvaluation.run(new Predictor(SegmentationModel.load(model)), it, data.normalizer(),
                        c.model.numClasses, c.model.alignCorners).metrics();
            }
            s.writeJson(dir.resolve("target-val.json"));
            s.writeMarkdown(dir.resolve("target-val.md"));
            m.put("miou", s.miou());
            m.put(Pipeline.TARGET_VAL, s.toJson());
            System.out.printf(Locale.ROOT, "%s: best model %s on target val: %s%n", c.name, model, s);
        }
        return m;
    }
}
