package io.udas.data;

import io.udas.config.DatasetConfig;
import io.udas.config.LabelFormat;
import io.udas.config.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BadInputTest {
    @TempDir
    Path dir;

    private static String message(Runnable r) {
        DataException e = assertThrows(DataException.class, r::run);
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void missingFolder() {
        String m = message(() -> Dataset.open("data.source", Trees.config(Layout.GTA5, dir.resolve("nope")), false));
        assertTrue(m.startsWith(dir.resolve("nope") + ": dataset folder not found"), m);
    }

    @Test
    void emptyImageFolder() throws Exception {
        Files.createDirectories(dir.resolve("gta/images"));
        String m = message(() -> Dataset.open("s", Trees.config(Layout.GTA5, dir.resolve("gta")), false));
        assertTrue(m.startsWith(dir.resolve("gta/images") + ": no images found"), m);
        Files.createDirectories(dir.resolve("cs/leftImg8bit"));
        m = message(() -> Dataset.open("t", Trees.config(Layout.CITYSCAPES, dir.resolve("cs")), false));
        assertTrue(m.startsWith(dir.resolve("cs/leftImg8bit/train") + ": image folder not found"), m);
    }

    @Test
    void imageWithoutLabel() throws Exception {
        Path gta = Trees.gta5(dir.resolve("gta"), 2);
        Files.delete(gta.resolve("labels/00002.png"));
        String m = message(() -> Dataset.open("s", Trees.config(Layout.GTA5, gta), false));
        assertEquals(gta.resolve("images/00002.png") + ": no matching label (expected " + gta.resolve("labels/00002.png")
                + ")", m);
    }

    @Test
    void listEntryNotFound() throws Exception {
        Path gta = Trees.gta5(dir.resolve("gta"), 1);
        Path list = dir.resolve("list.txt");
        Files.writeString(list, "00001.png\n00009.png\n");
        DatasetConfig c = Trees.config(Layout.GTA5, gta);
        c.list = list.toString();
        assertEquals(list + ":2: image not found: " + gta.resolve("images/00009.png"),
                message(() -> Dataset.open("s", c, false)));
    }

    @Test
    void unknownLabelIds() throws Exception {
        Path gta = Trees.gta5(dir.resolve("gta"), 1);
        Trees.label(gta.resolve("labels/00001.png"), 6, 8, 7, 40);
        Dataset ds = Dataset.open("s", Trees.config(Layout.GTA5, gta), false);
        String m = message(() -> ds.load(0, null, null));
        assertTrue(m.startsWith(gta.resolve("labels/00001.png") + ": label value 40 is not a valid Cityscapes label id"), m);

        DatasetConfig c = Trees.config(Layout.GTA5, gta);
        c.labels = LabelFormat.TRAIN_IDS;
        Trees.label(gta.resolve("labels/00001.png"), 6, 8, 7, 19);
        Dataset tr = Dataset.open("s", c, false);
        m = message(() -> tr.load(0, null, null));
        assertTrue(m.startsWith(gta.resolve("labels/00001.png") + ": label value 19 is not a valid trainId"), m);
    }

    @Test
    void corruptImageNamesTheFileOrIsSkippedAndCounted() throws Exception {
        Path gta = Trees.gta5(dir.resolve("gta"), 3);
        Files.write(gta.resolve("images/00002.png"), new byte[]{1, 2, 3, 4});
        Dataset strict = Dataset.open("s", Trees.config(Layout.GTA5, gta), false);
        String m = message(() -> strict.load(1, null, null));
        assertEquals(gta.resolve("images/00002.png") + ": not a decodable image (corrupt or unsupported format)", m);
        try (EvalIterator it = new EvalIterator(strict, 1, null, 1, 2)) {
            it.next();
            assertEquals(m, message(it::next));
        }

        Dataset lenient = Dataset.open("s", Trees.config(Layout.GTA5, gta), true);
        int seen = 0;
        try (EvalIterator it = new EvalIterator(lenient, 1, null, 2, 2)) {
            while (it.hasNext()) {
                Batch b = it.next();
                assertFalse(b.samples().get(0).id().equals("00002.png"));
                seen++;
            }
        }
        assertEquals(2, seen);
        assertEquals(1, lenient.stats().skipped());
        assertTrue(lenient.stats().summary().contains("00002.png"));

        // Training: the bad sample's slot takes the next one of the same permutation, deterministically.
        Augmenter none = new Augmenter(null, new float[3]);
        // One thread, one batch ahead: exactly one batch is loaded here, so exactly one more skip.
        try (TrainIterator it = new TrainIterator(lenient, 3, none, 5, 0, 1, 1)) {
            Batch b = it.next();
            assertEquals(3, b.size());
            assertTrue(b.samples().stream().noneMatch(s -> s.id().equals("00002.png")));
        }
        assertEquals(2, lenient.stats().skipped());
    }

    @Test
    void corruptLabelIsABadFile() throws Exception {
        Path gta = Trees.gta5(dir.resolve("gta"), 1);
        Files.write(gta.resolve("labels/00001.png"), new byte[]{9, 9});
        Dataset ds = Dataset.open("s", Trees.config(Layout.GTA5, gta), false);
        BadFileException e = assertThrows(BadFileException.class, () -> ds.load(0, null, null));
        assertTrue(e.getMessage().startsWith(gta.resolve("labels/00001.png").toString()), e.getMessage());
    }

    @Test
    void trainingBatchOfMixedSizesSaysWhatToSet() throws Exception {
        Path gta = Trees.gta5(dir.resolve("gta"), 2);
        Trees.image(gta.resolve("images/00002.png"), 5, 7, 0, 0, 0);
        Trees.label(gta.resolve("labels/00002.png"), 5, 7, 7, 7);
        Dataset ds = Dataset.open("data.source", Trees.config(Layout.GTA5, gta), false);
        try (TrainIterator it = new TrainIterator(ds, 2, new Augmenter(null, new float[3]), 1, 0, 1, 1)) {
            String m = message(it::next);
            assertTrue(m.contains("set data.source.resize or augment.crop"), m);
        }
    }
}
