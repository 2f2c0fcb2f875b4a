package io.udas.pseudo;

import io.udas.config.PseudoLabelConfig;
import io.udas.data.GeometricTransform;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Each pseudo-label view, predicted "perfectly", comes back aligned with the original image. */
class ViewInversionTest {
    static final int H = 24;
    static final int W = 40;

    /** Three smooth maps of the original geometry: x ramp, y ramp, and a product (all in 0..255). */
    static INDArray known() {
        float[] v = new float[3 * H * W];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                v[y * W + x] = 255f * x / (W - 1);
                v[H * W + y * W + x] = 255f * y / (H - 1);
                v[2 * H * W + y * W + x] = 255f * x * y / ((W - 1f) * (H - 1f));
            }
        }
        return Nd4j.create(v, new long[]{3, H, W}, 'c');
    }

    @Test
    void viewsAreIdentityThenScaledFlippedAndJittered() {
        PseudoLabelConfig c = new PseudoLabelConfig();
        c.views = 4;
        c.scaleMin = 0.5;
        c.scaleMax = 1.5;
        List<PseudoLabeler.ViewSpec> v = PseudoLabeler.views(c);
        assertEquals(4, v.size());
        assertEquals(new PseudoLabeler.ViewSpec(0, 1.0, false, false), v.get(0));
        assertEquals(0.5, v.get(1).scale(), 1e-12);
        assertEquals(1.0, v.get(2).scale(), 1e-12);
        assertEquals(1.5, v.get(3).scale(), 1e-12);
        assertTrue(v.get(1).flip() && !v.get(2).flip() && v.get(3).flip());
        assertTrue(v.get(1).jitter());
        c.views = 2;
        assertEquals(1.0, PseudoLabeler.views(c).get(1).scale(), 1e-12, "one extra view: the mean scale");
        c.views = 1;
        assertEquals(1, PseudoLabeler.views(c).size());
    }

    @Test
    void everyViewMapsBackOntoTheOriginal() {
        PseudoLabelConfig c = new PseudoLabelConfig();
        c.views = 5;
        c.scaleMin = 0.5;
        c.scaleMax = 1.5;
        INDArray orig = known();
        float[] o = orig.data().asFloat();
        for (PseudoLabeler.ViewSpec spec : PseudoLabeler.views(c)) {
            // the teacher's input size differs from the image (as with eval.size): base 18x30
            for (int[] base : new int[][]{{H, W}, {18, 30}}) {
                GeometricTransform t = PseudoLabeler.transform(spec, H, W, base[0], base[1]);
                assertEquals(Math.round(base[0] * spec.scale()), t.outHeight());
                // a perfect prediction of the view = the known maps seen through the view
                INDArray seen = t.apply(orig, null, new float[]{0, 0, 0}).image();
                GeometricTransform.Inverse inv = t.invert(seen);
                float[] back = inv.probs().data().asFloat();
                float[] valid = inv.valid().data().asFloat();
                double worst = 0;
                for (int y = 1; y < H - 1; y++) {
                    for (int x = 1; x < W - 1; x++) {
                        int p = y * W + x;
                        assertEquals(1f, valid[p], spec + " covers the whole image");
                        for (int k = 0; k < 3; k++) {
                            worst = Math.max(worst, Math.abs(back[k * H * W + p] - o[k * H * W + p]));
                        }
                    }
                }
                // bilinear down/up-sampling of smooth ramps: small errors; a misaligned flip or scale is off by far more
                assertTrue(worst < 12, spec + " base " + base[0] + "x" + base[1] + ": max error " + worst);
            }
        }
    }

    @Test
    void flippedViewWithoutInversionWouldBeMisaligned() {
        // guards the test above: the x ramp seen through a mirrored view is far from the original
        PseudoLabeler.ViewSpec spec = new PseudoLabeler.ViewSpec(1, 1.0, true, false);
        GeometricTransform t = PseudoLabeler.transform(spec, H, W, H, W);
        INDArray seen = t.apply(known(), null, new float[]{0, 0, 0}).image();
        assertTrue(Math.abs(seen.getFloat(0, 0, 0) - 255f) < 1e-3, "mirrored x ramp starts at 255");
        assertEquals(0f, t.invert(seen).probs().getFloat(0, 0, 0), 1e-3);
    }

    @Test
    void fusionOfInvertedViewsPicksTheConfidentView() {
        // view A (identity) is unsure everywhere; view B (mirrored) is confident on its left half, which is
        // the original's right half: after inversion, B must win exactly there.
        int h = 4;
        int w = 8;
        GeometricTransform id = GeometricTransform.identity(h, w);
        GeometricTransform mirror = PseudoLabeler.transform(new PseudoLabeler.ViewSpec(1, 1.0, true, false), h, w, h, w);
        float[] a = new float[2 * h * w];
        float[] b = new float[2 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                a[y * w + x] = 0.6f;
                a[h * w + y * w + x] = 0.4f;
                boolean confident = x < w / 2; // in B's own (mirrored) coordinates
                b[y * w + x] = confident ? 0.01f : 0.5f;
                b[h * w + y * w + x] = confident ? 0.99f : 0.5f;
            }
        }
        var ia = id.invert(Nd4j.create(a, new long[]{2, h, w}, 'c'));
        var ib = mirror.invert(Nd4j.create(b, new long[]{2, h, w}, 'c'));
        var r = new MaxConfidenceFusion(2, 0.9).fuse(List.of(
                new MaxConfidenceFusion.View(ia.probs().data().asFloat(), null),
                new MaxConfidenceFusion.View(ib.probs().data().asFloat(), null)), h, w);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean right = x >= w / 2;
                assertEquals(right ? 1 : 255, r.labels()[y * w + x], "pixel " + y + "," + x);
                assertEquals(right ? 1 : 0, r.argmax()[y * w + x]);
            }
        }
    }
}
