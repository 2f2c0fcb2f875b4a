package io.udas.train;

import io.udas.graph.GraphEdits;
import io.udas.nn.Conv;
import io.udas.nn.Layers;
import io.udas.nn.Losses;
import io.udas.nn.Scope;
import io.udas.train.optim.ParamGroup;
import io.udas.train.optim.Sgd;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExecutionPlanTest {

    /** What one training run saw: the weights after it, the ops each step ran, and the replays of its sessions. */
    private record Trained(Map<String, INDArray> weights, List<List<String>> opsPerStep, List<Double> losses,
                           long replays) {
    }

    /**
     * Four SGD steps of a small segmenter with frozen-BN convs, a 1x1 conv on rows (reshapes, run as views), a split
     * with an unused half, an identity, a per-pixel softmax cross-entropy and a mean over an axis; then a forward
     * pass.
     */
    private static Trained train(boolean replay) {
        List<ArrayPool.Session> sessions = bindSessions(1L << 30, replay);
        try {
            Nd4j.getRandom().setSeed(11);
            SameDiff sd = SameDiff.create();
            Scope s = Scope.of(sd, "", DataType.FLOAT);
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 3, 8, 8);
            SDVariable labels = sd.placeHolder("labels", DataType.INT, -1, 8, 8);
            SDVariable y = Layers.relu(Layers.conv2dFrozenBatchNorm(s, "c1", "bn1", x,
                    Conv.of(3, 8, 3).pad(1).bias(false), 1.0));
            SDVariable[] halves = sd.split(y, 2, 1);
            SDVariable kept = sd.identity(halves[0]);
            SDVariable rows = Layers.rows(kept, 4);
            SDVariable logitRows = Layers.pointwiseFrozenBatchNorm(s, "c2", "bn2", rows,
                    Conv.of(4, 5, 1).bias(false), 1.0);
            SDVariable logits = logitRows.reshape(-1, 8, 8, 5).permute(0, 3, 1, 2).rename("logits");
            SDVariable ce = Losses.maskedCrossEntropy(logits, labels, 5);
            SDVariable spread = logits.mean(true, 1).mul(logits.mean(true, 1)).mean().mul(1e-3);
            ce.add(spread).rename("loss");
            TrainingGraph graph = new TrainingGraph(sd, "loss",
                    List.of(new ParamGroup("all", s.trainable(), new Sgd(0.9, 1e-4), 1.0)));
            GraphProbes.OpLog log = new GraphProbes.OpLog();
            sd.setListeners(log);
            Nd4j.getRandom().setSeed(12);
            Map<String, INDArray> in = Map.of("x", Nd4j.rand(DataType.FLOAT, 2, 3, 8, 8),
                    "labels", Nd4j.rand(DataType.FLOAT, 2, 8, 8).muli(5).castTo(DataType.INT));
            List<List<String>> ops = new ArrayList<>();
            List<Double> losses = new ArrayList<>();
            for (int step = 0; step < 4; step++) {
                log.names.clear();
                losses.add(graph.step(in, List.of("all"), 0.05, List.of()).loss());
                ops.add(List.copyOf(log.names));
            }
            Map<String, INDArray> w = new TreeMap<>();
            s.trainable().forEach(v -> w.put(v, sd.getArrForVarName(v).dup()));
            w.put("logits", graph.output(in, List.of("logits")).get("logits").dup());
            return new Trained(w, ops, losses, sessions.stream().mapToLong(ArrayPool.Session::replayedRuns).sum());
        } finally {
            ArrayPool.uninstall();
        }
    }

    /** Makes every graph's session pooled (each with its own pool), replaying or not; returns them as created. */
    private static List<ArrayPool.Session> bindSessions(long poolBytes, boolean replay) {
        List<ArrayPool.Session> sessions = new ArrayList<>();
        SameDiff.bindInferenceFactory(g -> {
            ArrayPool.Session s = new ArrayPool.Session(g, new ArrayPool(poolBytes), replay);
            sessions.add(s);
            return s;
        });
        return sessions;
    }

    @Test
    void replayedStepsComputeWhatM21sSchedulerComputes() {
        Trained scheduled = train(false);
        Trained replayed = train(true);
        assertEquals(0, scheduled.replays());
        assertTrue(replayed.replays() >= 2, "steps after the recorded one replay: " + replayed.replays());
        assertEquals(scheduled.losses(), replayed.losses());
        assertEquals(scheduled.weights().keySet(), replayed.weights().keySet());
        scheduled.weights().forEach((k, v) -> assertEquals(v, replayed.weights().get(k), k));
        // listeners see every op of a replayed step, in the order the scheduler ran them
        assertEquals(scheduled.opsPerStep(), replayed.opsPerStep());
        assertTrue(replayed.opsPerStep().get(3).size() > 20);
    }

    @Test
    void aNewPlaceholderShapeOrAnEditedGraphIsRecordedAgain() {
        List<ArrayPool.Session> session = bindSessions(1L << 20, true);
        try {
            SameDiff sd = SameDiff.create();
            SDVariable a = sd.placeHolder("a", DataType.FLOAT, -1, 3);
            SDVariable doubled = a.mul(2);
            doubled.add(1).rename("out");
            INDArray two = Nd4j.createFromArray(new float[][]{{1, 2, 3}, {4, 5, 6}});
            INDArray three = Nd4j.createFromArray(new float[][]{{1, 1, 1}, {2, 2, 2}, {3, 3, 3}});
            for (int run = 0; run < 3; run++) {
                assertEquals(two.mul(2).add(1), sd.output(Map.of("a", two), "out").get("out"));
            }
            assertEquals(2, session.get(0).replayedRuns());
            assertEquals(three.mul(2).add(1), sd.output(Map.of("a", three), "out").get("out"), "recorded");
            assertEquals(three.mul(2).add(1), sd.output(Map.of("a", three), "out").get("out"), "replayed");
            assertEquals(3, session.get(0).replayedRuns());

            // the product now reads the input twice: a*a + 1
            SameDiffOp product = sd.getOps().get(doubled.getCreator().getOwnName());
            GraphEdits.replaceWithProduct(sd, product, a.name(), a.name());
            assertEquals(two.mul(two).add(1), sd.output(Map.of("a", two), "out").get("out"), "recorded again");
            assertEquals(3, session.get(0).replayedRuns());
            assertEquals(two.mul(two).add(1), sd.output(Map.of("a", two), "out").get("out"), "replayed");
            assertEquals(4, session.get(0).replayedRuns());
        } finally {
            ArrayPool.uninstall();
        }
    }

    @Test
    void aShapeGivenAsValuesIsCalculatedInEveryReplay() {
        List<ArrayPool.Session> session = bindSessions(1L << 20, true);
        try {
            SameDiff sd = SameDiff.create();
            SDVariable a = sd.placeHolder("a", DataType.FLOAT, 12);
            SDVariable shape = sd.placeHolder("shape", DataType.LONG, 2);
            a.mul(3).reshape(shape).rename("out");
            INDArray values = Nd4j.linspace(DataType.FLOAT, 1, 12, 1);
            long[][] shapes = {{2, 6}, {3, 4}, {4, 3}, {12, 1}};
            for (long[] s : shapes) {
                INDArray out = sd.output(Map.of("a", values, "shape", Nd4j.createFromArray(s)), "out").get("out");
                assertArrayEquals(s, out.shape());
                assertEquals(values.mul(3).reshape(s), out);
            }
            assertEquals(3, session.get(0).replayedRuns());
        } finally {
            ArrayPool.uninstall();
        }
    }
}
