package io.udas.train.uda;

import io.udas.config.GanLoss;
import io.udas.config.RunConfig;
import io.udas.data.RunData;
import io.udas.model.SegmentationModel;
import io.udas.pipeline.Stages;
import io.udas.train.TrainingGraph;
import io.udas.train.TwoPlayerStep;
import io.udas.train.Validation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The two optimisation directions of the UDA step touch only their own network. */
class UdaTrainerTest {
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void data() {
        data = UdaFixtures.demoData(tmp.resolve("data"));
    }

    private static Map<String, INDArray> snapshot(Map<String, INDArray> weights) {
        Map<String, INDArray> s = new LinkedHashMap<>();
        weights.forEach((k, v) -> s.put(k, v.dup()));
        return s;
    }

    private static void restore(Map<String, INDArray> live, Map<String, INDArray> saved) {
        saved.forEach((k, v) -> live.get(k).assign(v));
    }

    /** Max |a - b| over all arrays, and whether any pair differs at all. */
    private static double maxDiff(Map<String, INDArray> a, Map<String, INDArray> b) {
        double m = 0;
        for (var e : a.entrySet()) {
            m = Math.max(m, e.getValue().sub(b.get(e.getKey())).amaxNumber().doubleValue());
        }
        return m;
    }

    private static Map<String, INDArray> delta(Map<String, INDArray> after, Map<String, INDArray> before) {
        Map<String, INDArray> d = new HashMap<>();
        after.forEach((k, v) -> d.put(k, v.sub(before.get(k))));
        return d;
    }

    private record Setup(UdaTrainer trainer, SegmentationModel model) {
    }

    private static Setup trainer(String name, int labeled, boolean aux, GanLoss loss) {
        RunConfig cfg = UdaFixtures.config(data, tmp.resolve(name), labeled, 10);
        cfg.train.weightDecay = 0; // so that a zero gradient means no change
        cfg.uda.auxEnabled = aux;
        cfg.uda.ganLoss = loss;
        cfg.uda.temperature = 1.5;
        cfg.uda.confidenceMask = aux ? 0.05 : 0.0;
        SegmentationModel model = Stages.initialModel(cfg, aux);
        return new Setup(new UdaTrainer(cfg, model, new RunData(cfg, tmp.resolve(name)), Validation.none()), model);
    }

    @Test
    void segmenterStepMovesTheSegmenterOnlyThroughTheDiscriminator() {
        for (boolean aux : new boolean[]{false, true}) {
            Setup s = trainer("seg-" + aux, aux ? 2 : 0, aux, aux ? GanLoss.LSGAN : GanLoss.BCE);
            UdaTrainer t = s.trainer();
            assertEquals(aux, t.cutMixEnabled());
            TwoPlayerStep p = t.players();
            t.segWeight(0);
            Map<String, INDArray> in = t.segmenterInputs(0);
            if (aux) {
                in.put(UdaTrainer.LAMBDA_CM, Nd4j.scalar(0f));
            }
            Map<String, INDArray> seg0 = snapshot(s.model().weights());
            Map<String, INDArray> d0 = snapshot(t.discriminatorWeights());
            double lr = 0.05;

            // all terms off: nothing moves (no weight decay; the CE terms are computed but weighted 0)
            in.put(UdaTrainer.LAMBDA_ADV, Nd4j.scalar(0f));
            if (aux) {
                in.put(UdaTrainer.LAMBDA_ADV_AUX, Nd4j.scalar(0f));
            }
            TrainingGraph.StepResult r0 = p.stepFirst(in, lr, t.segmenterOutputs());
            assertTrue(r0.scalar(UdaTrainer.LOSS_SEG) > 0, "source CE is computed");
            assertEquals(0.0, maxDiff(s.model().weights(), seg0));

            // adversarial term only, at two weights: D unchanged, segmenter moved in proportion to lambda_adv
            Map<Float, Map<String, INDArray>> moves = new HashMap<>();
            for (float lambda : new float[]{1f, 2f}) {
                restore(s.model().weights(), seg0);
                p.restoreOptimizers(Map.of());
                in.put(UdaTrainer.LAMBDA_ADV, Nd4j.scalar(lambda));
                if (aux) {
                    in.put(UdaTrainer.LAMBDA_ADV_AUX, Nd4j.scalar(lambda));
                }
                TrainingGraph.StepResult r = p.stepFirst(in, lr, t.segmenterOutputs());
                assertTrue(Double.isFinite(r.scalar(UdaTrainer.LOSS_ADV)));
                assertEquals(0.0, maxDiff(t.discriminatorWeights(), d0), "D untouched by the segmenter step");
                moves.put(lambda, delta(s.model().weights(), seg0));
            }
            double m1 = moves.get(1f).values().stream().mapToDouble(a -> a.amaxNumber().doubleValue()).max().orElse(0);
            assertTrue(m1 > 1e-9, "the adversarial gradient reached the segmenter (aux " + aux + "): " + m1);
            for (var e : moves.get(1f).entrySet()) {
                INDArray twice = moves.get(2f).get(e.getKey());
                double err = twice.sub(e.getValue().mul(2)).amaxNumber().doubleValue();
                assertTrue(err <= 1e-3 * m1 + 1e-9, e.getKey() + ": change not linear in lambda_adv (" + err + " vs " + m1 + ")");
            }
            // the backbone and the head both moved (the gradient went through the whole segmenter)
            assertTrue(moves.get(1f).get("conv1.weight").amaxNumber().doubleValue() > 0);
            assertTrue(moves.get(1f).get("layer5.conv2d_list.0.weight").amaxNumber().doubleValue() > 0);
        }
    }

    @Test
    void discriminatorStepLeavesTheSegmenterUntouched() {
        Setup s = trainer("disc", 2, false, GanLoss.BCE);
        UdaTrainer t = s.trainer();
        Map<String, INDArray> in = t.segmenterInputs(0);
        Map<String, INDArray> out = t.players().first().graph().output(in, t.segmenterOutputs());
        Map<String, INDArray> seg0 = snapshot(s.model().weights());
        Map<String, INDArray> d0 = snapshot(t.discriminatorWeights());
        TrainingGraph.StepResult r = t.players().stepSecond(t.discriminatorInputs(out), 1e-3, t.discriminatorOutputs());
        assertEquals(0.0, maxDiff(s.model().weights(), seg0), "segmenter untouched by the D step");
        assertTrue(maxDiff(t.discriminatorWeights(), d0) > 0, "D trained");
        // initial BCE of an untrained D is near log 2
        assertEquals(Math.log(2), r.scalar(UdaTrainer.LOSS_D), 0.2);

        // a full iteration: every figure present and finite, accuracies in [0, 1]
        Map<String, Double> f = t.step(1);
        for (String k : new String[]{"loss_total", "loss_seg", "loss_cm", "loss_adv", "loss_d", "d_acc_src", "d_acc_tgt", "lr", "lr_d"}) {
            assertTrue(f.containsKey(k) && Double.isFinite(f.get(k)), k + " in " + f);
        }
        assertTrue(f.get("d_acc_src") >= 0 && f.get("d_acc_src") <= 1 && f.get("d_acc_tgt") >= 0 && f.get("d_acc_tgt") <= 1);
    }

    @Test
    void graphsBuiltOnCopiesAreRejected() {
        Setup s = trainer("copies", 0, false, GanLoss.BCE);
        TwoPlayerStep p = s.trainer().players();
        // the same D built on copied arrays in another graph
        org.nd4j.autodiff.samediff.SameDiff sd = org.nd4j.autodiff.samediff.SameDiff.create();
        var spec = new io.udas.nn.OutputDiscriminator.Spec().inChannels(19).ndf(4);
        var d = io.udas.nn.OutputDiscriminator.build(io.udas.nn.Scope.bound(sd, UdaTrainer.D_PREFIX,
                org.nd4j.linalg.api.buffer.DataType.FLOAT, snapshot(s.trainer().discriminatorWeights())), spec,
                sd.placeHolder("x", org.nd4j.linalg.api.buffer.DataType.FLOAT, -1, 19, -1, -1));
        io.udas.nn.Losses.mse(d.output(), 0.0).rename("l");
        TrainingGraph g = new TrainingGraph(sd, "l", java.util.List.of(new io.udas.train.optim.ParamGroup("dcopy",
                d.trainable(), new io.udas.train.optim.Adam(0.9, 0.99), 1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TwoPlayerStep(p.first(), new TwoPlayerStep.Player(g, java.util.List.of("dcopy"))));
        assertTrue(e.getMessage().contains("different arrays"), e.getMessage());
    }
}
