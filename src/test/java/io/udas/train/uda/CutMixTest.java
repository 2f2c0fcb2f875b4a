package io.udas.train.uda;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class CutMixTest {

    @Test
    void boxSizeFollowsTheFormulaAndIsClipped() {
        // lambda 0.75: sqrt(1 - lambda) = 0.5 -> r_h = 50, r_w = 30 around (50, 30)
        assertEquals(new CutMix.Box(25, 75, 15, 45), CutMix.box(100, 60, 0.75, 50, 30));
        assertEquals(1500, CutMix.box(100, 60, 0.75, 50, 30).area(), "area = (1 - lambda) H W when not clipped");
        // floor: 0.36 -> sqrt(0.64) = 0.8 -> r_h = floor(7.2) = 7, r_w = floor(8.8) = 8; corner = centre - r/2
        assertEquals(new CutMix.Box(2, 9, 1, 9), CutMix.box(9, 11, 0.36, 5, 5));
        // centre in the corner: clipped to the image
        assertEquals(new CutMix.Box(0, 25, 0, 15), CutMix.box(100, 60, 0.75, 0, 0));
        assertEquals(new CutMix.Box(74, 100, 44, 60), CutMix.box(100, 60, 0.75, 99, 59)); // 99 - 25, 59 - 15
        // lambda 1: nothing pasted; lambda 0 at the centre: the whole image
        assertEquals(0, CutMix.box(10, 10, 1.0, 5, 5).area());
        assertEquals(new CutMix.Box(0, 10, 0, 10), CutMix.box(10, 10, 0.0, 5, 5));
        assertThrows(IllegalArgumentException.class, () -> CutMix.box(10, 10, 1.5, 5, 5));
    }

    @Test
    void sampledBoxesAreDeterministicInsideAndVaried() {
        assertEquals(CutMix.boxes(4, 32, 48, 7), CutMix.boxes(4, 32, 48, 7));
        assertNotEquals(CutMix.boxes(4, 32, 48, 7), CutMix.boxes(4, 32, 48, 8));
        double meanArea = 0;
        int n = 2000;
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            CutMix.Box b = CutMix.sample(32, 48, r);
            assertTrue(b.y0() >= 0 && b.y1() <= 32 && b.x0() >= 0 && b.x1() <= 48 && b.y0() <= b.y1() && b.x0() <= b.x1(), b.toString());
            meanArea += b.area() / (32.0 * 48) / n;
        }
        // E[1 - lambda] = 0.5 before clipping and flooring; clipping removes a good part of it
        assertTrue(meanArea > 0.2 && meanArea < 0.5, "mean pasted fraction " + meanArea);
    }

    @Test
    void mixedImageAndLabelTakeTheTargetInsideTheBoxOnly() {
        int n = 2, h = 6, w = 7;
        INDArray srcImg = Nd4j.create(DataType.FLOAT, n, 3, h, w);
        INDArray tgtImg = Nd4j.create(DataType.FLOAT, n, 3, h, w);
        INDArray srcLab = Nd4j.create(DataType.FLOAT, n, h, w);
        INDArray tgtLab = Nd4j.create(DataType.FLOAT, n, h, w);
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        srcImg.putScalar(new int[]{i, c, y, x}, 1000 * i + 100 * c + 10 * y + x);
                        tgtImg.putScalar(new int[]{i, c, y, x}, -(1000 * i + 100 * c + 10 * y + x) - 1);
                    }
                    srcLab.putScalar(new int[]{i, y, x}, (y + x) % 3);
                    tgtLab.putScalar(new int[]{i, y, x}, y == 2 ? 255 : 10 + x);
                }
            }
        }
        INDArray srcImg0 = srcImg.dup();
        INDArray tgtLab0 = tgtLab.dup();
        List<CutMix.Box> boxes = List.of(new CutMix.Box(1, 4, 2, 7), new CutMix.Box(0, 0, 0, 0));
        CutMix.Mixed m = CutMix.mix(srcImg, srcLab, tgtImg, tgtLab, boxes);
        int inside = 0;
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    boolean in = boxes.get(i).contains(y, x);
                    inside += in ? 1 : 0;
                    INDArray fromImg = in ? tgtImg : srcImg;
                    INDArray fromLab = in ? tgtLab : srcLab;
                    for (int c = 0; c < 3; c++) {
                        assertEquals(fromImg.getFloat(i, c, y, x), m.images().getFloat(i, c, y, x), "image " + i + "," + c + "," + y + "," + x);
                    }
                    assertEquals(fromLab.getFloat(i, y, x), m.labels().getFloat(i, y, x), "label " + i + "," + y + "," + x);
                }
            }
        }
        assertEquals(15, inside);
        assertEquals(srcImg0, srcImg, "inputs unchanged");
        assertEquals(tgtLab0, tgtLab);
        // seeded form = boxes(seed) + mix
        CutMix.Mixed seeded = CutMix.mix(srcImg, srcLab, tgtImg, tgtLab, 11L);
        assertEquals(CutMix.mix(srcImg, srcLab, tgtImg, tgtLab, CutMix.boxes(n, h, w, 11L)).labels(), seeded.labels());
        assertThrows(IllegalArgumentException.class, () -> CutMix.mix(srcImg, srcLab, tgtImg.get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)), tgtLab, boxes));
    }
}
