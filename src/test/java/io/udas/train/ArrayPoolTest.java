package io.udas.train;

import io.udas.nn.Conv;
import io.udas.nn.Layers;
import io.udas.nn.Losses;
import io.udas.nn.Network;
import io.udas.nn.ResnetGenerator;
import io.udas.nn.Scope;
import io.udas.train.optim.ParamGroup;
import io.udas.train.optim.Sgd;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArrayPoolTest {

    @Test
    void handsAReleasedArrayOutAgainForTheSameTypeAndSize() {
        ArrayPool pool = new ArrayPool(1 << 20);
        INDArray a = pool.allocate(false, DataType.FLOAT, 2, 3);
        long id = a.getId();
        pool.release(a);
        assertEquals(24, pool.pooledBytes());
        assertNotSame(a, pool.allocate(false, DataType.FLOAT, 7), "other size");
        assertNotSame(a, pool.allocate(false, DataType.DOUBLE, 2, 3), "other type");
        INDArray b = pool.allocate(false, DataType.FLOAT, 2, 3);
        assertSame(a, b);
        assertNotEquals(id, b.getId(), "a reused array gets a new id (sessions track arrays by id)");
        assertNotEquals(b.getId(), Nd4j.create(DataType.FLOAT, 1).getId(), "nor does the next array created");
        assertEquals(0, pool.pooledBytes());
        pool.release(b);
        pool.release(b); // a second release must not put it in the pool twice
        assertSame(b, pool.allocate(false, DataType.FLOAT, 2, 3));
        assertNotSame(b, pool.allocate(false, DataType.FLOAT, 2, 3));

        // the same size in another shape: the same memory, as a new array of that shape
        b.assign(Nd4j.createFromArray(new float[][]{{1, 2, 3}, {4, 5, 6}}));
        pool.release(b);
        INDArray c = pool.allocate(false, DataType.FLOAT, 3, 1, 2);
        assertArrayEquals(new long[]{3, 1, 2}, c.shape());
        assertEquals(b.data().address(), c.data().address());
        assertNotEquals(b.getId(), c.getId());
        assertFalse(c.isView());
        assertEquals(Nd4j.createFromArray(new float[]{1, 2, 3, 4, 5, 6}).reshape(3, 1, 2), c);
        pool.release(c);
        assertEquals(24, pool.pooledBytes(), "the reshaped array is pooled again");
    }

    @Test
    void freesWhatExceedsItsBudgetAndNeverPoolsViews() {
        ArrayPool pool = new ArrayPool(100);
        INDArray small = pool.allocate(false, DataType.FLOAT, 20); // 80 bytes
        INDArray big = pool.allocate(false, DataType.FLOAT, 10); // 40 bytes: over the budget with the first
        pool.release(small);
        pool.release(big);
        assertFalse(small.wasClosed());
        assertTrue(big.wasClosed());
        assertEquals(80, pool.pooledBytes());

        INDArray base = Nd4j.create(DataType.FLOAT, 4, 4);
        INDArray view = base.getRow(1);
        pool.release(view);
        assertEquals(80, pool.pooledBytes());
        assertFalse(view.wasClosed());
        pool.close();
        assertTrue(small.wasClosed());
        assertEquals(0, pool.pooledBytes());
    }

    @Test
    void freesWhatWaitedUnusedThroughSeveralRuns() {
        ArrayPool pool = new ArrayPool(1 << 20);
        pool.startRun();
        INDArray a = pool.allocate(false, DataType.FLOAT, 8);
        INDArray b = pool.allocate(false, DataType.FLOAT, 8);
        pool.release(a);
        pool.release(b);
        for (int run = 2; run <= ArrayPool.IDLE_RUNS + 1; run++) {
            pool.startRun();
            assertFalse(a.wasClosed(), "run " + run);
            INDArray again = pool.allocate(false, DataType.FLOAT, 8);
            assertSame(b, again, "the last released is handed out first");
            pool.release(again);
        }
        pool.startRun();
        assertTrue(a.wasClosed(), "unused through the last " + ArrayPool.IDLE_RUNS + " runs");
        assertFalse(b.wasClosed());
        assertTrue(pool.holds(b));
        assertEquals(32, pool.pooledBytes());
    }

    @Test
    void recycleGivesAnArrayToTheSessionsPoolOrFreesIt() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 2);
        x.mul(2).rename("y");
        Map<String, INDArray> in = Map.of("x", Nd4j.rand(DataType.FLOAT, 3, 2));
        ArrayPool.install(() -> 1L << 20);
        try {
            sd.output(in, "y");
            INDArray done = Nd4j.rand(DataType.FLOAT, 3, 2);
            ArrayPool.recycle(sd, done);
            assertFalse(done.wasClosed());
            assertTrue(((ArrayPool) sd.getSessions().get(Thread.currentThread().getId()).getMmgr()).holds(done));
        } finally {
            ArrayPool.uninstall();
        }
        SameDiff plain = SameDiff.create();
        INDArray done = Nd4j.rand(DataType.FLOAT, 3, 2);
        ArrayPool.recycle(plain, done);
        assertTrue(done.wasClosed(), "no pooled session: freed");
    }

    @Test
    void aViewKeepsItsOwnersBufferOutOfReuseUntilTheViewIsReleased() {
        ArrayPool pool = new ArrayPool(1 << 20);
        INDArray owner = pool.allocate(false, DataType.FLOAT, 2, 3).assign(Nd4j.linspace(DataType.FLOAT, 1, 6, 1)
                .reshape(2, 3));
        INDArray view = pool.view(owner, new long[]{3, 2});
        assertEquals(owner.data().address(), view.data().address(), "no copy");
        assertEquals(Nd4j.linspace(DataType.FLOAT, 1, 6, 1).reshape(3, 2), view);
        INDArray viewOfView = pool.view(view, new long[]{6});

        pool.release(owner);
        assertFalse(pool.holds(owner), "views of it live");
        assertNotEquals(owner.data().address(), pool.allocate(false, DataType.FLOAT, 2, 3).data().address());
        pool.release(view);
        assertFalse(pool.holds(owner), "one view still lives");
        pool.release(viewOfView);
        assertTrue(pool.holds(owner), "pooled once the last view is released");
        assertFalse(pool.holds(view));
        assertEquals(24, pool.pooledBytes());
    }

    @Test
    void reshapesRunAsViewsWithoutChangingAnyValue() {
        SameDiff sd = SameDiff.create();
        SDVariable a = sd.placeHolder("a", DataType.FLOAT, 4, 6);
        SDVariable b = sd.placeHolder("b", DataType.FLOAT, 6, 4);
        SDVariable w = sd.var("w", Nd4j.rand(DataType.FLOAT, 6, 4).subi(0.5));
        // the view of x is read after other products of x's size were allocated (they need its sum); the pool's
        // deferral itself is tested in aViewKeepsItsOwnersBufferOutOfReuseUntilTheViewIsReleased
        SDVariable x = a.mul(2);
        SDVariable v = x.reshape(6, 4);
        SDVariable y = b.mul(v.sum()).mul(2);
        SDVariable out = y.add(v).rename("out");
        out.mul(w).sum().rename("loss");
        sd.setLossVariables("loss");

        INDArray av = Nd4j.rand(DataType.FLOAT, 4, 6);
        INDArray bv = Nd4j.rand(DataType.FLOAT, 6, 4);
        INDArray expectedOut = bv.mul(2 * av.mul(2).sumNumber().floatValue()).addi(av.mul(2).reshape(6, 4));
        GraphProbes.OpLog log = new GraphProbes.OpLog();
        sd.addListeners(log);
        ArrayPool.install(() -> 1L << 20);
        try {
            Map<String, INDArray> in = Map.of("a", av, "b", bv);
            for (int run = 0; run < 3; run++) {
                INDArray got = sd.output(in, "out").get("out");
                assertTrue(expectedOut.equalsWithEps(got, 1e-5), "run " + run + ": " + got);
                INDArray gradW = sd.calculateGradients(in, "w").get("w");
                assertTrue(expectedOut.equalsWithEps(gradW, 1e-5), "run " + run + ": " + gradW);
            }
            List<Long> xs = addresses(log, x.name());
            List<Long> vs = addresses(log, v.name());
            assertEquals(xs.size(), vs.size());
            assertTrue(IntStream.range(0, xs.size()).anyMatch(i -> xs.get(i).equals(vs.get(i))),
                    "some run's reshape was a view of x: " + xs + " " + vs);
        } finally {
            ArrayPool.uninstall();
        }
    }

    @Test
    void aReshapeTheCallerAsksForIsACopySoItsInputReturnsToThePool() {
        SameDiff sd = SameDiff.create();
        SDVariable a = sd.placeHolder("a", DataType.FLOAT, 2, 3);
        SDVariable product = a.mul(2);
        product.reshape(3, 2).rename("out");
        GraphProbes.OpLog log = new GraphProbes.OpLog();
        sd.addListeners(log);
        ArrayPool.install(() -> 1L << 20);
        try {
            INDArray first = sd.output(Map.of("a", Nd4j.ones(DataType.FLOAT, 2, 3)), "out").get("out");
            INDArray second = sd.output(Map.of("a", Nd4j.zeros(DataType.FLOAT, 2, 3)), "out").get("out");
            assertEquals(Nd4j.valueArrayOf(new long[]{3, 2}, 2f), first);
            assertEquals(Nd4j.zeros(DataType.FLOAT, 3, 2), second);
            List<Long> productBuffers = addresses(log, product.name());
            assertEquals(2, productBuffers.size());
            assertEquals(productBuffers.get(0), productBuffers.get(1),
                    "the first run's product went back to the pool (the caller's output does not share it)");
        } finally {
            ArrayPool.uninstall();
        }
    }

    /** The buffer address of every value of {@code variable} the log recorded, in order. */
    private static List<Long> addresses(GraphProbes.OpLog log, String variable) {
        return log.outputs.stream().filter(o -> o.name().equals(variable)).map(GraphProbes.Output::address).toList();
    }

    /** Three SGD steps of a small CycleGAN generator; returns its weights. */
    private static Map<String, INDArray> train() {
        Nd4j.getRandom().setSeed(5);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 3, 16, 16);
        SDVariable t = sd.placeHolder("t", DataType.FLOAT, -1, 3, 16, 16);
        Network g = ResnetGenerator.build(Scope.of(sd, "g.", DataType.FLOAT),
                new ResnetGenerator.Spec().ngf(4).nBlocks(1).inputSize(16, 16), x);
        Losses.l1(g.output(), t).rename("loss");
        TrainingGraph graph = new TrainingGraph(sd, "loss",
                List.of(new ParamGroup("g", g.trainable(), new Sgd(0.9, 1e-4), 1.0)));
        Nd4j.getRandom().setSeed(6);
        Map<String, INDArray> in = Map.of("x", Nd4j.rand(DataType.FLOAT, 2, 3, 16, 16),
                "t", Nd4j.rand(DataType.FLOAT, 2, 3, 16, 16));
        for (int i = 0; i < 3; i++) {
            graph.step(in, List.of("g"), 0.1, List.of());
        }
        Map<String, INDArray> w = new java.util.TreeMap<>();
        g.trainable().forEach(v -> w.put(v, sd.getArrForVarName(v).dup()));
        return w;
    }

    @Test
    void trainingWithPooledSessionsGivesTheSameWeights() {
        Map<String, INDArray> plain = train();
        ArrayPool.install(() -> 64L << 20);
        Map<String, INDArray> pooled;
        try {
            pooled = train();
        } finally {
            ArrayPool.uninstall();
        }
        assertEquals(plain.keySet(), pooled.keySet());
        for (String k : plain.keySet()) {
            assertEquals(plain.get(k), pooled.get(k), k);
        }
    }

    @Test
    void sessionsReleaseEveryIntermediateOfEveryRunAndForgetReleasedIdsBetweenRuns() {
        ArrayPool pool = new ArrayPool(1L << 30);
        List<ArrayPool.Session> sessions = new ArrayList<>();
        SameDiff.bindInferenceFactory(g -> {
            ArrayPool.Session s = new ArrayPool.Session(g, pool);
            sessions.add(s);
            return s;
        });
        try {
            Nd4j.getRandom().setSeed(3);
            SameDiff sd = SameDiff.create();
            Scope s = Scope.of(sd, "", DataType.FLOAT);
            SDVariable y = sd.placeHolder("x", DataType.FLOAT, -1, 4, 8, 8);
            for (int i = 0; i < 3; i++) {
                // frozen BN folds into the weights with a broadcast product: the arrays M2.1 lost track of
                y = Layers.relu(Layers.conv2dFrozenBatchNorm(s, "c" + i, "bn" + i, y,
                        Conv.of(4, 4, 3).pad(1).bias(false), 1.0));
            }
            y.mul(y).mean().rename("loss");
            TrainingGraph graph = new TrainingGraph(sd, "loss",
                    List.of(new ParamGroup("g", s.trainable(), new Sgd(0.9, 0), 1.0)));
            GraphProbes.OpLog log = new GraphProbes.OpLog();
            sd.setListeners(log);
            Map<String, INDArray> in = Map.of("x", Nd4j.rand(DataType.FLOAT, 2, 4, 8, 8));
            int[] remembered = new int[4];
            for (int step = 0; step < 4; step++) {
                log.outputs.clear();
                graph.step(in, List.of("g"), 0.01, List.of());
                List<GraphProbes.Output> produced = log.outputs.stream()
                        .filter(GraphProbes.Output::owner).toList();
                for (int i = 0; i < produced.size(); i++) {
                    GraphProbes.Output p = produced.get(i);
                    // released: handed out again since (the pool then gave it a new id, or its memory to a new array
                    // of another shape), or waiting in the pool
                    boolean released = p.array().getId() != p.id() || pool.holds(p.array())
                            || produced.subList(i + 1, produced.size()).stream()
                            .anyMatch(q -> q.array() != p.array() && q.address() == p.address());
                    // the gradients too, once the optimiser has used them; only the loss is the caller's
                    assertEquals(!p.name().equals("loss"), released, "step " + step + ": " + p.name());
                }
                remembered[step] = sessions.stream().mapToInt(ArrayPool.Session::rememberedReleases).sum();
            }
            assertTrue(remembered[1] > 0);
            assertEquals(remembered[1], remembered[3], "released ids are remembered for one run only");
        } finally {
            ArrayPool.uninstall();
        }
    }
}
