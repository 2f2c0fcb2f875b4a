package io.udas.train;

import io.udas.train.optim.Adam;
import io.udas.train.optim.LrSchedule;
import io.udas.train.optim.Sgd;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OptimizerTest {
    private static INDArray arr(double... v) {
        return Nd4j.createFromArray(v).castTo(DataType.DOUBLE);
    }

    @Test
    void sgdMatchesPyTorchMomentumAndWeightDecay() {
        INDArray p = arr(1.0, -2.0);
        Sgd sgd = new Sgd(0.9, 0.1);
        double lr = 0.5;
        // By hand: step 1: g' = g + 0.1 p = [0.5+0.1, 1-0.2] = [0.6, 0.8]; buf = g'; p = [1-0.3, -2-0.4]
        sgd.step(Map.of("w", p), Map.of("w", arr(0.5, 1.0)), lr);
        assertEquals(0.7, p.getDouble(0), 1e-12);
        assertEquals(-2.4, p.getDouble(1), 1e-12);
        // step 2 with g = [0, 0]: g' = 0.1 p = [0.07, -0.24]; buf = 0.9*[0.6,0.8] + g' = [0.61, 0.48]
        sgd.step(Map.of("w", p), Map.of("w", arr(0, 0)), lr);
        assertEquals(0.7 - 0.5 * 0.61, p.getDouble(0), 1e-12);
        assertEquals(-2.4 - 0.5 * 0.48, p.getDouble(1), 1e-12);
    }

    @Test
    void adamMatchesReferenceFormula() {
        double b1 = 0.9, b2 = 0.99, eps = 1e-8, lr = 0.1;
        INDArray p = arr(1.0);
        Adam adam = new Adam(b1, b2, eps);
        double x = 1.0, m = 0, v = 0;
        double[] gs = {0.5, -0.2, 0.3};
        for (int t = 1; t <= gs.length; t++) {
            adam.step(Map.of("w", p), Map.of("w", arr(gs[t - 1])), lr);
            m = b1 * m + (1 - b1) * gs[t - 1];
            v = b2 * v + (1 - b2) * gs[t - 1] * gs[t - 1];
            double mh = m / (1 - Math.pow(b1, t));
            double vh = v / (1 - Math.pow(b2, t));
            x -= lr * mh / (Math.sqrt(vh) + eps);
            assertEquals(x, p.getDouble(0), 1e-12, "step " + t);
        }
    }

    @Test
    void stateRoundTripGivesIdenticalContinuation() {
        INDArray a = arr(1, 2), b = arr(1, 2);
        Adam x = new Adam(0.5, 0.999);
        x.step(Map.of("w", a), Map.of("w", arr(0.3, -0.1)), 0.01);
        Adam y = new Adam(0.5, 0.999);
        b.assign(a);
        y.loadState(x.state());
        x.step(Map.of("w", a), Map.of("w", arr(0.2, 0.4)), 0.01);
        y.step(Map.of("w", b), Map.of("w", arr(0.2, 0.4)), 0.01);
        assertEquals(a, b);
        Sgd s1 = new Sgd(0.9, 5e-4), s2 = new Sgd(0.9, 5e-4);
        s1.step(Map.of("w", a), Map.of("w", arr(1, 1)), 0.1);
        b.assign(a);
        s2.loadState(s1.state());
        s1.step(Map.of("w", a), Map.of("w", arr(0.5, 0)), 0.1);
        s2.step(Map.of("w", b), Map.of("w", arr(0.5, 0)), 0.1);
        assertEquals(a, b);
    }

    @Test
    void schedules() {
        LrSchedule poly = LrSchedule.poly(2.5e-4, 100, 0.9);
        assertEquals(2.5e-4, poly.at(0), 1e-18);
        assertEquals(2.5e-4 * Math.pow(0.5, 0.9), poly.at(50), 1e-15);
        assertEquals(0, poly.at(100), 0);
        LrSchedule lin = LrSchedule.linearDecay(2e-4, 100, 200);
        assertEquals(2e-4, lin.at(99), 0);
        assertEquals(1e-4, lin.at(150), 1e-15);
        assertEquals(0, lin.at(200), 0);
    }
}
