package io.udas.train.cyclegan;

import io.udas.config.DatasetConfig;
import io.udas.config.Layout;
import io.udas.config.RunConfig;
import io.udas.config.Size;
import io.udas.data.ImageCodec;
import io.udas.data.LabelPng;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A toy colour-shift domain pair on disk: grey images with random red rectangles and discs (source, GTA5 layout with
 * labels: 7 background, 26 shape) and the same kind of images with blue shapes (target, plain folder). The ideal
 * translation of a source image swaps its red and blue channels.
 */
public final class ToyDomains {
    static final int GREY = 120;
    static final int BRIGHT = 230;

    private ToyDomains() {
    }

    /** One toy image: planar BGR floats and its shape mask. */
    record Toy(float[] bgr, boolean[] mask) {
    }

    static Toy draw(Random r, int h, int w, boolean red) {
        float[] bgr = new float[3 * h * w];
        boolean[] mask = new boolean[h * w];
        int n = h * w;
        java.util.Arrays.fill(bgr, GREY);
        int shapes = 1 + r.nextInt(2);
        for (int s = 0; s < shapes; s++) {
            int sh = h / 4 + r.nextInt(h / 3);
            int sw = w / 4 + r.nextInt(w / 3);
            int y0 = r.nextInt(h - sh);
            int x0 = r.nextInt(w - sw);
            boolean disc = r.nextBoolean();
            for (int y = y0; y < y0 + sh; y++) {
                for (int x = x0; x < x0 + sw; x++) {
                    double dy = (y - y0 + 0.5) / sh - 0.5;
                    double dx = (x - x0 + 0.5) / sw - 0.5;
                    if (disc && dx * dx + dy * dy > 0.25) {
                        continue;
                    }
                    int i = y * w + x;
                    mask[i] = true;
                    bgr[i] = red ? 20 : BRIGHT;
                    bgr[n + i] = 20;
                    bgr[2 * n + i] = red ? BRIGHT : 20;
                }
            }
        }
        return new Toy(bgr, mask);
    }

    /** Writes {@code count} source (red, labeled) images into {@code root}. */
    static Path source(Path root, int count, int h, int w, long seed) throws IOException {
        Random r = new Random(seed);
        for (int i = 0; i < count; i++) {
            Toy t = draw(r, h, w, true);
            String name = String.format("%05d.png", i + 1);
            Files.createDirectories(root.resolve("images"));
            Files.write(root.resolve("images").resolve(name), ImageCodec.encodePng(h, w, t.bgr()));
            int[] lab = new int[h * w];
            for (int k = 0; k < lab.length; k++) {
                lab[k] = t.mask()[k] ? 26 : 7;
            }
            LabelPng.writeGrey(root.resolve("labels").resolve(name), h, w, lab);
        }
        return root;
    }

    /** Writes {@code count} target (blue, unlabeled) images into {@code root}. */
    static Path target(Path root, int count, int h, int w, long seed) throws IOException {
        Random r = new Random(seed);
        Files.createDirectories(root);
        for (int i = 0; i < count; i++) {
            Toy t = draw(r, h, w, false);
            Files.write(root.resolve(String.format("t%04d.png", i)), ImageCodec.encodePng(h, w, t.bgr()));
        }
        return root;
    }

    /** A run config over the two toy domains with a tiny CycleGAN (ngf 8, 1 block, 2-layer PatchGAN) on h x w. */
    static RunConfig config(Path source, Path target, Path out, int h, int w, int iterations) {
        RunConfig cfg = new RunConfig();
        cfg.name = "toy-cyclegan";
        cfg.seed = 5;
        cfg.outputDir = out.toString();
        cfg.data.source = new DatasetConfig();
        cfg.data.source.layout = Layout.GTA5;
        cfg.data.source.root = source.toString();
        cfg.data.target = new DatasetConfig();
        cfg.data.target.layout = Layout.FOLDER;
        cfg.data.target.root = target.toString();
        cfg.data.loaderThreads = 1;
        cfg.data.prefetch = 2;
        var c = cfg.cyclegan;
        c.ngf = 8;
        c.ndf = 8;
        c.nBlocks = 1;
        c.nLayersD = 2;
        c.iterations = iterations;
        c.decayStart = iterations / 2;
        c.loadWidth = w;
        c.crop = new Size(h, w);
        c.poolSize = 4;
        c.sampleEvery = Math.max(1, iterations / 2);
        c.checkpointEvery = Math.max(1, iterations / 2);
        c.logEvery = 1;
        return cfg;
    }

    /** Fresh toy images as a generator batch [n, 3, h, w] (RGB in [-1, 1]) with their shape masks. */
    static Object[] batch(int n, int h, int w, boolean red, long seed) {
        Random r = new Random(seed);
        float[] all = new float[n * 3 * h * w];
        boolean[] masks = new boolean[n * h * w];
        for (int k = 0; k < n; k++) {
            Toy t = draw(r, h, w, red);
            System.arraycopy(GanImages.bgrToGan(t.bgr(), h, w), 0, all, k * 3 * h * w, 3 * h * w);
            System.arraycopy(t.mask(), 0, masks, k * h * w, h * w);
        }
        INDArray x = Nd4j.create(all, new long[]{n, 3, h, w}, 'c');
        return new Object[]{x, masks};
    }

    /**
     * Mean absolute error (in [-1, 1] units, over channels) between {@code out} [n, 3, h, w] and the ideal
     * red-to-blue translation of {@code in} (red and blue swapped), on the shape pixels only.
     */
    static double colourError(INDArray in, INDArray out, boolean[] masks) {
        long[] s = in.shape();
        int n = (int) s[0];
        int hw = (int) (s[2] * s[3]);
        float[] a = in.reshape(in.length()).toFloatVector();
        float[] b = out.reshape(out.length()).toFloatVector();
        double sum = 0;
        long count = 0;
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < hw; i++) {
                if (!masks[k * hw + i]) {
                    continue;
                }
                for (int c = 0; c < 3; c++) {
                    float ideal = a[(k * 3 + (2 - c)) * hw + i];
                    sum += Math.abs(b[(k * 3 + c) * hw + i] - ideal);
                    count++;
                }
            }
        }
        return sum / count;
    }
}
