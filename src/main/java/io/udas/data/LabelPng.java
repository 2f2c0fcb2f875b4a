package io.udas.data;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Label maps as PNG. Reads the raw sample values of 8-bit grey (Cityscapes) and palette (GTA5) PNGs:
 * for a palette image the sample is the palette index, which is the label id; decoders that convert
 * to colour (OpenCV) would destroy it.
 */
public final class LabelPng {
    private LabelPng() {
    }

    /** A decoded label map, row-major. */
    public record LabelMap(int height, int width, int[] values) {
        public int at(int y, int x) {
            return values[y * width + x];
        }
    }

    public static LabelMap read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": label file not found");
        }
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new IOException(file + ": not a readable PNG label map");
        }
        Raster r = img.getRaster();
        if (r.getNumBands() != 1) {
            throw new IOException(file + ": expected a single-channel (grey or palette) label map, found "
                    + r.getNumBands() + " channels");
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int[] values = r.getSamples(0, 0, w, h, 0, new int[w * h]);
        return new LabelMap(h, w, values);
    }

    /** Writes values 0..255 as an 8-bit grey PNG (trainIds with 255 = ignore, or label ids). */
    public static void writeGrey(Path file, int height, int width, int[] values) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = img.getRaster();
        for (int i = 0; i < values.length; i++) {
            int v = values[i];
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("label value " + v + " does not fit an 8-bit PNG");
            }
        }
        r.setSamples(0, 0, width, height, 0, values);
        writePng(file, img);
    }

    /** Writes trainIds as a Cityscapes-palette colour PNG (255 and unknown ids black). */
    public static void writeColor(Path file, int height, int width, int[] trainIds) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int[] c = Cityscapes.color(trainIds[y * width + x]);
                img.setRGB(x, y, (c[0] << 16) | (c[1] << 8) | c[2]);
            }
        }
        writePng(file, img);
    }

    private static void writePng(Path file, BufferedImage img) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
        try {
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer available");
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
