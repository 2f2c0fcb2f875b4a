package io.udas.train;

import io.udas.config.RunConfig;
import io.udas.data.Batch;
import io.udas.data.Dataset;
import io.udas.data.Normalizer;
import io.udas.data.RunData;
import io.udas.data.TrainIterator;
import io.udas.model.Predictor;
import io.udas.model.SegmentationModel;
import io.udas.nn.DeepLabV2;
import io.udas.nn.Losses;
import io.udas.nn.Network;
import io.udas.train.optim.LrSchedule;
import io.udas.train.optim.ParamGroup;
import io.udas.train.optim.Sgd;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Supervised segmentation: pixel-wise cross-entropy (255 ignored) on one labeled dataset with SGD,
 * poly LR and a 10x head LR. Trains the source-only ("No adaptation") and SL baselines, and the
 * student of the self-training stage.
 */
public final class SupervisedTrainer implements StageRun {
    public static final String BEST = "best.zip";
    public static final String FINAL = "model.zip";
    static final String LABELS = "labels";
    static final String LOSS = "loss_seg";

    private final RunConfig cfg;
    private final String stageName;
    private final SegmentationModel model;
    private final RunData data;
    private final Dataset trainSet;
    private final long iterations;
    private final TrainingGraph graph;
    private final String input;
    private final LrSchedule lr;
    private final Normalizer normalizer;
    private final Predictor predictor;
    private final Validation validation;
    private TrainIterator batches;

    public SupervisedTrainer(String stageName, RunConfig cfg, SegmentationModel model, RunData data,
                             Dataset trainSet, long iterations, Validation validation) {
        this.cfg = cfg;
        this.stageName = stageName;
        this.model = model;
        this.data = data;
        this.trainSet = trainSet;
        this.iterations = iterations;
        this.normalizer = data.normalizer();
        this.predictor = new Predictor(model);
        this.validation = validation;
        int h = cfg.augment.crop.height;
        int w = cfg.augment.crop.width;
        SameDiff sd = SameDiff.create();
        Network net = model.build(sd, "", h, w, false, null);
        SDVariable labels = sd.placeHolder(LABELS, DataType.FLOAT, -1, h, w);
        Losses.maskedCrossEntropy(net.output(DeepLabV2.LOGITS_UP), labels, cfg.model.numClasses).rename(LOSS);
        this.input = net.input().name();
        this.graph = new TrainingGraph(sd, LOSS, segmenterGroups(cfg, net));
        this.lr = LrSchedule.poly(cfg.train.lr, iterations, cfg.train.polyPower);
    }

    /** Backbone and head (LR x head_lr_mult) groups of a segmenter, SGD with the run's settings. */
    public static List<ParamGroup> segmenterGroups(RunConfig cfg, Network net) {
        return List.of(
                new ParamGroup("backbone", net.backbone(), new Sgd(cfg.train.momentum, cfg.train.weightDecay), 1.0),
                new ParamGroup("head", net.head(), new Sgd(cfg.train.momentum, cfg.train.weightDecay),
                        cfg.train.headLrMult));
    }

    @Override
    public String stage() {
        return stageName;
    }

    @Override
    public long iterations() {
        return iterations;
    }

    @Override
    public Map<String, Double> step(long iteration) {
        if (batches == null) {
            batches = data.train(trainSet, trainSet.name(), iteration);
        }
        Batch b = batches.next();
        double rate = lr.at(iteration);
        var r = graph.step(Map.of(input, normalizer.normalize(b.images()), LABELS, b.labels()),
                List.of("backbone", "head"), rate, List.of(LOSS));
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(LOSS, r.loss());
        out.put("lr", rate);
        return out;
    }

    @Override
    public Map<String, INDArray> state() {
        return new TrainState().put("model.", model.weights()).optimizers(graph, "backbone", "head").arrays();
    }

    @Override
    public void restore(Map<String, INDArray> state) {
        TrainState.assign(model.weights(), TrainState.sub(state, "model."), "model");
        TrainState.restoreOptimizers(state, graph, "backbone", "head");
    }

    @Override
    public Map<String, Double> validate(long iteration) {
        return validation.run(predictor);
    }

    @Override
    public void saveBest(Path runDir, long iteration, double score) {
        model.save(runDir.resolve(BEST), Map.of("stage", stageName, "iteration", iteration, "miou", score));
    }

    @Override
    public void finish(Path runDir) {
        if (batches != null) {
            batches.close();
        }
        model.save(runDir.resolve(FINAL), Map.of("stage", stageName, "iteration", iterations));
    }
}
