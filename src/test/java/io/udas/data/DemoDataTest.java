package io.udas.data;

import io.udas.config.DemoDataConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoDataTest {
    @TempDir
    Path dir;

    private static DemoDataConfig config(Path root, long seed) {
        DemoDataConfig c = new DemoDataConfig();
        c.root = root.toString();
        c.height = 32;
        c.width = 64;
        c.sourceImages = 6;
        c.targetTrain = 4;
        c.targetVal = 2;
        c.seed = seed;
        return c;
    }

    private static List<Path> files(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }

    @Test
    void sameSeedSameBytesWhateverTheThreadCount() throws Exception {
        DemoData.generate(config(dir.resolve("a"), 7), 1);
        DemoData.generate(config(dir.resolve("b"), 7), 2);
        DemoData.generate(config(dir.resolve("c"), 8), 2);
        List<Path> fa = files(dir.resolve("a"));
        assertEquals(fa, files(dir.resolve("b")));
        assertEquals(6 * 2 + 6 * 2 + 2, fa.size(), fa.toString());
        boolean anyDiffers = false;
        for (Path p : fa) {
            byte[] a = Files.readAllBytes(dir.resolve("a").resolve(p));
            assertArrayEquals(a, Files.readAllBytes(dir.resolve("b").resolve(p)), p.toString());
            if (p.toString().endsWith(".png")) {
                anyDiffers |= !java.util.Arrays.equals(a, Files.readAllBytes(dir.resolve("c").resolve(p)));
            }
        }
        assertTrue(anyDiffers, "another seed gives other scenes");
        assertTrue(Files.readString(dir.resolve("a/README.txt")).contains("two domains"));
    }

    @Test
    void writesTheRealLayoutsWithValidLabelIds() throws Exception {
        Path root = dir.resolve("demo");
        DemoData.generate(config(root, 3), 2);
        assertTrue(DemoData.exists(root));
        assertTrue(Files.isRegularFile(root.resolve("source/images/00001.png")));
        assertTrue(Files.isRegularFile(root.resolve("target/leftImg8bit/val/frankfurt/frankfurt_000000_000019_leftImg8bit.png")));
        Dataset src = Dataset.open("s", DemoData.sourceConfig(root), false);
        Dataset train = Dataset.open("t", DemoData.targetConfig(root, "train"), false);
        Dataset val = Dataset.open("v", DemoData.targetConfig(root, "val"), false);
        assertEquals(6, src.size());
        assertEquals(4, train.size());
        assertEquals(2, val.size());
        assertEquals(Set.of("aachen", "bremen"), cities(train));
        for (Dataset ds : List.of(src, train, val)) {
            for (Sample s : ds.samples()) {
                for (int v : LabelPng.read(s.label()).values()) {
                    assertTrue(v == 1 || (Cityscapes.trainId(v) != Cityscapes.IGNORE), s.label() + " has id " + v);
                }
            }
            for (int i = 0; i < ds.size(); i++) {
                LoadedSample l = ds.load(i, null, null);
                assertEquals(32, l.height());
                assertEquals(64, l.width());
            }
        }
    }

    private static Set<String> cities(Dataset ds) {
        Set<String> c = new HashSet<>();
        ds.samples().forEach(s -> c.add(s.id().substring(0, s.id().indexOf('/'))));
        return c;
    }

    @Test
    void regeneratingReplacesAndForeignFoldersAreRefused() throws Exception {
        Path root = dir.resolve("demo");
        DemoData.generate(config(root, 1), 2);
        DemoDataConfig smaller = config(root, 1);
        smaller.sourceImages = 2;
        DemoData.generate(smaller, 2);
        assertEquals(2, Dataset.open("s", DemoData.sourceConfig(root), false).size());

        Files.createDirectories(dir.resolve("mine"));
        Files.writeString(dir.resolve("mine/thesis.tex"), "x");
        DataException e = assertThrows(DataException.class, () -> DemoData.generate(config(dir.resolve("mine"), 1), 1));
        assertTrue(e.getMessage().startsWith(dir.resolve("mine") + ": folder exists and is not a demo dataset"));
        assertTrue(Files.exists(dir.resolve("mine/thesis.tex")));
    }

    @Test
    void matchesOnlyTheSettingsItWasMadeWith() {
        Path root = dir.resolve("demo");
        DemoDataConfig made = config(root, 1);
        assertFalse(DemoData.matches(made));
        DemoData.generate(made, 2);
        assertTrue(DemoData.matches(config(root, 1)));
        DemoDataConfig fewer = config(root, 1);
        fewer.targetTrain = 3;
        assertFalse(DemoData.matches(fewer));
        assertFalse(DemoData.matches(config(root, 2)));
    }

    @Test
    void majorClassesAppearInBothDomains() {
        int[] major = {DemoScene.ROAD, DemoScene.SIDEWALK, DemoScene.BUILDING, DemoScene.VEGETATION,
                DemoScene.TERRAIN, DemoScene.SKY, DemoScene.POLE, DemoScene.SIGN, DemoScene.LIGHT, DemoScene.CAR,
                DemoScene.PERSON};
        for (DemoScene.Domain d : DemoScene.Domain.values()) {
            Set<Integer> seen = new HashSet<>();
            for (int k = 0; k < 20; k++) {
                for (int v : DemoScene.render(d, 128, 256, Seeds.derive(5, k)).ids) {
                    seen.add(v);
                }
            }
            for (int id : major) {
                assertTrue(seen.contains(id), d + " lacks label id " + id);
            }
        }
    }

    /**
     * The shift is real: a per-pixel classifier on colour and height (nearest class centroid) trained on
     * source scores far lower on target val than the same classifier trained on target train.
     */
    @Test
    void colourDoesNotTransferAcrossDomains() {
        int h = 48, w = 96, n = 12;
        double[][] fromSource = centroids(DemoScene.Domain.SYNTHETIC, h, w, n, 1);
        double[][] fromTarget = centroids(DemoScene.Domain.REAL, h, w, n, 2);
        double src = accuracy(fromSource, h, w, n);
        double tgt = accuracy(fromTarget, h, w, n);
        assertTrue(tgt > 0.5, "target-trained accuracy " + tgt);
        assertTrue(src < tgt - 0.25, "source-trained " + src + " vs target-trained " + tgt);
    }

    private static double[] features(DemoScene s, int i) {
        int n = s.height * s.width;
        return new double[]{s.bgr[i], s.bgr[n + i], s.bgr[2 * n + i], 255.0 * (i / s.width) / s.height};
    }

    private static double[][] centroids(DemoScene.Domain d, int h, int w, int n, long stream) {
        double[][] sum = new double[Cityscapes.NUM_CLASSES][5];
        for (int k = 0; k < n; k++) {
            DemoScene s = DemoScene.render(d, h, w, Seeds.derive(99, stream, k));
            for (int i = 0; i < h * w; i++) {
                int t = Cityscapes.trainId(s.ids[i]);
                if (t != Cityscapes.IGNORE) {
                    double[] f = features(s, i);
                    for (int j = 0; j < 4; j++) {
                        sum[t][j] += f[j];
                    }
                    sum[t][4]++;
                }
            }
        }
        double[][] c = new double[Cityscapes.NUM_CLASSES][];
        for (int t = 0; t < c.length; t++) {
            if (sum[t][4] > 0) {
                c[t] = new double[4];
                for (int j = 0; j < 4; j++) {
                    c[t][j] = sum[t][j] / sum[t][4];
                }
            }
        }
        return c;
    }

    private static double accuracy(double[][] c, int h, int w, int n) {
        long ok = 0, total = 0;
        for (int k = 0; k < n; k++) {
            DemoScene s = DemoScene.render(DemoScene.Domain.REAL, h, w, Seeds.derive(99, 3, k));
            for (int i = 0; i < h * w; i++) {
                int t = Cityscapes.trainId(s.ids[i]);
                if (t == Cityscapes.IGNORE) {
                    continue;
                }
                double[] f = features(s, i);
                int best = -1;
                double bd = Double.MAX_VALUE;
                for (int q = 0; q < c.length; q++) {
                    if (c[q] != null) {
                        double d = 0;
                        for (int j = 0; j < 4; j++) {
                            d += (f[j] - c[q][j]) * (f[j] - c[q][j]);
                        }
                        if (d < bd) {
                            bd = d;
                            best = q;
                        }
                    }
                }
                ok += best == t ? 1 : 0;
                total++;
            }
        }
        assertFalse(total == 0);
        return ok / (double) total;
    }
}
