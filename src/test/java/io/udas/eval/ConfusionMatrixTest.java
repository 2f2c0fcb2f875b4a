package io.udas.eval;

import io.udas.data.Cityscapes;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ConfusionMatrixTest {
    static final double EPS = 1e-12;

    // 4 classes. Valid pixels (gt, pred): (0,0)x3, (0,1), (1,1)x2, (1,2), (0,2); two ignored pixels (255)
    // with predictions 3 and 2 that must not count. Class 2: predicted, never in GT -> IoU 0.
    // Class 3: only predicted on an ignored pixel -> absent -> NaN.
    static final int[] LABEL = {0, 0, 0, 0, 1, 1, 1, 255, 255, 0};
    static final int[] PRED = {0, 0, 0, 1, 1, 1, 2, 3, 2, 2};

    static ConfusionMatrix handMade() {
        ConfusionMatrix m = new ConfusionMatrix(4);
        m.add(PRED, LABEL);
        return m;
    }

    @Test
    void countsOfHandMadeCase() {
        ConfusionMatrix m = handMade();
        long[][] expect = {{3, 1, 1, 0}, {0, 2, 1, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
        assertArrayEquals(expect, m.toArray());
        assertEquals(8, m.total());
        assertEquals(2, m.ignoredPixels());
        assertEquals(5, m.gtCount(0));
        assertEquals(3, m.gtCount(1));
        assertEquals(2, m.predCount(2));
        assertEquals(0, m.predCount(3));
        assertEquals(3, m.truePositives(0));
    }

    @Test
    void iouAndAccuracies() {
        ConfusionMatrix m = handMade();
        double[] iou = m.iou();
        assertEquals(3.0 / 5, iou[0], EPS);     // TP 3, FP 0, FN 2
        assertEquals(2.0 / 4, iou[1], EPS);     // TP 2, FP 1, FN 1
        assertEquals(0.0, iou[2], EPS);         // predicted, absent from GT
        assertTrue(Double.isNaN(iou[3]));        // absent from GT and prediction
        assertEquals((0.6 + 0.5 + 0.0) / 3, m.meanIoU(), EPS);
        assertEquals(5.0 / 8, m.pixelAccuracy(), EPS);
        double[] acc = m.classAccuracy();
        assertEquals(3.0 / 5, acc[0], EPS);
        assertEquals(2.0 / 3, acc[1], EPS);
        assertTrue(Double.isNaN(acc[2]));
        assertTrue(Double.isNaN(acc[3]));
        assertEquals((3.0 / 5 + 2.0 / 3) / 2, m.meanClassAccuracy(), EPS);
    }

    @Test
    void emptyMatrixIsNaN() {
        ConfusionMatrix m = new ConfusionMatrix(3);
        m.add(new int[]{0, 1}, new int[]{255, 255});
        assertTrue(Double.isNaN(m.meanIoU()));
        assertTrue(Double.isNaN(m.pixelAccuracy()));
        assertEquals(2, m.ignoredPixels());
    }

    @Test
    void outOfRangePredictionCountsAsWrong() {
        ConfusionMatrix m = new ConfusionMatrix(2);
        m.add(new int[]{255, 1, -1, 0}, new int[]{0, 1, 1, 0});
        assertEquals(2, m.outOfRangeTotal());
        assertArrayEquals(new long[]{1, 1}, m.outOfRange());
        assertEquals(4, m.total());
        // class 0: TP 1, FN 1 (out of range), FP 0 -> 1/2; class 1: TP 1, FN 1 -> 1/2
        assertEquals(0.5, m.iou()[0], EPS);
        assertEquals(0.5, m.iou()[1], EPS);
        assertEquals(0.5, m.pixelAccuracy(), EPS);
    }

    @Test
    void negativeAndLargeLabelsAreIgnored() {
        ConfusionMatrix m = new ConfusionMatrix(2);
        m.add(new int[]{0, 0, 0}, new int[]{-1, 2, 0});
        assertEquals(2, m.ignoredPixels());
        assertEquals(1, m.total());
    }

    @Test
    void lengthMismatchThrows() {
        ConfusionMatrix m = new ConfusionMatrix(2);
        assertThrows(IllegalArgumentException.class, () -> m.add(new int[]{0}, new int[]{0, 1}));
    }

    @Test
    void indarrayOfAnyTypeMatchesIntArrays() {
        // [2,2,5] = the hand-made case twice (once per batch item)
        int[] l2 = new int[20];
        int[] p2 = new int[20];
        for (int i = 0; i < 20; i++) {
            l2[i] = LABEL[i % 10];
            p2[i] = PRED[i % 10];
        }
        INDArray label = Nd4j.createFromArray(l2).reshape(2, 2, 5).castTo(DataType.FLOAT);
        INDArray pred = Nd4j.createFromArray(p2).reshape(2, 2, 5).castTo(DataType.LONG);
        ConfusionMatrix m = new ConfusionMatrix(4);
        m.add(pred, label);
        ConfusionMatrix twice = handMade().merge(handMade());
        assertArrayEquals(twice.toArray(), m.toArray());
        assertEquals(4, m.ignoredPixels());

        // [N,1,H,W] labels, and an 'f'-ordered copy of the prediction (same logical values)
        ConfusionMatrix m2 = new ConfusionMatrix(4);
        m2.add(pred.dup('f'), label.reshape(2, 1, 2, 5));
        assertArrayEquals(twice.toArray(), m2.toArray());

        // views: the second batch item only
        ConfusionMatrix m3 = new ConfusionMatrix(4);
        m3.add(pred.slice(1), label.slice(1));
        assertArrayEquals(handMade().toArray(), m3.toArray());

        assertThrows(IllegalArgumentException.class, () -> m.add(pred, label.reshape(2, 5, 2)));
    }

    @Test
    void argmaxOfLogits() {
        // 3 classes, 1 image 2x2. Per pixel class scores (c0, c1, c2):
        // (0,0): (1, 5, 2) -> 1;  (0,1): (9, 0, 0) -> 0;  (1,0): (0, 0, 3) -> 2;  (1,1): (4, 4, 1) -> tie -> 0
        float[][][] s = {{{1, 9}, {0, 4}}, {{5, 0}, {0, 4}}, {{2, 0}, {3, 1}}};
        INDArray logits = Nd4j.create(new float[][][][]{s});
        assertArrayEquals(new long[]{1, 3, 2, 2}, logits.shape());
        // labels: 1, 0, 1, 255
        INDArray labels = Nd4j.createFromArray(new int[][][]{{{1, 0}, {1, 255}}});
        ConfusionMatrix m = new ConfusionMatrix(3);
        m.addLogits(logits, labels);
        long[][] expect = {{1, 0, 0}, {0, 1, 1}, {0, 0, 0}};
        assertArrayEquals(expect, m.toArray());
        assertEquals(1, m.ignoredPixels());

        // tie to the lowest index: label 0 at the tie pixel
        ConfusionMatrix t = new ConfusionMatrix(3);
        t.addLogits(logits, Nd4j.createFromArray(new int[][][]{{{255, 255}, {255, 0}}}));
        assertEquals(1, t.count(0, 0));

        // [C,H,W] with [H,W]
        ConfusionMatrix m2 = new ConfusionMatrix(3);
        m2.addLogits(logits.slice(0), labels.slice(0));
        assertArrayEquals(expect, m2.toArray());

        // wrong class count / size
        assertThrows(IllegalArgumentException.class, () -> new ConfusionMatrix(4).addLogits(logits, labels));
        assertThrows(IllegalArgumentException.class,
                () -> new ConfusionMatrix(3).addLogits(logits, Nd4j.zeros(DataType.INT, 1, 4, 4)));
    }

    @Test
    void mergeEqualsWhole() {
        ConfusionMatrix a = new ConfusionMatrix(4);
        ConfusionMatrix b = new ConfusionMatrix(4);
        a.add(PRED, LABEL, 0, 5);
        b.add(PRED, LABEL, 5, 5);
        ConfusionMatrix merged = a.copy().merge(b);
        assertArrayEquals(handMade().toArray(), merged.toArray());
        assertEquals(2, merged.ignoredPixels());
        assertArrayEquals(handMade().toArray(), ConfusionMatrix.sum(List.of(a, b)).toArray());
        assertThrows(IllegalArgumentException.class, () -> a.merge(new ConfusionMatrix(3)));
        assertThrows(IllegalArgumentException.class, () -> a.merge(a));
    }

    @Test
    void concurrentAddsAreCounted() throws Exception {
        ConfusionMatrix m = new ConfusionMatrix(4);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < 500; i++) {
                    m.add(PRED, LABEL);
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(2000L * 3, m.count(0, 0));
        assertEquals(2000L * 8, m.total());
        assertEquals(2000L * 2, m.ignoredPixels());
    }

    @Test
    void roundTripThroughOf() {
        ConfusionMatrix m = handMade();
        ConfusionMatrix r = ConfusionMatrix.of(m.toArray(), m.outOfRange(), m.ignoredPixels());
        assertArrayEquals(m.toArray(), r.toArray());
        assertEquals(m.ignoredPixels(), r.ignoredPixels());
        r.reset();
        assertEquals(0, r.total());
    }

    @Test
    void cityscapesNames() {
        ConfusionMatrix m = ConfusionMatrix.cityscapes();
        m.add(new int[]{13, 13}, new int[]{13, 0});
        SegMetrics s = m.metrics();
        assertEquals(Cityscapes.CLASS_NAMES, s.classNames());
        assertEquals(0.5, s.iou("car"), EPS);
        assertEquals(0.0, s.iou("road"), EPS);
        assertTrue(Double.isNaN(s.iou("bus")));
        assertEquals(0.25, s.miou(), EPS);
    }
}
