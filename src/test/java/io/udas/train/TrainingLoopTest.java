package io.udas.train;

import io.udas.train.optim.ParamGroup;
import io.udas.train.optim.Sgd;
import io.udas.util.JsonLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class TrainingLoopTest {
    @TempDir
    Path dir;

    /** Linear regression y = x w1 w2 (two groups), data drawn from (seed, iteration) like the real stages. */
    static final class ToyStage implements StageRun {
        final SameDiff sd = SameDiff.create();
        final TrainingGraph graph;
        final long iterations;
        final long nanAt;

        ToyStage(long iterations, long nanAt) {
            this.iterations = iterations;
            this.nanAt = nanAt;
            SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 3);
            SDVariable y = sd.placeHolder("y", DataType.DOUBLE, -1, 1);
            SDVariable w1 = sd.var("w1", Nd4j.createFromArray(new double[][]{{0.1, 0.2}, {0.3, -0.1}, {0.0, 0.5}}));
            SDVariable w2 = sd.var("w2", Nd4j.createFromArray(new double[][]{{0.4}, {-0.3}}));
            SDVariable d = x.mmul(w1).mmul(w2).sub(y);
            d.mul(d).mean().rename("loss");
            graph = new TrainingGraph(sd, "loss", List.of(
                    new ParamGroup("a", List.of("w1"), new Sgd(0.9, 1e-3), 1.0),
                    new ParamGroup("b", List.of("w2"), new Sgd(0.9, 1e-3), 10.0)));
        }

        @Override public String stage() { return "toy"; }
        @Override public long iterations() { return iterations; }

        @Override
        public Map<String, Double> step(long it) {
            Random r = new Random(1234 + it);
            INDArray x = Nd4j.create(DataType.DOUBLE, 4, 3);
            INDArray y = Nd4j.create(DataType.DOUBLE, 4, 1);
            for (int i = 0; i < 4; i++) {
                double s = 0;
                for (int j = 0; j < 3; j++) {
                    double v = r.nextGaussian();
                    x.putScalar(i, j, v);
                    s += v * (j + 1);
                }
                y.putScalar(i, 0, it + 1 == nanAt ? Double.NaN : s);
            }
            var res = graph.step(Map.of("x", x, "y", y), List.of("a", "b"), 0.01, List.of("loss"));
            return Map.of("loss", res.loss(), "lr", 0.01);
        }

        @Override
        public Map<String, INDArray> state() {
            Map<String, INDArray> s = new HashMap<>();
            s.put("w1", sd.getArrForVarName("w1"));
            s.put("w2", sd.getArrForVarName("w2"));
            graph.group("a").optimizer().state().forEach((k, v) -> s.put("opt.a." + k, v));
            graph.group("b").optimizer().state().forEach((k, v) -> s.put("opt.b." + k, v));
            return s;
        }

        @Override
        public void restore(Map<String, INDArray> s) {
            sd.getArrForVarName("w1").assign(s.get("w1"));
            sd.getArrForVarName("w2").assign(s.get("w2"));
            for (String g : List.of("a", "b")) {
                Map<String, INDArray> st = new HashMap<>();
                s.forEach((k, v) -> {
                    if (k.startsWith("opt." + g + ".")) {
                        st.put(k.substring(6), v);
                    }
                });
                graph.group(g).optimizer().loadState(st);
            }
        }

        @Override public Map<String, Double> validate(long it) { return Map.of(SCORE, (double) -it); }
        @Override public void saveBest(Path runDir, long it, double score) { }
        @Override public void finish(Path runDir) { }
    }

    @Test
    void resumeGivesTheSameWeightsAsOneRun() {
        ToyStage whole = new ToyStage(10, -1);
        new TrainingLoop(1, 5, 0).run(whole, dir.resolve("a"), false);

        ToyStage firstHalf = new ToyStage(5, -1);
        new TrainingLoop(1, 5, 0).run(firstHalf, dir.resolve("b"), false);
        ToyStage secondHalf = new ToyStage(10, -1);
        new TrainingLoop(1, 5, 0).run(secondHalf, dir.resolve("b"), true);

        assertEquals(whole.sd.getArrForVarName("w1"), secondHalf.sd.getArrForVarName("w1"));
        assertEquals(whole.sd.getArrForVarName("w2"), secondHalf.sd.getArrForVarName("w2"));
        List<Map<String, Object>> m = JsonLines.read(dir.resolve("b").resolve(TrainingLoop.METRICS));
        assertEquals(10, m.stream().filter(r -> r.containsKey("loss")).count(), "no iteration logged twice");
    }

    @Test
    void existingCheckpointWithoutResumeIsRefused() {
        new TrainingLoop(1, 2, 0).run(new ToyStage(2, -1), dir, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingLoop(1, 2, 0).run(new ToyStage(4, -1), dir, false));
        assertTrue(e.getMessage().contains("--resume"));
    }

    @Test
    void nonFiniteLossStopsAndKeepsLastCheckpoint() {
        ToyStage s = new ToyStage(10, 7);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                () -> new TrainingLoop(1, 3, 0).run(s, dir, false));
        assertTrue(e.getMessage().contains("iteration 7") && e.getMessage().contains("iteration 6"), e.getMessage());
        Checkpoint kept = Checkpoint.load(dir.resolve(Checkpoint.FILE));
        assertEquals(6, kept.iteration());
        assertEquals(kept.arrays().get("w1"), s.sd.getArrForVarName("w1"), "the failing step updated nothing");
    }

    @Test
    void onlyRequestedGroupsChange() {
        ToyStage s = new ToyStage(1, -1);
        INDArray w1 = s.sd.getArrForVarName("w1").dup();
        INDArray w2 = s.sd.getArrForVarName("w2").dup();
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 3), y = Nd4j.rand(DataType.DOUBLE, 4, 1);
        s.graph.step(Map.of("x", x, "y", y), List.of("b"), 0.1, List.of());
        assertEquals(w1, s.sd.getArrForVarName("w1"));
        assertNotEquals(w2, s.sd.getArrForVarName("w2"));
    }
}
