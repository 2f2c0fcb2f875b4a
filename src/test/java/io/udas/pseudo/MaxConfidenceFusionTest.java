package io.udas.pseudo;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MaxConfidenceFusionTest {
    /** Two classes, 1x3 image; probs laid out [class][pixel]. */
    private static MaxConfidenceFusion.View view(float[] c0, float[] c1, boolean[] valid) {
        float[] p = new float[6];
        System.arraycopy(c0, 0, p, 0, 3);
        System.arraycopy(c1, 0, p, 3, 3);
        return new MaxConfidenceFusion.View(p, valid);
    }

    @Test
    void mostConfidentViewWinsAndThresholdIgnores() {
        // pixel 0: view A says class 0 at 0.6, view B class 1 at 0.95 -> class 1, conf 0.95
        // pixel 1: A class 0 at 0.97, B class 0 at 0.7 -> class 0, conf 0.97
        // pixel 2: A 0.55/0.45, B 0.4/0.6 -> B wins class 1 at 0.6 < 0.9 -> 255, conf 0.6
        var a = view(new float[]{0.6f, 0.97f, 0.55f}, new float[]{0.4f, 0.03f, 0.45f}, null);
        var b = view(new float[]{0.05f, 0.7f, 0.4f}, new float[]{0.95f, 0.3f, 0.6f}, null);
        var r = new MaxConfidenceFusion(2, 0.9).fuse(List.of(a, b), 1, 3);
        assertArrayEquals(new int[]{1, 0, 1}, r.argmax());
        assertArrayEquals(new int[]{1, 0, 255}, r.labels());
        assertArrayEquals(new float[]{0.95f, 0.97f, 0.6f}, r.confidence());
    }

    @Test
    void uncoveredPixelsAreIgnoredAndInvalidViewsSkipped() {
        var a = view(new float[]{0.99f, 0.99f, 0.99f}, new float[]{0.01f, 0.01f, 0.01f}, new boolean[]{true, false, false});
        var b = view(new float[]{0.2f, 0.2f, 0.2f}, new float[]{0.8f, 0.8f, 0.8f}, new boolean[]{false, true, false});
        var r = new MaxConfidenceFusion(2, 0.5).fuse(List.of(a, b), 1, 3);
        assertArrayEquals(new int[]{0, 1, 255}, r.labels());
        assertEquals(0f, r.confidence()[2]);
    }

    @Test
    void perClassThresholds() {
        var a = view(new float[]{0.8f, 0.3f, 0.5f}, new float[]{0.2f, 0.7f, 0.5f}, null);
        var r = new MaxConfidenceFusion(new double[]{0.75, 0.9}).fuse(List.of(a), 1, 3);
        // pixel 2 ties: the first class wins the tie (strict >), 0.5 < 0.75
        assertArrayEquals(new int[]{0, 255, 255}, r.labels());
        PseudoLabelStats s = new PseudoLabelStats(2);
        s.add(r.argmax(), r.labels());
        assertEquals(0.5, s.keptShare(0), 1e-12);
        assertEquals(0.0, s.keptShare(1), 1e-12);
        assertEquals(1.0 / 3, s.overallKeptShare(), 1e-12);
    }
}
