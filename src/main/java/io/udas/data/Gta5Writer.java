package io.udas.data;

import io.udas.config.DatasetConfig;
import io.udas.config.Layout;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a labeled dataset in the GTA5 layout: new images for existing samples (style-translated source
 * images) with their labels carried over, so that the result is read like the original.
 */
public final class Gta5Writer {
    private final Path root;
    private final Dataset origin;

    /** @param origin the dataset whose samples are rewritten (its labels and label format are kept) */
    public Gta5Writer(Path root, Dataset origin) {
        this.root = root;
        this.origin = origin;
    }

    /**
     * Writes {@code bgr} ([3,h,w] or [1,3,h,w], 0..255) as the image of {@code s} and its label map
     * (raw values, nearest-resized to h x w so that image and label agree in size).
     */
    public void write(Sample s, INDArray bgr) {
        String name = png(s.id());
        ImageCodec.writePng(root.resolve("images").resolve(name), bgr);
        if (s.label() == null) {
            return;
        }
        long[] shape = bgr.shape();
        int h = (int) shape[shape.length - 2];
        int w = (int) shape[shape.length - 1];
        try {
            LabelPng.LabelMap l = LabelPng.read(s.label());
            int[] values = l.height() == h && l.width() == w ? l.values()
                    : Resample.nearest(l.values(), l.height(), l.width(), h, w);
            LabelPng.writeGrey(root.resolve("labels").resolve(name), h, w, values);
        } catch (IOException e) {
            throw new BadFileException(e.getMessage());
        }
    }

    /** The same id with a .png extension, so list files and subsets of the origin still apply. */
    private static String png(String id) {
        int dot = id.lastIndexOf('.');
        return (dot < 0 ? id : id.substring(0, dot)) + ".png";
    }

    /** The config that reads what was written. */
    public DatasetConfig config() {
        DatasetConfig d = new DatasetConfig();
        d.layout = Layout.GTA5;
        d.root = root.toString();
        d.labels = origin.labelFormat();
        return d;
    }
}
