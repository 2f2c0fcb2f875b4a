package io.udas.data;

import io.udas.config.DatasetConfig;
import io.udas.config.LabelFormat;
import io.udas.config.Layout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Tiny dataset trees on disk for tests. */
final class Trees {
    private Trees() {
    }

    /** Writes an image whose pixel (y, x) has BGR (b, g + y, r + x). */
    static void image(Path file, int h, int w, int b, int g, int r) throws IOException {
        float[] bgr = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                bgr[i] = b;
                bgr[h * w + i] = g + y;
                bgr[2 * h * w + i] = r + x;
            }
        }
        Files.createDirectories(file.getParent());
        Files.write(file, ImageCodec.encodePng(h, w, bgr));
    }

    /** Writes a grey label map filled with {@code value}, with {@code corner} at (0, 0). */
    static void label(Path file, int h, int w, int value, int corner) throws IOException {
        int[] v = new int[h * w];
        java.util.Arrays.fill(v, value);
        v[0] = corner;
        LabelPng.writeGrey(file, h, w, v);
    }

    /** Cityscapes tree: train split with cities a (2 images) and b (1 image), 8x6 images, label id 7 + corner 26. */
    static Path cityscapes(Path root) throws IOException {
        String[][] names = {{"a", "a_000000_000019"}, {"a", "a_000001_000019"}, {"b", "b_000000_000019"}};
        int k = 0;
        for (String[] n : names) {
            image(root.resolve("leftImg8bit/train/" + n[0] + "/" + n[1] + "_leftImg8bit.png"), 6, 8, 10 * ++k, 20, 30);
            label(root.resolve("gtFine/train/" + n[0] + "/" + n[1] + "_gtFine_labelIds.png"), 6, 8, 7, 26);
        }
        return root;
    }

    /** GTA5 tree: images/00001..0000n.png with labels (id 21, corner 0). */
    static Path gta5(Path root, int n) throws IOException {
        for (int i = 1; i <= n; i++) {
            String name = String.format("%05d.png", i);
            image(root.resolve("images/" + name), 6, 8, i, 40, 50);
            label(root.resolve("labels/" + name), 6, 8, 21, 0);
        }
        return root;
    }

    static DatasetConfig config(Layout layout, Path root) {
        DatasetConfig c = new DatasetConfig();
        c.layout = layout;
        c.root = root.toString();
        c.labels = LabelFormat.LABEL_IDS;
        return c;
    }
}
