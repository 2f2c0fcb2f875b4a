package io.udas.train.uda;

import io.udas.config.ConfigLoader;
import io.udas.config.RunConfig;
import io.udas.data.RunData;
import io.udas.model.SegmentationModel;
import io.udas.nn.DeepLabV2;
import io.udas.nn.Losses;
import io.udas.nn.Network;
import io.udas.nn.OutputDiscriminator;
import io.udas.nn.Scope;
import io.udas.pipeline.Stages;
import io.udas.train.SupervisedTrainer;
import io.udas.train.TrainingGraph;
import io.udas.train.Validation;
import io.udas.train.optim.Adam;
import io.udas.train.optim.ParamGroup;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Not a test: times design (a) (UdaTrainer: one graph per direction) against design (b) (one graph,
 * losses gated by scalar placeholders, two passes per iteration) on the same inputs.
 * Args: config [steps] [overrides...].
 */
public final class DesignBench {
    public static void main(String[] args) throws Exception {
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String> ov = new ArrayList<>(List.of("stage=uda"));
        for (int i = 2; i < args.length; i++) {
            ov.add(args[i]);
        }
        RunConfig cfg = ConfigLoader.load(Path.of(args[0]), ov);
        Path dir = Files.createTempDirectory("bench");
        RunData data = new RunData(cfg, dir);
        SegmentationModel model = Stages.initialModel(cfg, false);
        UdaTrainer a = new UdaTrainer(cfg, model, data, Validation.none());
        Map<String, INDArray> in = a.segmenterInputs(0);

        // ---- design (b) ----
        int h = cfg.augment.crop.height;
        int w = cfg.augment.crop.width;
        int c = cfg.model.numClasses;
        boolean cm = a.cutMixEnabled();
        SameDiff sd = SameDiff.create();
        SDVariable src = sd.placeHolder(UdaTrainer.SRC_IMAGE, DataType.FLOAT, -1, 3, h, w);
        SDVariable tgt = sd.placeHolder(UdaTrainer.TGT_IMAGE, DataType.FLOAT, -1, 3, h, w);
        SDVariable srcLabel = sd.placeHolder(UdaTrainer.SRC_LABEL, DataType.FLOAT, -1, h, w);
        SDVariable gs = sd.placeHolder("gate_seg", DataType.FLOAT);
        SDVariable gd = sd.placeHolder("gate_d", DataType.FLOAT);
        Network s = model.build(sd, "", h, w, false, src);
        Network t = DeepLabV2.build(Scope.reusing(sd, "", DataType.FLOAT), model.spec(h, w, false), tgt);
        SDVariable seg = Losses.maskedCrossEntropy(s.output(DeepLabV2.LOGITS_UP), srcLabel, c);
        if (cm) {
            SDVariable mix = sd.placeHolder(UdaTrainer.MIX_IMAGE, DataType.FLOAT, -1, 3, h, w);
            SDVariable mixLabel = sd.placeHolder(UdaTrainer.MIX_LABEL, DataType.FLOAT, -1, h, w);
            Network m = DeepLabV2.build(Scope.reusing(sd, "", DataType.FLOAT), model.spec(h, w, false), mix);
            seg = seg.add(Losses.maskedCrossEntropy(m.output(DeepLabV2.LOGITS_UP), mixLabel, c).mul(cfg.uda.lambdaCm));
        }
        SDVariable ps = Losses.softmax(s.output(DeepLabV2.LOGITS_UP), 1);
        SDVariable pt = Losses.softmax(t.output(DeepLabV2.LOGITS_UP), 1);
        Map<String, INDArray> store = new LinkedHashMap<>();
        OutputDiscriminator.Spec spec = new OutputDiscriminator.Spec().inChannels(c).ndf(cfg.uda.discNdf);
        Network dt = OutputDiscriminator.build(Scope.bound(sd, "D.", DataType.FLOAT, store), spec, pt);
        Network dsrc = OutputDiscriminator.build(Scope.reusing(sd, "D.", DataType.FLOAT), spec, ps);
        SDVariable adv = Losses.bceWithLogits(dt.output(), 0.0);
        SDVariable lossD = Losses.bceWithLogits(dsrc.output(), 0.0).add(Losses.bceWithLogits(dt.output(), 1.0)).mul(0.5);
        seg.add(adv.mul(cfg.uda.lambdaAdv)).mul(gs).add(lossD.mul(gd)).rename("loss");
        List<ParamGroup> groups = new ArrayList<>(SupervisedTrainer.segmenterGroups(cfg, s));
        groups.add(new ParamGroup("disc", dt.trainable(), new Adam(0.9, 0.99), 1.0));
        TrainingGraph b = new TrainingGraph(sd, "loss", groups);
        Map<String, INDArray> inB = new HashMap<>(in);
        inB.keySet().removeIf(k -> k.startsWith("lambda"));

        for (int round = 0; round < 2; round++) {
            double a1 = 0, a2 = 0, b1 = 0, b2 = 0;
            for (int i = 0; i < steps; i++) {
                long t0 = System.nanoTime();
                var r = a.players().stepFirst(in, 1e-3, a.segmenterOutputs());
                long t1 = System.nanoTime();
                a.players().stepSecond(a.discriminatorInputs(r.outputs()), 1e-4, a.discriminatorOutputs());
                long t2 = System.nanoTime();
                inB.put("gate_seg", Nd4j.scalar(1f));
                inB.put("gate_d", Nd4j.scalar(0f));
                b.step(inB, List.of("backbone", "head"), 1e-3, List.of());
                long t3 = System.nanoTime();
                inB.put("gate_seg", Nd4j.scalar(0f));
                inB.put("gate_d", Nd4j.scalar(1f));
                b.step(inB, List.of("disc"), 1e-4, List.of());
                long t4 = System.nanoTime();
                a1 += (t1 - t0) / 1e9 / steps;
                a2 += (t2 - t1) / 1e9 / steps;
                b1 += (t3 - t2) / 1e9 / steps;
                b2 += (t4 - t3) / 1e9 / steps;
            }
            System.out.printf("round %d (%s): design a %.3f s/iter (segmenter step %.3f + D step %.3f), "
                    + "design b %.3f s/iter (segmenter pass %.3f + D pass %.3f)%n", round,
                    round == 0 ? "includes graph warm-up" : "steady", a1 + a2, a1, a2, b1 + b2, b1, b2);
        }
    }
}
