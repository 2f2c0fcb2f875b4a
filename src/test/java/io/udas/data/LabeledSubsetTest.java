package io.udas.data;

import io.udas.config.LabelFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabeledSubsetTest {
    @TempDir
    Path dir;

    /** A labeled index of 200 images; nothing is read for choosing. */
    private static Dataset index(int n, boolean reversed) {
        List<Sample> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = reversed ? n - 1 - i : i;
            s.add(new Sample(String.format("c/c_%06d_000019_leftImg8bit.png", k), Path.of("img" + k), Path.of("lbl" + k)));
        }
        return Dataset.of("data.target", s, LabelFormat.LABEL_IDS, null, false);
    }

    @Test
    void deterministicNestedAndIndependentOfListingOrder() {
        Dataset ds = index(200, false);
        List<String> n50 = LabeledSubset.choose(ds, 50, 7);
        assertEquals(n50, LabeledSubset.choose(ds, 50, 7));
        assertEquals(n50, LabeledSubset.choose(index(200, true), 50, 7));
        assertEquals(50, n50.stream().distinct().count());
        List<String> n100 = LabeledSubset.choose(ds, 100, 7);
        assertEquals(n50, n100.subList(0, 50));
        assertEquals(LabeledSubset.choose(ds, 10, 7), n50.subList(0, 10));
        assertNotEquals(n50, LabeledSubset.choose(ds, 50, 8));
        assertEquals(200, LabeledSubset.choose(ds, 200, 7).stream().distinct().count());
    }

    @Test
    void selectWritesTheListIntoTheRunFolder() throws Exception {
        Dataset ds = index(20, false);
        Optional<Dataset> sub = LabeledSubset.select(ds, 5, 3, dir);
        assertTrue(sub.isPresent());
        List<String> lines = Files.readAllLines(dir.resolve(LabeledSubset.FILE));
        assertEquals(LabeledSubset.choose(ds, 5, 3), lines);
        assertEquals(lines, sub.get().samples().stream().map(Sample::id).toList());

        assertTrue(LabeledSubset.select(ds, 0, 3, dir).isEmpty());
        assertEquals("", Files.readString(dir.resolve(LabeledSubset.FILE)));
    }

    @Test
    void tooManyOrUnlabeled() {
        DataException e = assertThrows(DataException.class, () -> LabeledSubset.choose(index(3, false), 4, 1));
        assertEquals("data.target: data.labeled_target = 4 but it has only 3 images", e.getMessage());
        assertThrows(DataException.class, () -> LabeledSubset.choose(index(3, false).unlabeled(), 1, 1));
    }
}
