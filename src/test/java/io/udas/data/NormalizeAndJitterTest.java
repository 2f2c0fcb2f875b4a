package io.udas.data;

import io.udas.config.InputNormConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NormalizeAndJitterTest {
    @Test
    void bgrModelSubtractsItsMean() {
        Normalizer n = new Normalizer(new InputNormConfig());
        INDArray bgr = Nd4j.create(new float[]{10, 20, 30}, new long[]{1, 3, 1, 1}, 'c');
        INDArray x = n.normalize(bgr);
        assertEquals(10 - 104.00698793, x.getDouble(0, 0, 0, 0), 1e-4);
        assertEquals(30 - 122.67891434, x.getDouble(0, 2, 0, 0), 1e-4);
        assertEquals(10f, bgr.getFloat(0, 0, 0, 0), "input untouched");
        assertArrayEquals(bgr.data().asFloat(), n.denormalize(x).data().asFloat(), 1e-4f);
    }

    @Test
    void rgbModelSwapsChannelsAndScales() {
        InputNormConfig c = new InputNormConfig();
        c.channelOrder = InputNormConfig.ChannelOrder.RGB;
        c.mean = List.of(123.675, 116.28, 103.53);
        c.std = List.of(58.395, 57.12, 57.375);
        Normalizer n = new Normalizer(c);
        assertArrayEquals(new float[]{103.53f, 116.28f, 123.675f}, n.meanBgr());
        INDArray bgr = Nd4j.create(new float[]{10, 20, 30, 40, 50, 60}, new long[]{3, 1, 2}, 'c');
        INDArray x = n.normalize(bgr);
        // Model channel 0 is red (BGR channel 2).
        assertEquals((50 - 123.675) / 58.395, x.getDouble(0, 0, 0), 1e-5);
        assertEquals((10 - 103.53) / 57.375, x.getDouble(2, 0, 0), 1e-5);
        assertArrayEquals(bgr.data().asFloat(), n.denormalize(x).data().asFloat(), 1e-3f);
    }

    private static float[] randomImage(int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] img = new float[3 * h * w];
        for (int i = 0; i < img.length; i++) {
            img[i] = r.nextInt(256);
        }
        return img;
    }

    @Test
    void jitterIsSeededAndStaysInRange() {
        Photometric p = new Photometric(0.4, 0.4, 0.4, 0.1, 1.0, 0.5, 1.5);
        float[] a = randomImage(9, 11, 1);
        float[] b = a.clone();
        p.apply(a, 0, 9, 11, new SplittableRandom(5));
        p.apply(b, 0, 9, 11, new SplittableRandom(5));
        assertArrayEquals(a, b);
        float[] c = randomImage(9, 11, 1);
        p.apply(c, 0, 9, 11, new SplittableRandom(6));
        assertFalse(java.util.Arrays.equals(a, c));
        for (float v : a) {
            assertTrue(v >= 0 && v <= 255);
        }
    }

    @Test
    void jitterSemantics() {
        float[] px = {200, 40, 90};
        new Photometric(0, 0, 0, 0, 0, 1, 1).apply(px, 0, 1, 1, new SplittableRandom(1));
        assertArrayEquals(new float[]{200, 40, 90}, px, "all off: unchanged");
        // Brightness alone scales every channel by one factor.
        float[] dim = {100, 20, 60};
        new Photometric(0.5, 0, 0, 0, 0, 1, 1).apply(dim, 0, 1, 1, new SplittableRandom(4));
        assertEquals(dim[0] / 5, dim[1], 1e-3);
        assertEquals(dim[0] * 0.6, dim[2], 1e-3);
        assertTrue(dim[0] != 100);
        // Saturation and hue move colours around the grey axis: a grey pixel stays put.
        float[] grey = {77, 77, 77};
        new Photometric(0, 0, 1, 0.5, 0, 1, 1).apply(grey, 0, 1, 1, new SplittableRandom(3));
        assertArrayEquals(new float[]{77, 77, 77}, grey, 1e-3f);
        // Hue keeps the luma of a coloured pixel.
        float[] col = {30, 140, 200};
        double luma = 0.114 * col[0] + 0.587 * col[1] + 0.299 * col[2];
        new Photometric(0, 0, 0, 0.5, 0, 1, 1).apply(col, 0, 1, 1, new SplittableRandom(8));
        assertEquals(luma, 0.114 * col[0] + 0.587 * col[1] + 0.299 * col[2], 0.5);
        assertTrue(col[0] != 30 || col[2] != 200);
    }

    @Test
    void blurKeepsConstantImagesAndSmoothsEdges() {
        float[] img = new float[3 * 5 * 6];
        java.util.Arrays.fill(img, 50);
        Photometric.blur(img, 0, 5, 6, 1.2);
        for (float v : img) {
            assertEquals(50, v, 1e-3);
        }
        float[] step = new float[3 * 1 * 8];
        for (int x = 4; x < 8; x++) {
            step[x] = 100;
        }
        Photometric.blur(step, 0, 1, 8, 1.0);
        assertTrue(step[3] > 0 && step[3] < 50 && step[4] > 50 && step[4] < 100);
    }

    @Test
    void batchJitterIsPerImageSeeded() {
        INDArray imgs = Nd4j.create(randomImage(4, 4, 9), new long[]{1, 3, 4, 4}, 'c');
        INDArray two = Nd4j.concat(0, imgs, imgs);
        Photometric p = Photometric.jitter(0.5);
        INDArray a = p.apply(two, 10);
        assertArrayEquals(a.data().asFloat(), p.apply(two, 10).data().asFloat());
        assertFalse(a.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).equals(
                a.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1))), "images get their own draws");
    }
}
