package io.udas.train.cyclegan;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImagePoolTest {

    private static INDArray img(double v) {
        return Nd4j.valueArrayOf(new long[]{1, 3, 2, 2}, v, DataType.FLOAT);
    }

    private static double val(INDArray a) {
        return a.getDouble(0);
    }

    @Test
    void fillsToCapacityReturningTheQueryImages() {
        ImagePool p = new ImagePool(3);
        for (int i = 0; i < 3; i++) {
            INDArray q = img(i);
            INDArray r = p.query(q, new SplittableRandom(i));
            assertEquals(i, val(r));
            assertNotSame(q, r);
            assertEquals(i + 1, p.size());
        }
        // the pool keeps copies: changing the caller's array changes nothing inside
        INDArray q = img(10);
        p.query(q, new SplittableRandom(99));
        q.assign(-1);
        assertEquals(3, p.size(), "capacity is never exceeded");
        for (double v : p.state().get(ImagePool.IMAGES).ravel().toDoubleVector()) {
            assertTrue(v != -1);
        }
    }

    @Test
    void fullPoolReturnsAStoredImageWithProbabilityOneHalfAndSwapsItIn() {
        ImagePool p = new ImagePool(5);
        for (int i = 0; i < 5; i++) {
            p.query(img(i), new SplittableRandom(0));
        }
        int stored = 0;
        int trials = 4000;
        SplittableRandom rnd = new SplittableRandom(1234);
        Set<Double> seen = new HashSet<>();
        for (int t = 0; t < trials; t++) {
            double v = 100 + t;
            // a twin generator makes the same draws as the pool, to know the expected outcome
            long s = rnd.nextLong();
            SplittableRandom use = new SplittableRandom(s);
            SplittableRandom twin = new SplittableRandom(s);
            boolean expectStored = twin.nextDouble() > 0.5;
            int slot = expectStored ? twin.nextInt(5) : -1;
            double before = expectStored ? p.state().get(ImagePool.IMAGES).getDouble(slot * 12L) : Double.NaN;
            double r = val(p.query(img(v), use));
            if (expectStored) {
                stored++;
                assertEquals(before, r, "returns the stored image of the drawn slot");
                assertEquals(v, p.state().get(ImagePool.IMAGES).getDouble(slot * 12L), "and stores the query there");
                seen.add(r);
            } else {
                assertEquals(v, r, "returns the query image");
            }
            assertEquals(5, p.size());
        }
        double frac = stored / (double) trials;
        assertTrue(Math.abs(frac - 0.5) < 0.03, "stored fraction " + frac);
        assertTrue(seen.contains(0.0) || seen.contains(1.0), "initial images come back");
    }

    @Test
    void sameSeedSameResultsAndStateRoundTrip() {
        ImagePool a = new ImagePool(2);
        ImagePool b = new ImagePool(2);
        for (int t = 0; t < 20; t++) {
            if (t == 7) {
                // b continues from a copy of a's state: resume
                b.restore(a.state());
            }
            INDArray ra = a.query(img(t), new SplittableRandom(t));
            if (t >= 7) {
                INDArray rb = b.query(img(t), new SplittableRandom(t));
                assertEquals(val(ra), val(rb), "iteration " + t);
            }
        }
        // batch of 2: each image handled on its own
        ImagePool c = new ImagePool(1);
        INDArray batch = Nd4j.concat(0, img(1), img(2));
        INDArray r = c.query(batch, new SplittableRandom(3));
        assertEquals(2, r.size(0));
        assertEquals(1.0, r.getDouble(0));
        assertEquals(1, c.size());
    }

    @Test
    void capacityZeroPassesThroughAndEmptyStateRestores() {
        ImagePool p = new ImagePool(0);
        for (int i = 0; i < 5; i++) {
            assertEquals(i, val(p.query(img(i), new SplittableRandom(i))));
        }
        assertEquals(0, p.size());
        ImagePool q = new ImagePool(3);
        q.restore(p.state());
        assertEquals(0, q.size());
        ImagePool full = new ImagePool(3);
        for (int i = 0; i < 3; i++) {
            full.query(img(i), new SplittableRandom(i));
        }
        assertThrows(IllegalArgumentException.class, () -> new ImagePool(2).restore(full.state()));
        assertThrows(IllegalArgumentException.class, () -> new ImagePool(-1));
    }
}
