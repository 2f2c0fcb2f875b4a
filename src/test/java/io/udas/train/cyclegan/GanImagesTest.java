package io.udas.train.cyclegan;

import io.udas.config.Size;
import io.udas.data.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class GanImagesTest {
    @TempDir
    Path dir;

    @Test
    void colourConversionRoundTripsAndSwapsChannels() {
        int h = 2;
        int w = 3;
        float[] bgr = new float[3 * h * w];
        for (int i = 0; i < bgr.length; i++) {
            bgr[i] = (i * 13) % 256;
        }
        float[] g = GanImages.bgrToGan(bgr, h, w);
        // channel 0 of the generator input is red = BGR channel 2, scaled to [-1, 1]
        assertEquals(bgr[2 * h * w] / 127.5f - 1f, g[0], 1e-6f);
        assertEquals(-1f, GanImages.bgrToGan(new float[3], 1, 1)[0]);
        assertArrayEquals(bgr, GanImages.ganToBgr(g, h, w), 1e-3f);
        assertEquals(255f, GanImages.ganToBgr(new float[]{2f, 2f, 2f}, 1, 1)[0], "clamped");
    }

    @Test
    void cropFlipAndReflectPad() {
        // one channel-plane pattern v = 10*y + x, 3x4
        int h = 3;
        int w = 4;
        float[] img = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    img[(c * h + y) * w + x] = 100 * c + 10 * y + x;
                }
            }
        }
        float[] c = GanImages.crop(img, h, w, 1, 1, 2, 2, false);
        assertArrayEquals(new float[]{11, 12, 21, 22, 111, 112, 121, 122, 211, 212, 221, 222}, c);
        float[] f = GanImages.crop(img, h, w, 1, 1, 2, 2, true);
        assertArrayEquals(new float[]{12, 11, 22, 21, 112, 111, 122, 121, 212, 211, 222, 221}, f);
        // 3x4 -> 4x4: row 3 mirrors row 1 (reflect, edge not repeated)
        float[] p = GanImages.reflectPad(img, h, w, 4, 6);
        assertArrayEquals(new float[]{0, 1, 2, 3, 2, 1}, java.util.Arrays.copyOfRange(p, 0, 6));
        assertArrayEquals(new float[]{10, 11, 12, 13, 12, 11}, java.util.Arrays.copyOfRange(p, 18, 24));
        assertEquals(8, GanImages.roundUp4(5));
        assertEquals(8, GanImages.roundUp4(8));
    }

    @Test
    void loadSizeKeepsAspectAndFitsTheCrop() {
        Size s = GanImages.loadSize(1052, 1914, 1024, new Size(360, 360));
        assertEquals(1024, s.width);
        assertEquals(563, s.height);
        // too flat for the crop: enlarged until the crop fits, aspect kept
        Size t = GanImages.loadSize(100, 400, 200, new Size(64, 64));
        assertEquals(64, t.height);
        assertEquals(256, t.width);
    }

    @Test
    void cropsArePureFunctionsOfTheIteration() throws Exception {
        Path src = ToyDomains.source(dir.resolve("s"), 5, 20, 28, 1);
        var cfg = ToyDomains.config(src, src, dir, 16, 16, 10);
        Dataset ds = Dataset.open("s", cfg.data.source, false).unlabeled();
        try (CropStream a = new CropStream(ds, null, "source", 1, 24, new Size(16, 16), true, 2, 3);
             CropStream b = new CropStream(ds, null, "source", 1, 24, new Size(16, 16), true, 1, 0);
             CropStream other = new CropStream(ds, null, "target", 1, 24, new Size(16, 16), true, 1, 0)) {
            INDArray[] seq = new INDArray[8];
            for (int i = 0; i < 8; i++) {
                seq[i] = a.at(i);
                assertEquals(16, seq[i].size(2));
            }
            // out of order, no look-ahead: the same crops
            for (int i = 7; i >= 0; i--) {
                assertEquals(seq[i], b.at(i), "iteration " + i);
            }
            assertNotEquals(seq[0], other.at(0), "streams draw independently");
            assertEquals(a.centre(0), b.centre(0));
        }
    }
}
