package io.udas.bench;

import io.udas.nn.DeepLabV2;
import io.udas.nn.Losses;
import io.udas.nn.Network;
import io.udas.nn.OutputDiscriminator;
import io.udas.nn.PatchDiscriminator;
import io.udas.nn.ResnetGenerator;
import io.udas.nn.Scope;
import io.udas.train.TrainingGraph;
import io.udas.train.optim.Adam;
import io.udas.train.optim.ParamGroup;
import io.udas.train.optim.Sgd;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmarked training iterations, built from the nn and train pieces directly (the same graphs the stages
 * build): DeepLab-v2 supervised step (pixel cross-entropy, SGD momentum, backbone/head groups), output-space
 * adversarial UDA iteration (segmenter step with an output discriminator on the target softmax, then a discriminator
 * step), CycleGAN iteration (generator step with LSGAN + cycle + identity losses through both discriminators, then a
 * discriminator step). Inputs are random; weights are the builders' initialisation with a fixed seed.
 */
public final class Workloads {
    static final String LABELS = "labels";
    static final String LOSS = "loss";

    private Workloads() {
    }

    static DeepLabV2.Spec segSpec(BenchConfig c, int h, int w) {
        return new DeepLabV2.Spec().depth(c.depth).width(c.width).numClasses(c.numClasses).inputSize(h, w).fast(c.fast);
    }

    static INDArray labels(int n, int h, int w, int classes) {
        return Nd4j.rand(DataType.FLOAT, n, h, w).muli(classes).castTo(DataType.INT32).castTo(DataType.FLOAT);
    }

    static List<ParamGroup> segGroups(Network net) {
        return List.of(new ParamGroup("backbone", net.backbone(), new Sgd(0.9, 5e-4), 1.0),
                new ParamGroup("head", net.head(), new Sgd(0.9, 5e-4), 10.0));
    }

    /** Supervised segmenter: {@link #step()} = forward + backward + SGD update, {@link #forward()} = logits only. */
    public static final class Segmenter {
        private final TrainingGraph graph;
        private final Map<String, INDArray> ph;
        private final String input;
        private final String logitsUp;

        public Segmenter(BenchConfig c, int size) {
            Nd4j.getRandom().setSeed(1);
            SameDiff sd = SameDiff.create();
            Network net = DeepLabV2.build(sd, "", segSpec(c, size, size));
            SDVariable labels = sd.placeHolder(LABELS, DataType.FLOAT, -1, size, size);
            Losses.maskedCrossEntropy(net.output(DeepLabV2.LOGITS_UP), labels, c.numClasses).rename(LOSS);
            graph = new TrainingGraph(sd, LOSS, segGroups(net));
            input = net.input().name();
            logitsUp = net.output(DeepLabV2.LOGITS_UP).name();
            ph = Map.of(input, Nd4j.randn(DataType.FLOAT, c.batch, 3, size, size), LABELS, labels(c.batch, size, size, c.numClasses));
        }

        public SameDiff graph() {
            return graph.graph();
        }

        public double step() {
            return graph.step(ph, List.of("backbone", "head"), 1e-4, List.of()).loss();
        }

        public INDArray forward() {
            return graph.output(Map.of(input, ph.get(input)), List.of(logitsUp)).get(logitsUp);
        }
    }

    /**
     * AdaptSegNet-style iteration: segmenter step on a labelled source image and an unlabelled target image (loss =
     * CE(source) + 0.001 * BCE(D(softmax(target)), source label)), gradients through the frozen discriminator; then the
     * discriminator step on both softmax maps (detached). Two graphs over shared weight arrays.
     */
    public static final class Uda {
        private final TrainingGraph segStep;
        private final TrainingGraph discStep;
        private final Map<String, INDArray> ph;
        private final String srcProb;
        private final String tgtProb;

        public Uda(BenchConfig c, int size) {
            Nd4j.getRandom().setSeed(2);
            Map<String, INDArray> segW = new HashMap<>();
            Map<String, INDArray> discW = new HashMap<>();
            OutputDiscriminator.Spec dSpec = new OutputDiscriminator.Spec().inChannels(c.numClasses).ndf(c.ndf);

            SameDiff sd = SameDiff.create();
            SDVariable src = sd.placeHolder("src", DataType.FLOAT, -1, 3, size, size);
            SDVariable tgt = sd.placeHolder("tgt", DataType.FLOAT, -1, 3, size, size);
            SDVariable labels = sd.placeHolder(LABELS, DataType.FLOAT, -1, size, size);
            Network a = DeepLabV2.build(Scope.bound(sd, "seg.", DataType.FLOAT, segW), segSpec(c, size, size), src);
            Network b = DeepLabV2.build(Scope.reusing(sd, "seg."), segSpec(c, size, size), tgt);
            SDVariable srcSoft = Losses.softmax(a.output(DeepLabV2.LOGITS_UP), 1).rename("src_prob");
            SDVariable tgtSoft = Losses.softmax(b.output(DeepLabV2.LOGITS_UP), 1).rename("tgt_prob");
            Network d = OutputDiscriminator.build(Scope.bound(sd, "d.", DataType.FLOAT, discW), dSpec, tgtSoft);
            SDVariable lossSeg = Losses.maskedCrossEntropy(a.output(DeepLabV2.LOGITS_UP), labels, c.numClasses);
            lossSeg.add(Losses.bceWithLogits(d.output(), 0.0).mul(0.001)).rename(LOSS);
            segStep = new TrainingGraph(sd, LOSS, List.of(
                    new ParamGroup("backbone", a.backbone(), new Sgd(0.9, 5e-4), 1.0),
                    new ParamGroup("head", a.head(), new Sgd(0.9, 5e-4), 10.0),
                    new ParamGroup("d", d.trainable(), new Adam(0.9, 0.99), 1.0)));
            srcProb = srcSoft.name();
            tgtProb = tgtSoft.name();

            SameDiff sd2 = SameDiff.create();
            SDVariable ps = sd2.placeHolder("src_prob", DataType.FLOAT, -1, c.numClasses, size, size);
            SDVariable pt = sd2.placeHolder("tgt_prob", DataType.FLOAT, -1, c.numClasses, size, size);
            Network ds = OutputDiscriminator.build(Scope.bound(sd2, "d.", DataType.FLOAT, discW), dSpec, ps);
            Network dt = OutputDiscriminator.build(Scope.reusing(sd2, "d."), dSpec, pt);
            Losses.bceWithLogits(ds.output(), 0.0).add(Losses.bceWithLogits(dt.output(), 1.0)).mul(0.5).rename(LOSS);
            discStep = new TrainingGraph(sd2, LOSS, List.of(new ParamGroup("d", ds.trainable(), new Adam(0.9, 0.99), 1.0)));

            ph = Map.of("src", Nd4j.randn(DataType.FLOAT, c.batch, 3, size, size),
                    "tgt", Nd4j.randn(DataType.FLOAT, c.batch, 3, size, size),
                    LABELS, labels(c.batch, size, size, c.numClasses));
        }

        public void iteration() {
            var r = segStep.step(ph, List.of("backbone", "head"), 1e-4, List.of(srcProb, tgtProb));
            discStep.step(Map.of("src_prob", r.outputs().get(srcProb), "tgt_prob", r.outputs().get(tgtProb)),
                    List.of("d"), 1e-4, List.of());
        }
    }

    /**
     * CycleGAN iteration (pytorch-CycleGAN defaults: LSGAN, cycle weight 10, identity weight 0.5): generator step
     * through both (frozen) discriminators, then the discriminator step on real and generated images.
     */
    public static final class CycleGan {
        private final TrainingGraph genStep;
        private final TrainingGraph discStep;
        private final Map<String, INDArray> ph;

        public CycleGan(BenchConfig c) {
            Nd4j.getRandom().setSeed(3);
            int s = c.cycleganSize;
            Map<String, INDArray> gA = new HashMap<>();
            Map<String, INDArray> gB = new HashMap<>();
            Map<String, INDArray> dA = new HashMap<>();
            Map<String, INDArray> dB = new HashMap<>();
            ResnetGenerator.Spec gs = new ResnetGenerator.Spec().ngf(c.ngf).nBlocks(c.generatorBlocks).inputSize(s, s);
            PatchDiscriminator.Spec dsp = new PatchDiscriminator.Spec().ndf(c.ndf);

            SameDiff sd = SameDiff.create();
            SDVariable a = sd.placeHolder("real_a", DataType.FLOAT, -1, 3, s, s);
            SDVariable b = sd.placeHolder("real_b", DataType.FLOAT, -1, 3, s, s);
            Network genA = ResnetGenerator.build(Scope.bound(sd, "g_a.", DataType.FLOAT, gA), gs, a);
            Network genB = ResnetGenerator.build(Scope.bound(sd, "g_b.", DataType.FLOAT, gB), gs, b);
            SDVariable fakeB = genA.output().rename("fake_b");
            SDVariable fakeA = genB.output().rename("fake_a");
            SDVariable recA = ResnetGenerator.build(Scope.reusing(sd, "g_b."), gs, fakeB).output();
            SDVariable recB = ResnetGenerator.build(Scope.reusing(sd, "g_a."), gs, fakeA).output();
            SDVariable idtA = ResnetGenerator.build(Scope.reusing(sd, "g_a."), gs, b).output();
            SDVariable idtB = ResnetGenerator.build(Scope.reusing(sd, "g_b."), gs, a).output();
            Network discA = PatchDiscriminator.build(Scope.bound(sd, "d_a.", DataType.FLOAT, dA), dsp, fakeB);
            Network discB = PatchDiscriminator.build(Scope.bound(sd, "d_b.", DataType.FLOAT, dB), dsp, fakeA);
            Losses.mse(discA.output(), 1.0).add(Losses.mse(discB.output(), 1.0))
                    .add(Losses.l1(recA, a).add(Losses.l1(recB, b)).mul(10.0))
                    .add(Losses.l1(idtA, b).add(Losses.l1(idtB, a)).mul(5.0)).rename(LOSS);
            List<String> gen = new java.util.ArrayList<>(genA.trainable());
            gen.addAll(genB.trainable());
            List<String> disc = new java.util.ArrayList<>(discA.trainable());
            disc.addAll(discB.trainable());
            genStep = new TrainingGraph(sd, LOSS, List.of(new ParamGroup("g", gen, new Adam(0.5, 0.999), 1.0),
                    new ParamGroup("d", disc, new Adam(0.5, 0.999), 1.0)));

            SameDiff sd2 = SameDiff.create();
            SDVariable ra = sd2.placeHolder("real_a", DataType.FLOAT, -1, 3, s, s);
            SDVariable rb = sd2.placeHolder("real_b", DataType.FLOAT, -1, 3, s, s);
            SDVariable fa = sd2.placeHolder("fake_a", DataType.FLOAT, -1, 3, s, s);
            SDVariable fb = sd2.placeHolder("fake_b", DataType.FLOAT, -1, 3, s, s);
            Network da = PatchDiscriminator.build(Scope.bound(sd2, "d_a.", DataType.FLOAT, dA), dsp, rb);
            SDVariable daFake = PatchDiscriminator.build(Scope.reusing(sd2, "d_a."), dsp, fb).output();
            Network db = PatchDiscriminator.build(Scope.bound(sd2, "d_b.", DataType.FLOAT, dB), dsp, ra);
            SDVariable dbFake = PatchDiscriminator.build(Scope.reusing(sd2, "d_b."), dsp, fa).output();
            Losses.mse(da.output(), 1.0).add(Losses.mse(daFake, 0.0))
                    .add(Losses.mse(db.output(), 1.0)).add(Losses.mse(dbFake, 0.0)).mul(0.5).rename(LOSS);
            List<String> disc2 = new java.util.ArrayList<>(da.trainable());
            disc2.addAll(db.trainable());
            discStep = new TrainingGraph(sd2, LOSS, List.of(new ParamGroup("d", disc2, new Adam(0.5, 0.999), 1.0)));

            ph = Map.of("real_a", Nd4j.rand(DataType.FLOAT, c.batch, 3, s, s).muli(2).subi(1),
                    "real_b", Nd4j.rand(DataType.FLOAT, c.batch, 3, s, s).muli(2).subi(1));
        }

        public void iteration() {
            var r = genStep.step(ph, List.of("g"), 2e-4, List.of("fake_a", "fake_b"));
            Map<String, INDArray> p = new HashMap<>(ph);
            p.put("fake_a", r.outputs().get("fake_a"));
            p.put("fake_b", r.outputs().get("fake_b"));
            discStep.step(p, List.of("d"), 2e-4, List.of());
        }
    }
}
