package io.udas.data;

import io.udas.config.DatasetConfig;
import io.udas.config.LabelFormat;
import io.udas.config.Layout;
import io.udas.config.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetTest {
    @TempDir
    Path dir;

    @Test
    void cityscapesPairsImagesWithLabelsAndMapsIds() throws Exception {
        Path root = Trees.cityscapes(dir.resolve("cs"));
        Dataset ds = Dataset.open("t", Trees.config(Layout.CITYSCAPES, root), false);
        assertEquals(List.of("a/a_000000_000019_leftImg8bit.png", "a/a_000001_000019_leftImg8bit.png",
                "b/b_000000_000019_leftImg8bit.png"), ds.samples().stream().map(Sample::id).toList());
        assertEquals(root.resolve("gtFine/train/b/b_000000_000019_gtFine_labelIds.png"), ds.sample(2).label());
        LoadedSample s = ds.load(2, null, null);
        assertEquals(6, s.height());
        assertEquals(8, s.width());
        // id 26 (car) -> 13, id 7 (road) -> 0
        assertEquals(13, s.label()[0]);
        assertEquals(0, s.label()[1]);
        // BGR planar: pixel (y=2, x=3) was written as B=30, G=20+2, R=30+3
        int n = 6 * 8;
        int i = 2 * 8 + 3;
        assertEquals(30f, s.image()[i]);
        assertEquals(22f, s.image()[n + i]);
        assertEquals(33f, s.image()[2 * n + i]);
    }

    @Test
    void listFilesRestrictBothLayouts() throws Exception {
        Path cs = Trees.cityscapes(dir.resolve("cs"));
        Files.writeString(dir.resolve("cs.txt"), "b/b_000000_000019_leftImg8bit.png\n\na/a_000000_000019_leftImg8bit.png\n");
        DatasetConfig c = Trees.config(Layout.CITYSCAPES, cs);
        c.list = dir.resolve("cs.txt").toString();
        assertEquals(List.of("b/b_000000_000019_leftImg8bit.png", "a/a_000000_000019_leftImg8bit.png"),
                Dataset.open("t", c, false).samples().stream().map(Sample::id).toList());

        Path gta = Trees.gta5(dir.resolve("gta"), 3);
        Files.writeString(gta.resolve("train.txt"), "00002.png\n");
        DatasetConfig g = Trees.config(Layout.GTA5, gta);
        g.list = "train.txt"; // relative: found in the dataset root
        Dataset ds = Dataset.open("g", g, false);
        assertEquals(1, ds.size());
        assertEquals(gta.resolve("labels/00002.png"), ds.sample(0).label());
        LoadedSample s = ds.load(0, null, null);
        assertEquals(2f, s.image()[0]); // image 00002 has B = 2

    }

    @Test
    void unlabeledCornerIdIsIgnored() throws Exception {
        Path gta = Trees.gta5(dir.resolve("gta"), 1);
        LoadedSample s = Dataset.open("g", Trees.config(Layout.GTA5, gta), false).load(0, null, null);
        assertEquals(255, s.label()[0]);
        assertEquals(8, s.label()[1]);
    }

    @Test
    void folderLayoutIsUnlabeledAndRecursive() throws Exception {
        Trees.image(dir.resolve("imgs/x/1.png"), 4, 4, 1, 2, 3);
        Trees.image(dir.resolve("imgs/2.jpg"), 4, 4, 1, 2, 3);
        Files.writeString(dir.resolve("imgs/notes.txt"), "not an image");
        Dataset ds = Dataset.open("f", Trees.config(Layout.FOLDER, dir.resolve("imgs")), false);
        assertEquals(List.of("2.jpg", "x/1.png"), ds.samples().stream().map(Sample::id).toList());
        assertFalse(ds.labeled());
        assertNull(ds.load(1, null, null).label());
    }

    @Test
    void trainIdLabelsAreReadAsIs() throws Exception {
        Path root = dir.resolve("cs");
        Trees.image(root.resolve("leftImg8bit/val/c/c_1_2_leftImg8bit.png"), 4, 4, 0, 0, 0);
        Trees.label(root.resolve("gtFine/val/c/c_1_2_gtFine_labelTrainIds.png"), 4, 4, 18, 255);
        DatasetConfig c = Trees.config(Layout.CITYSCAPES, root);
        c.split = "val";
        c.labels = LabelFormat.TRAIN_IDS;
        LoadedSample s = Dataset.open("v", c, false).load(0, null, null);
        assertEquals(255, s.label()[0]);
        assertEquals(18, s.label()[1]);
    }

    @Test
    void labelOfAnotherSizeIsResizedToItsImageAndCounted() throws Exception {
        Path root = dir.resolve("gta");
        Trees.image(root.resolve("images/00001.png"), 6, 8, 0, 0, 0);
        // Label twice the size: left half road (7), right half car (26).
        int[] v = new int[12 * 16];
        for (int i = 0; i < v.length; i++) {
            v[i] = i % 16 < 8 ? 7 : 26;
        }
        LabelPng.writeGrey(root.resolve("labels/00001.png"), 12, 16, v);
        Dataset ds = Dataset.open("g", Trees.config(Layout.GTA5, root), false);
        LoadedSample s = ds.load(0, null, null);
        assertEquals(6, s.labelHeight());
        assertEquals(8, s.labelWidth());
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 8; x++) {
                assertEquals(x < 4 ? 0 : 13, s.label()[y * 8 + x]);
            }
        }
        assertEquals(1, ds.stats().labelsResized());
        assertTrue(ds.stats().summary().contains("1 label loads resized"));
    }

    @Test
    void resizeOnLoadAndSeparateEvalImageSize() throws Exception {
        Path gta = Trees.gta5(dir.resolve("gta"), 1);
        DatasetConfig c = Trees.config(Layout.GTA5, gta);
        c.resize = new Size(3, 4);
        Dataset ds = Dataset.open("g", c, false);
        LoadedSample s = ds.load(0, null, null);
        assertEquals(3, s.height());
        assertEquals(4, s.width());
        assertEquals(3, s.labelHeight());
        assertEquals(4, s.labelWidth());
        assertEquals(12, s.label().length);
        // Evaluation: the image at the network size, the label at the dataset's.
        LoadedSample e = ds.load(0, new Size(12, 16), null);
        assertEquals(12, e.height());
        assertEquals(16, e.width());
        assertEquals(3, e.labelHeight());
        assertEquals(0, ds.stats().labelsResized());
    }

    @Test
    void subsetsAndPseudoLabelFolders() throws Exception {
        Path gta = Trees.gta5(dir.resolve("gta"), 3);
        Dataset ds = Dataset.open("g", Trees.config(Layout.GTA5, gta), false);
        Dataset sub = ds.select(List.of("00003.png", "00001.png"), "sub");
        assertEquals(List.of("00003.png", "00001.png"), sub.samples().stream().map(Sample::id).toList());
        Dataset images = ds.unlabeled();
        assertFalse(images.labeled());
        Path pseudo = dir.resolve("pseudo");
        for (Sample s : images.samples()) {
            int[] v = new int[48];
            java.util.Arrays.fill(v, 5);
            LabelPng.writeGrey(Dataset.labelFileIn(pseudo, s), 6, 8, v);
        }
        Dataset pl = images.withLabelsIn(pseudo, "pseudo");
        assertEquals(LabelFormat.TRAIN_IDS, pl.labelFormat());
        assertArrayEquals(new int[]{5, 5}, java.util.Arrays.copyOf(pl.load(1, null, null).label(), 2));
    }

    @Test
    void translatedCopyReadsBackWithTheSameIdsAndMatchingLabels() throws Exception {
        Path cs = Trees.cityscapes(dir.resolve("cs"));
        Dataset ds = Dataset.open("cs", Trees.config(Layout.CITYSCAPES, cs), false);
        Gta5Writer out = new Gta5Writer(dir.resolve("translated"), ds);
        for (Sample s : ds.samples()) {
            out.write(s, org.nd4j.linalg.factory.Nd4j.ones(3, 3, 4).muli(9));
        }
        Dataset back = Dataset.open("tr", out.config(), false);
        assertEquals(ds.samples().stream().map(Sample::id).toList(), back.samples().stream().map(Sample::id).toList());
        LoadedSample s = back.load(0, null, null);
        assertEquals(3, s.labelHeight());
        assertEquals(4, s.labelWidth());
        assertEquals(9f, s.image()[5]);
        assertEquals(0, s.label()[5]); // road ids carried over (the 1-pixel car corner falls between samples)
        assertEquals(0, back.stats().labelsResized());
    }
}
