package io.udas.data;

import io.udas.config.AugmentConfig;
import io.udas.config.Layout;
import io.udas.config.Size;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IteratorTest {
    @TempDir
    static Path dir;
    static Dataset ds;

    @BeforeAll
    static void tree() throws Exception {
        ds = Dataset.open("g", Trees.config(Layout.GTA5, Trees.gta5(dir.resolve("gta"), 7)), false);
    }

    private static Augmenter augmenter() {
        AugmentConfig a = new AugmentConfig();
        a.crop = new Size(5, 6);
        a.scaleMin = 0.7;
        a.scaleMax = 1.6;
        a.brightness = 0.4;
        a.contrast = 0.3;
        a.saturation = 0.3;
        a.hue = 0.1;
        a.blurProb = 0.5;
        return new Augmenter(a, new float[]{104, 117, 123});
    }

    private static List<Batch> take(int threads, int prefetch, long start, int count) {
        List<Batch> out = new ArrayList<>();
        try (TrainIterator it = new TrainIterator(ds, 3, augmenter(), 42, start, threads, prefetch)) {
            for (int i = 0; i < count; i++) {
                out.add(it.next());
            }
            assertEquals(start + count, it.iteration());
        }
        return out;
    }

    private static void assertSame(Batch a, Batch b) {
        assertEquals(a.index(), b.index());
        assertEquals(a.samples(), b.samples());
        assertArrayEquals(a.images().data().asFloat(), b.images().data().asFloat());
        assertArrayEquals(a.labels().data().asFloat(), b.labels().data().asFloat());
    }

    @Test
    void batchesDoNotDependOnLoaderThreads() {
        List<Batch> one = take(1, 1, 0, 6);
        List<Batch> three = take(3, 5, 0, 6);
        for (int i = 0; i < 6; i++) {
            assertSame(one.get(i), three.get(i));
        }
        Batch b = one.get(0);
        assertEquals(List.of(3L, 3L, 5L, 6L), List.of(b.images().size(0), b.images().size(1), b.images().size(2),
                b.images().size(3)));
        assertEquals(List.of(3L, 5L, 6L), List.of(b.labels().size(0), b.labels().size(1), b.labels().size(2)));
    }

    @Test
    void resumingAtAnIterationEqualsContinuing() {
        List<Batch> run = take(2, 2, 0, 8);
        List<Batch> resumed = take(2, 2, 5, 3);
        for (int i = 0; i < 3; i++) {
            assertSame(run.get(5 + i), resumed.get(i));
        }
    }

    @Test
    void eachEpochVisitsEverySampleOnceAndEpochsDiffer() {
        // 7 samples, batch 3: positions 0..6 are epoch 0, 7..13 epoch 1.
        List<Batch> run = take(2, 2, 0, 5);
        List<String> order = new ArrayList<>();
        for (Batch b : run) {
            b.samples().forEach(s -> order.add(s.id()));
        }
        Set<String> epoch0 = new HashSet<>(order.subList(0, 7));
        Set<String> epoch1 = new HashSet<>(order.subList(7, 14));
        assertEquals(7, epoch0.size());
        assertEquals(7, epoch1.size());
        assertNotEquals(order.subList(0, 7), order.subList(7, 14));
    }

    @Test
    void differentSeedsShuffleDifferently() {
        try (TrainIterator a = new TrainIterator(ds, 7, augmenter(), 1, 0, 1, 1);
             TrainIterator b = new TrainIterator(ds, 7, augmenter(), 2, 0, 1, 1)) {
            assertNotEquals(a.next().samples(), b.next().samples());
        }
    }

    @Test
    void unlabeledTrainingBatchesHaveNoLabels() {
        try (TrainIterator it = new TrainIterator(ds.unlabeled(), 2, augmenter(), 1, 0, 1, 1)) {
            Batch b = it.next();
            assertNull(b.labels());
            assertEquals(2, b.images().size(0));
        }
    }

    @Test
    void evalVisitsEachImageOnceInOrderAtTheRequestedSize() {
        List<String> seen = new ArrayList<>();
        try (EvalIterator it = new EvalIterator(ds, 3, new Size(12, 16), 2, 2)) {
            while (it.hasNext()) {
                Batch b = it.next();
                assertEquals(12, b.images().size(2));
                assertEquals(16, b.images().size(3));
                assertEquals(6, b.labels().size(1));
                assertEquals(8, b.labels().size(2));
                b.samples().forEach(s -> seen.add(s.id()));
            }
            assertFalse(it.hasNext());
        }
        assertEquals(ds.samples().stream().map(Sample::id).toList(), seen);
        try (EvalIterator it = new EvalIterator(ds, 1, null, 1, 1)) {
            Batch b = it.next();
            assertEquals(6, b.images().size(2));
            // Un-augmented: the decoded image as is (sample 00001 has B = 1).
            assertEquals(1f, b.images().getFloat(0, 0, 0, 0));
            assertTrue(b.labels().getFloat(0, 0, 1) == 8f);
        }
    }
}
