package io.udas.data;

import io.udas.config.Size;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeometricTransformTest {
    private static final int H = 24;
    private static final int W = 32;
    private static final float[] PAD = {-1, -2, -3};

    /** 4x4 blocks of random colours; the label of a pixel is a function of its block's colour. */
    private static final float[] IMAGE = new float[3 * H * W];
    private static final int[] LABEL = new int[H * W];
    private static final Map<Long, Integer> LABEL_OF_COLOUR = new HashMap<>();

    static {
        SplittableRandom r = new SplittableRandom(3);
        for (int by = 0; by < H / 4; by++) {
            for (int bx = 0; bx < W / 4; bx++) {
                int b = r.nextInt(256), g = r.nextInt(256), rr = r.nextInt(256);
                int label = (by * 8 + bx) % 19;
                LABEL_OF_COLOUR.put(key(b, g, rr), label);
                for (int y = by * 4; y < by * 4 + 4; y++) {
                    for (int x = bx * 4; x < bx * 4 + 4; x++) {
                        int i = y * W + x;
                        IMAGE[i] = b;
                        IMAGE[H * W + i] = g;
                        IMAGE[2 * H * W + i] = rr;
                        LABEL[i] = label;
                    }
                }
            }
        }
    }

    private static long key(float b, float g, float r) {
        return ((long) b << 16) | ((long) g << 8) | (long) r;
    }

    @Test
    void imageAndLabelStayAlignedUnderRandomScaleCropFlip() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int trial = 0; trial < 60; trial++) {
            Size crop = trial % 3 == 0 ? new Size(30, 40) : new Size(16, 20);
            GeometricTransform g = GeometricTransform.random(H, W, 0.5, 2.0, crop, true, rnd);
            int oh = g.outHeight(), ow = g.outWidth(), n = oh * ow;
            float[] img = new float[3 * n];
            float[] lbl = new float[n];
            g.applyImage(IMAGE, img, 0, PAD);
            g.applyLabel(LABEL, lbl, 0);
            int checked = 0, content = 0;
            for (int i = 0; i < n; i++) {
                if (lbl[i] == 255) {
                    assertEquals(PAD[0], img[i], g.toString());
                    assertEquals(PAD[2], img[2 * n + i], g.toString());
                    continue;
                }
                content++;
                float b = img[i], gg = img[n + i], r = img[2 * n + i];
                Integer expected = b == Math.rint(b) && gg == Math.rint(gg) && r == Math.rint(r)
                        ? LABEL_OF_COLOUR.get(key(b, gg, r)) : null;
                if (expected != null) {
                    assertEquals(expected, (int) lbl[i], g + " at " + i);
                    checked++;
                }
            }
            assertTrue(checked > content / 3, "too few pure pixels checked: " + checked + "/" + content + " " + g);
        }
    }

    @Test
    void nearestLabelIsWithinHalfAPixelOfTheBilinearImagePosition() {
        // Image = its own coordinates (B = x, G = y); label = the pixel index. Nearest-neighbour labels
        // must come from the source pixel closest to where the bilinear image sample was taken.
        float[] img = new float[3 * H * W];
        int[] lbl = new int[H * W];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                img[y * W + x] = x;
                img[H * W + y * W + x] = y;
                lbl[y * W + x] = 1000 + y * W + x;
            }
        }
        SplittableRandom rnd = new SplittableRandom(2);
        for (int trial = 0; trial < 60; trial++) {
            GeometricTransform g = GeometricTransform.random(H, W, 0.4, 2.5, new Size(20, 28), true, rnd);
            int n = g.outHeight() * g.outWidth();
            float[] oi = new float[3 * n];
            float[] ol = new float[n];
            g.applyImage(img, oi, 0, PAD);
            g.applyLabel(lbl, ol, 0);
            for (int i = 0; i < n; i++) {
                if (ol[i] == 255) {
                    continue;
                }
                int src = (int) ol[i] - 1000;
                assertEquals(oi[i], src % W, 0.5 + 1e-4, g + " x at " + i);
                assertEquals(oi[n + i], src / W, 0.5 + 1e-4, g + " y at " + i);
            }
        }
    }

    @Test
    void flipMirrorsAndCropShifts() {
        INDArray img = Nd4j.create(IMAGE, new long[]{3, H, W}, 'c');
        INDArray lbl = Nd4j.create(toFloat(LABEL), new long[]{H, W}, 'c');
        GeometricTransform.View f = new GeometricTransform(H, W, H, W, 0, 0, H, W, true).apply(img, lbl, PAD);
        GeometricTransform.View c = new GeometricTransform(H, W, H, W, 2, 3, 5, 6, false).apply(img, lbl, PAD);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                assertEquals(img.getFloat(1, y, W - 1 - x), f.image().getFloat(1, y, x));
                assertEquals(lbl.getFloat(y, W - 1 - x), f.label().getFloat(y, x));
                if (y < 5 && x < 6) {
                    assertEquals(img.getFloat(2, y + 2, x + 3), c.image().getFloat(2, y, x));
                    assertEquals(lbl.getFloat(y + 2, x + 3), c.label().getFloat(y, x));
                }
            }
        }
        GeometricTransform.View s = GeometricTransform.scaled(H, W, 2, false).apply(img, lbl, PAD);
        assertEquals(2 * H, s.image().size(1));
        assertEquals(lbl.getFloat(5, 7), s.label().getFloat(11, 15));
    }

    @Test
    void invertIsExactOnCoveredPixelsAtScaleOne() {
        int c = 5;
        INDArray probs = Nd4j.rand(new long[]{c, H, W});
        for (boolean flip : new boolean[]{false, true}) {
            // A window partly outside the image: covered = rows 10..23, cols 7..31.
            GeometricTransform g = new GeometricTransform(H, W, H, W, 10, 7, 20, 30, flip);
            INDArray view = applyChannels(g, probs);
            GeometricTransform.Inverse inv = g.invert(view);
            int covered = 0;
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    boolean in = y >= 10 && x >= 7;
                    assertEquals(in ? 1f : 0f, inv.valid().getFloat(y, x));
                    for (int k = 0; k < c; k++) {
                        assertEquals(in ? probs.getFloat(k, y, x) : 0f, inv.probs().getFloat(k, y, x), 0f);
                    }
                    covered += in ? 1 : 0;
                }
            }
            assertEquals(14 * 25, covered);
        }
    }

    @Test
    void invertRecoversSmoothMapsUnderScaling() {
        int c = 3;
        INDArray probs = Nd4j.create(new long[]{c, H, W});
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    probs.putScalar(new long[]{k, y, x}, 0.01 * (k + 1) * x + 0.02 * y + 0.1 * k);
                }
            }
        }
        for (double scale : new double[]{0.5, 1.5, 2.0}) {
            for (boolean flip : new boolean[]{false, true}) {
                GeometricTransform g = GeometricTransform.scaled(H, W, scale, flip);
                INDArray view = applyChannels(g, probs);
                GeometricTransform.Inverse inv = g.invert(view);
                assertEquals(H * W, inv.valid().sumNumber().intValue(), "a whole-image view covers everything");
                // Edge clamping bends the ramp near the border; inside it the round trip is exact.
                for (int y = 2; y < H - 2; y++) {
                    for (int x = 2; x < W - 2; x++) {
                        for (int k = 0; k < c; k++) {
                            assertEquals(probs.getFloat(k, y, x), inv.probs().getFloat(k, y, x), 1e-4,
                                    "scale " + scale + " flip " + flip + " at " + y + "," + x);
                        }
                    }
                }
                // The same from a half-resolution map (a stride-2 output): still the ramp.
                INDArray half = GeometricTransform.scaled(g.outHeight(), g.outWidth(), 0.5, false)
                        .apply(view, null, PAD).image();
                GeometricTransform.Inverse invHalf = g.invert(half);
                assertEquals(probs.getFloat(1, H / 2, W / 2), invHalf.probs().getFloat(1, H / 2, W / 2), 1e-4);
            }
        }
    }

    @Test
    void paddedViewCoversTheWholeImageAndUncoveredPixelsAreInvalid() {
        GeometricTransform down = new GeometricTransform(H, W, H / 2, W / 2, 0, 0, H, W, false);
        INDArray lbl = Nd4j.create(toFloat(LABEL), new long[]{H, W}, 'c');
        GeometricTransform.View v = down.apply(Nd4j.create(IMAGE, new long[]{3, H, W}, 'c'), lbl, PAD);
        assertEquals(255f, v.label().getFloat(H - 1, W - 1));
        assertEquals(PAD[1], v.image().getFloat(1, H - 1, W - 1));
        assertEquals(H * W, down.invert(Nd4j.rand(new long[]{2, H, W})).valid().sumNumber().intValue());

        GeometricTransform crop = new GeometricTransform(H, W, H, W, 5, 6, 10, 10, false);
        INDArray valid = crop.invert(Nd4j.rand(new long[]{2, 10, 10})).valid();
        assertEquals(100, valid.sumNumber().intValue());
        assertEquals(1f, valid.getFloat(5, 6));
        assertEquals(1f, valid.getFloat(14, 15));
        assertEquals(0f, valid.getFloat(15, 15));
    }

    @Test
    void randomDrawsAreReproducible() {
        Size crop = new Size(10, 12);
        for (int i = 0; i < 10; i++) {
            assertEquals(GeometricTransform.random(H, W, 0.5, 1.5, crop, true, new SplittableRandom(i)).toString(),
                    GeometricTransform.random(H, W, 0.5, 1.5, crop, true, new SplittableRandom(i)).toString());
        }
    }

    /** Applies the transform to each channel of [C,H,W] maps (as the first channel of an image). */
    private static INDArray applyChannels(GeometricTransform g, INDArray maps) {
        int c = (int) maps.size(0);
        INDArray out = Nd4j.create(c, g.outHeight(), g.outWidth());
        for (int k = 0; k < c; k++) {
            INDArray img = Nd4j.concat(0, maps.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(k, k + 1)),
                    Nd4j.zeros(2, H, W).castTo(maps.dataType()));
            out.get(org.nd4j.linalg.indexing.NDArrayIndex.point(k)).assign(g.apply(img, null, PAD).image()
                    .get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)));
        }
        return out;
    }

    private static float[] toFloat(int[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = v[i];
        }
        return f;
    }
}
