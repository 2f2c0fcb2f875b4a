package io.udas.train.uda;

import io.udas.config.GanLoss;
import io.udas.config.RunConfig;
import io.udas.config.UdaConfig;
import io.udas.data.Batch;
import io.udas.data.Dataset;
import io.udas.data.Normalizer;
import io.udas.data.Photometric;
import io.udas.data.RunData;
import io.udas.data.Seeds;
import io.udas.data.TrainIterator;
import io.udas.model.Predictor;
import io.udas.model.SegmentationModel;
import io.udas.nn.DeepLabV2;
import io.udas.nn.Losses;
import io.udas.nn.Network;
import io.udas.nn.OutputDiscriminator;
import io.udas.nn.Scope;
import io.udas.train.StageRun;
import io.udas.train.SupervisedTrainer;
import io.udas.train.TrainState;
import io.udas.train.TrainingGraph;
import io.udas.train.TwoPlayerStep;
import io.udas.train.Validation;
import io.udas.train.optim.Adam;
import io.udas.train.optim.LrSchedule;
import io.udas.train.optim.ParamGroup;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Stage 2 of UDAS: DeepLab-v2 trained with
 * {@code L = L_seg + lambda_cm L_cm + lambda_adv L_adv} and an output-space discriminator
 * (AdaptSegNet), CutMix between source and labeled target samples (off without labeled target
 * images: pure UDA), optional multi-level (layer3) adaptation, softmax temperature and confidence
 * masking of the adversarial term.
 *
 * <p>One iteration is a {@link TwoPlayerStep}:
 * <ol>
 *   <li>segmenter graph: the segmenter on the source, CutMix and target images (shared weights), CE
 *   on source and mixed labels, D on the target softmax labelled as source (0); updates the
 *   segmenter's groups only, so D passes the adversarial gradient through unchanged;</li>
 *   <li>discriminator graph: D on the source and target softmax maps of step 1 (computed before the
 *   segmenter update, i.e. detached) with labels 0 and 1; updates D only (Adam).</li>
 * </ol>
 */
public final class UdaTrainer implements StageRun {
    public static final String STAGE = "uda";

    static final String SRC_IMAGE = "src_image";
    static final String SRC_LABEL = "src_label";
    static final String MIX_IMAGE = "mix_image";
    static final String MIX_LABEL = "mix_label";
    static final String TGT_IMAGE = "tgt_image";
    static final String LAMBDA_SEG = "lambda_seg";
    static final String LAMBDA_CM = "lambda_cm";
    static final String LAMBDA_ADV = "lambda_adv";
    static final String LAMBDA_ADV_AUX = "lambda_adv_aux";
    static final String PROB_SRC = "prob_src";
    static final String PROB_TGT = "prob_tgt";
    static final String PROB_SRC_AUX = "prob_src_aux";
    static final String PROB_TGT_AUX = "prob_tgt_aux";
    static final String D_SRC = "d_src";
    static final String D_TGT = "d_tgt";
    static final String D_SRC_AUX = "d_aux_src";
    static final String D_TGT_AUX = "d_aux_tgt";

    static final String LOSS_TOTAL = "loss_total";
    static final String LOSS_SEG = "loss_seg";
    static final String LOSS_SEG_AUX = "loss_seg_aux";
    static final String LOSS_CM = "loss_cm";
    static final String LOSS_CM_AUX = "loss_cm_aux";
    static final String LOSS_ADV = "loss_adv";
    static final String LOSS_ADV_AUX = "loss_adv_aux";
    static final String LOSS_D = "loss_d";
    static final String LOSS_D_AUX = "loss_d_aux";
    static final String LOSS_D_TOTAL = "loss_d_total";

    static final List<String> SEG_GROUPS = List.of("backbone", "head");
    static final String DISC = "disc";
    static final String DISC_AUX = "disc_aux";
    /** Prefixes of the discriminators' variables in both graphs. */
    static final String D_PREFIX = "D.";
    static final String D_AUX_PREFIX = "Daux.";

    private final RunConfig cfg;
    private final UdaConfig uda;
    private final SegmentationModel model;
    private final RunData data;
    private final boolean cutMix;
    private final boolean aux;
    private final Map<String, INDArray> disc = new LinkedHashMap<>();
    private final Map<String, INDArray> discAux = new LinkedHashMap<>();
    private final TwoPlayerStep players;
    private final List<String> segOutputs = new ArrayList<>();
    private final List<String> discOutputs = new ArrayList<>();
    private final String dOutSrc;
    private final String dOutTgt;
    private final String dAuxOutSrc;
    private final String dAuxOutTgt;
    private final LrSchedule lr;
    private final LrSchedule lrD;
    private final Normalizer normalizer;
    private final Photometric jitter;
    private final Predictor predictor;
    private final Validation validation;
    private final long iterations;
    /** Weight of the source CE (1; tests set 0 to isolate the adversarial path). */
    private double lambdaSeg = 1.0;
    private TrainIterator sourceBatches;
    private TrainIterator targetBatches;
    private TrainIterator labeledBatches;

    /**
     * @param model the segmenter to adapt (its auxiliary head is created when uda.aux_enabled and missing)
     */
    public UdaTrainer(RunConfig cfg, SegmentationModel model, RunData data, Validation validation) {
        this.cfg = cfg;
        this.uda = cfg.uda;
        this.model = model;
        this.data = data;
        this.iterations = cfg.train.iterations;
        this.validation = validation;
        this.normalizer = data.normalizer();
        this.predictor = new Predictor(model);
        this.aux = uda.auxEnabled;
        this.cutMix = uda.lambdaCm > 0 && data.labeledTarget().isPresent();
        this.jitter = Photometric.jitter(uda.cmJitter);
        if (cfg.augment.crop == null) {
            throw new IllegalArgumentException("augment.crop: required for the uda stage");
        }
        int h = cfg.augment.crop.height;
        int w = cfg.augment.crop.width;
        if (h < 32 || w < 32) {
            throw new IllegalArgumentException("augment.crop: the output discriminator needs at least 32x32, got "
                    + cfg.augment.crop);
        }
        int c = cfg.model.numClasses;
        // Fixed draws for the discriminators (and any new auxiliary head), independent of the model seed.
        Nd4j.getRandom().setSeed(Seeds.derive(cfg.seed, "uda.init"));
        OutputDiscriminator.Spec dSpec = new OutputDiscriminator.Spec().inChannels(c).ndf(uda.discNdf);

        // ---- segmenter graph (D inside, not updated) ----
        SameDiff sd = SameDiff.create();
        SDVariable src = sd.placeHolder(SRC_IMAGE, DataType.FLOAT, -1, 3, h, w);
        SDVariable tgt = sd.placeHolder(TGT_IMAGE, DataType.FLOAT, -1, 3, h, w);
        SDVariable srcLabel = sd.placeHolder(SRC_LABEL, DataType.FLOAT, -1, h, w);
        SDVariable lSeg = sd.placeHolder(LAMBDA_SEG, DataType.FLOAT);
        SDVariable lAdv = sd.placeHolder(LAMBDA_ADV, DataType.FLOAT);
        Network sNet = model.build(sd, "", h, w, aux, src);
        DeepLabV2.Spec spec = model.spec(h, w, aux);
        Network tNet = DeepLabV2.build(Scope.reusing(sd, "", DataType.FLOAT), spec, tgt);

        SDVariable lossSeg = Losses.maskedCrossEntropy(sNet.output(DeepLabV2.LOGITS_UP), srcLabel, c).rename(LOSS_SEG);
        segOutputs.add(LOSS_SEG);
        SDVariable segTerm = lossSeg;
        if (aux) {
            SDVariable a = Losses.maskedCrossEntropy(sNet.output(DeepLabV2.AUX_LOGITS_UP), srcLabel, c).rename(LOSS_SEG_AUX);
            segOutputs.add(LOSS_SEG_AUX);
            segTerm = segTerm.add(a.mul(uda.auxSegWeight));
        }
        SDVariable total = segTerm.mul(lSeg);
        if (cutMix) {
            SDVariable mix = sd.placeHolder(MIX_IMAGE, DataType.FLOAT, -1, 3, h, w);
            SDVariable mixLabel = sd.placeHolder(MIX_LABEL, DataType.FLOAT, -1, h, w);
            SDVariable lCm = sd.placeHolder(LAMBDA_CM, DataType.FLOAT);
            Network mNet = DeepLabV2.build(Scope.reusing(sd, "", DataType.FLOAT), spec, mix);
            SDVariable cm = Losses.maskedCrossEntropy(mNet.output(DeepLabV2.LOGITS_UP), mixLabel, c).rename(LOSS_CM);
            segOutputs.add(LOSS_CM);
            SDVariable cmTerm = cm;
            if (aux) {
                SDVariable a = Losses.maskedCrossEntropy(mNet.output(DeepLabV2.AUX_LOGITS_UP), mixLabel, c)
                        .rename(LOSS_CM_AUX);
                segOutputs.add(LOSS_CM_AUX);
                cmTerm = cmTerm.add(a.mul(uda.auxSegWeight));
            }
            total = total.add(cmTerm.mul(lCm));
        }
        total = total.add(adversarial(sd, D_PREFIX, disc, dSpec, sNet.output(DeepLabV2.LOGITS_UP),
                tNet.output(DeepLabV2.LOGITS_UP), PROB_SRC, PROB_TGT, LOSS_ADV).mul(lAdv));
        if (aux) {
            SDVariable lAdvAux = sd.placeHolder(LAMBDA_ADV_AUX, DataType.FLOAT);
            total = total.add(adversarial(sd, D_AUX_PREFIX, discAux, dSpec, sNet.output(DeepLabV2.AUX_LOGITS_UP),
                    tNet.output(DeepLabV2.AUX_LOGITS_UP), PROB_SRC_AUX, PROB_TGT_AUX, LOSS_ADV_AUX).mul(lAdvAux));
        }
        total.rename(LOSS_TOTAL);
        TrainingGraph segGraph = new TrainingGraph(sd, LOSS_TOTAL, SupervisedTrainer.segmenterGroups(cfg, sNet));

        // ---- discriminator graph (D only, on the segmenter step's softmax maps) ----
        SameDiff dsd = SameDiff.create();
        List<ParamGroup> dGroups = new ArrayList<>();
        String[] names = discriminator(dsd, D_PREFIX, disc, dSpec, D_SRC, D_TGT, LOSS_D, DISC, dGroups);
        dOutSrc = names[0];
        dOutTgt = names[1];
        discOutputs.addAll(List.of(LOSS_D, dOutSrc, dOutTgt));
        String dLoss = LOSS_D;
        if (aux) {
            String[] a = discriminator(dsd, D_AUX_PREFIX, discAux, dSpec, D_SRC_AUX, D_TGT_AUX, LOSS_D_AUX, DISC_AUX,
                    dGroups);
            dAuxOutSrc = a[0];
            dAuxOutTgt = a[1];
            dsd.getVariable(LOSS_D).add(dsd.getVariable(LOSS_D_AUX)).rename(LOSS_D_TOTAL);
            discOutputs.addAll(List.of(LOSS_D_AUX, dAuxOutSrc, dAuxOutTgt));
            dLoss = LOSS_D_TOTAL;
        } else {
            dAuxOutSrc = null;
            dAuxOutTgt = null;
        }
        TrainingGraph discGraph = new TrainingGraph(dsd, dLoss, dGroups);

        this.players = new TwoPlayerStep(new TwoPlayerStep.Player(segGraph, SEG_GROUPS),
                new TwoPlayerStep.Player(discGraph, dGroups.stream().map(ParamGroup::name).toList()));
        this.lr = LrSchedule.poly(cfg.train.lr, iterations, cfg.train.polyPower);
        this.lrD = LrSchedule.poly(uda.discLr, iterations, cfg.train.polyPower);
    }

    /**
     * Softmax maps (temperature T) of source and target logits, named {@code probSrc} / {@code probTgt},
     * and the adversarial loss of D on the target map labelled as source (0), optionally weighted per
     * D output patch by the fraction of confident target pixels in its 32x32 cell.
     */
    private SDVariable adversarial(SameDiff sd, String prefix, Map<String, INDArray> store, OutputDiscriminator.Spec spec,
                                   SDVariable srcLogits, SDVariable tgtLogits, String probSrc, String probTgt,
                                   String lossName) {
        double t = uda.temperature;
        Losses.softmax(t == 1.0 ? srcLogits : srcLogits.div(t), 1).rename(probSrc);
        SDVariable pt = Losses.softmax(t == 1.0 ? tgtLogits : tgtLogits.div(t), 1).rename(probTgt);
        segOutputs.add(probSrc);
        segOutputs.add(probTgt);
        Network d = OutputDiscriminator.build(Scope.bound(sd, prefix, DataType.FLOAT, store), spec, pt);
        SDVariable loss;
        if (uda.confidenceMask > 0) {
            // Confidence of the plain (T = 1) prediction; comparisons carry no gradient.
            SDVariable p = t == 1.0 ? pt : Losses.softmax(tgtLogits, 1);
            SDVariable confident = sd.gte(p.max(true, 1), uda.confidenceMask).castTo(DataType.FLOAT);
            // Each D output patch covers a 32x32 cell of the input (5 stride-2 convs: floor(H/32) cells).
            SDVariable weight = sd.cnn().avgPooling2d(confident, Pooling2DConfig.builder().kH(32).kW(32).sH(32).sW(32)
                    .pH(0).pW(0).dH(1).dW(1).type(Pooling2D.Pooling2DType.AVG).paddingMode(PaddingMode.VALID)
                    .isNHWC(false).build());
            loss = GanTerms.weightedMean(d.output(), uda.ganLoss, 0.0, weight);
        } else {
            loss = GanTerms.mean(d.output(), uda.ganLoss, 0.0);
        }
        segOutputs.add(lossName);
        return loss.rename(lossName);
    }

    /** D on source (label 0) and target (label 1) placeholders; returns the two output names. */
    private String[] discriminator(SameDiff sd, String prefix, Map<String, INDArray> store, OutputDiscriminator.Spec spec,
                                   String srcName, String tgtName, String lossName, String group, List<ParamGroup> groups) {
        int c = spec.inChannels();
        SDVariable ps = sd.placeHolder(srcName, DataType.FLOAT, -1, c, -1, -1);
        SDVariable pt = sd.placeHolder(tgtName, DataType.FLOAT, -1, c, -1, -1);
        Network ds = OutputDiscriminator.build(Scope.bound(sd, prefix, DataType.FLOAT, store), spec, ps);
        Network dt = OutputDiscriminator.build(Scope.reusing(sd, prefix, DataType.FLOAT), spec, pt);
        GanLoss g = uda.ganLoss;
        GanTerms.mean(ds.output(), g, 0.0).add(GanTerms.mean(dt.output(), g, 1.0)).mul(0.5).rename(lossName);
        groups.add(new ParamGroup(group, ds.trainable(), new Adam(uda.discBeta1, uda.discBeta2), 1.0));
        return new String[]{ds.output().name(), dt.output().name()};
    }

    @Override
    public String stage() {
        return STAGE;
    }

    @Override
    public long iterations() {
        return iterations;
    }

    /** Whether the CutMix term is on (lambda_cm > 0 and labeled target images exist). */
    public boolean cutMixEnabled() {
        return cutMix;
    }

    TwoPlayerStep players() {
        return players;
    }

    Map<String, INDArray> discriminatorWeights() {
        return disc;
    }

    /** Test hook: weight of the source CE (default 1). */
    void segWeight(double w) {
        this.lambdaSeg = w;
    }

    private void openIterators(long iteration) {
        if (sourceBatches == null) {
            Dataset s = data.source();
            Dataset t = data.target();
            sourceBatches = data.train(s, s.name(), iteration);
            targetBatches = data.train(t, t.name(), iteration);
            if (cutMix) {
                Dataset l = data.labeledTarget().orElseThrow();
                labeledBatches = data.train(l, l.name(), iteration);
            }
        }
    }

    /** The segmenter graph's inputs for one iteration: the batches, the CutMix of this iteration, the weights. */
    Map<String, INDArray> segmenterInputs(long iteration) {
        openIterators(iteration);
        Batch s = sourceBatches.next();
        Batch t = targetBatches.next();
        Map<String, INDArray> in = new HashMap<>();
        in.put(SRC_IMAGE, normalizer.normalize(s.images()));
        in.put(SRC_LABEL, s.labels());
        in.put(TGT_IMAGE, normalizer.normalize(t.images()));
        if (cutMix) {
            Batch l = labeledBatches.next();
            long seed = Seeds.derive(Seeds.derive(cfg.seed, "cutmix"), iteration);
            CutMix.Mixed m = CutMix.mix(s.images(), s.labels(), l.images(), l.labels(), seed);
            INDArray img = jitter.enabled() ? jitter.apply(m.images(), Seeds.derive(seed, 1)) : m.images();
            in.put(MIX_IMAGE, normalizer.normalize(img));
            in.put(MIX_LABEL, m.labels());
        }
        in.putAll(weights());
        return in;
    }

    /** The loss weights as scalar placeholders. */
    Map<String, INDArray> weights() {
        Map<String, INDArray> in = new HashMap<>();
        in.put(LAMBDA_SEG, Nd4j.scalar((float) lambdaSeg));
        in.put(LAMBDA_ADV, Nd4j.scalar((float) uda.lambdaAdv));
        if (cutMix) {
            in.put(LAMBDA_CM, Nd4j.scalar((float) uda.lambdaCm));
        }
        if (aux) {
            in.put(LAMBDA_ADV_AUX, Nd4j.scalar((float) uda.auxLambdaAdv));
        }
        return in;
    }

    /** The discriminator graph's inputs from the segmenter step's outputs. */
    Map<String, INDArray> discriminatorInputs(Map<String, INDArray> segOut) {
        Map<String, INDArray> in = new HashMap<>();
        in.put(D_SRC, segOut.get(PROB_SRC));
        in.put(D_TGT, segOut.get(PROB_TGT));
        if (aux) {
            in.put(D_SRC_AUX, segOut.get(PROB_SRC_AUX));
            in.put(D_TGT_AUX, segOut.get(PROB_TGT_AUX));
        }
        return in;
    }

    List<String> segmenterOutputs() {
        return segOutputs;
    }

    List<String> discriminatorOutputs() {
        return discOutputs;
    }

    @Override
    public Map<String, Double> step(long iteration) {
        Map<String, INDArray> in = segmenterInputs(iteration);
        double rate = lr.at(iteration);
        double rateD = lrD.at(iteration);
        TwoPlayerStep.Result r = players.step(in, rate, segOutputs, this::discriminatorInputs, rateD, discOutputs);
        Map<String, Double> out = new LinkedHashMap<>();
        var a = r.first();
        var b = r.second();
        out.put(LOSS_TOTAL, a.loss());
        for (String k : segOutputs) {
            if (k.startsWith("loss")) {
                out.put(k, a.scalar(k));
            }
        }
        out.put(LOSS_D, b.scalar(LOSS_D));
        GanLoss g = uda.ganLoss;
        out.put("d_acc_src", GanTerms.accuracy(b.outputs().get(dOutSrc), g, 0));
        out.put("d_acc_tgt", GanTerms.accuracy(b.outputs().get(dOutTgt), g, 1));
        if (aux) {
            out.put(LOSS_D_AUX, b.scalar(LOSS_D_AUX));
            out.put("d_aux_acc_src", GanTerms.accuracy(b.outputs().get(dAuxOutSrc), g, 0));
            out.put("d_aux_acc_tgt", GanTerms.accuracy(b.outputs().get(dAuxOutTgt), g, 1));
        }
        out.put("lr", rate);
        out.put("lr_d", rateD);
        return out;
    }

    @Override
    public Map<String, INDArray> state() {
        TrainState s = new TrainState().put("model.", model.weights()).put("disc.", disc);
        if (aux) {
            s.put("disc_aux.", discAux);
        }
        s.put("", players.optimizerState());
        return s.arrays();
    }

    @Override
    public void restore(Map<String, INDArray> state) {
        TrainState.assign(model.weights(), TrainState.sub(state, "model."), "model");
        TrainState.assign(disc, TrainState.sub(state, "disc."), "discriminator");
        if (aux) {
            TrainState.assign(discAux, TrainState.sub(state, "disc_aux."), "auxiliary discriminator");
        }
        players.restoreOptimizers(state);
    }

    @Override
    public Map<String, Double> validate(long iteration) {
        return validation.run(predictor);
    }

    @Override
    public void saveBest(Path runDir, long iteration, double score) {
        model.save(runDir.resolve(SupervisedTrainer.BEST), provenance(iteration, Optional.of(score)));
    }

    @Override
    public void finish(Path runDir) {
        for (TrainIterator it : new TrainIterator[]{sourceBatches, targetBatches, labeledBatches}) {
            if (it != null) {
                it.close();
            }
        }
        model.save(runDir.resolve(SupervisedTrainer.FINAL), provenance(iterations, Optional.empty()));
    }

    private Map<String, Object> provenance(long iteration, Optional<Double> score) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stage", STAGE);
        m.put("iteration", iteration);
        score.ifPresent(s -> m.put("miou", s));
        m.put("lambda_adv", uda.lambdaAdv);
        m.put("lambda_cm", cutMix ? uda.lambdaCm : 0.0);
        m.put("labeled_target", cfg.data.labeledTarget);
        return m;
    }
}
