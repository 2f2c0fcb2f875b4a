package io.udas.train;

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

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArrayPoolTest {

    @Test
    void handsAReleasedArrayOutAgainForTheSameTypeAndShapeOnly() {
        ArrayPool pool = new ArrayPool(1 << 20);
        INDArray a = pool.allocate(false, DataType.FLOAT, 2, 3);
        long id = a.getId();
        pool.release(a);
        assertEquals(24, pool.pooledBytes());
        assertNotSame(a, pool.allocate(false, DataType.FLOAT, 3, 2), "other shape");
        assertNotSame(a, pool.allocate(false, DataType.DOUBLE, 2, 3), "other type");
        INDArray b = pool.allocate(false, DataType.FLOAT, 2, 3);
        assertSame(a, b);
        assertNotEquals(id, b.getId(), "a reused array gets a new id (sessions track arrays by id)");
        assertEquals(0, pool.pooledBytes());
        pool.release(b);
        pool.release(b); // a second release must not put it in the pool twice
        assertSame(b, pool.allocate(false, DataType.FLOAT, 2, 3));
        assertNotSame(b, pool.allocate(false, DataType.FLOAT, 2, 3));
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
}
