package io.udas.data;

import io.udas.config.AugmentConfig;
import io.udas.config.DemoDataConfig;
import io.udas.config.InputNormConfig;
import io.udas.config.Size;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Throughput of the training input pipeline (PNG decode, label read, scale/crop/flip, colour jitter,
 * blur, batching) on generated 640x360 street scenes, for the {@code bench} command.
 */
public final class DataBench {
    private DataBench() {
    }

    /**
     * A measurement: wall-clock images per second, and process CPU seconds per image (which other
     * processes on a shared machine do not inflate; 1 / it is the rate one free core sustains).
     */
    public record Result(double imagesPerSecond, double cpuSecondsPerImage, int images, int batchSize, int threads,
                         int height, int width) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%.1f images/s, %.1f ms CPU per image (%d images of %dx%d, "
                    + "batch %d, %d loader threads)", imagesPerSecond, 1000 * cpuSecondsPerImage, images, width,
                    height, batchSize, threads);
        }
    }

    /** The augmentation measured: the thesis' 640x360 crops with every transform on. */
    public static AugmentConfig benchAugment(int height, int width) {
        AugmentConfig a = new AugmentConfig();
        a.crop = new Size(height, width);
        a.scaleMin = 0.75;
        a.scaleMax = 1.5;
        a.flip = true;
        a.brightness = 0.3;
        a.contrast = 0.3;
        a.saturation = 0.3;
        a.hue = 0.05;
        a.blurProb = 0.5;
        return a;
    }

    /**
     * Generates a small dataset of {@code height}x{@code width} scenes in a temporary folder, then times
     * {@code batches} training batches (after a warm-up of the same count) and deletes the folder.
     */
    public static Result run(int height, int width, int batchSize, int batches, int threads) {
        Path dir;
        try {
            dir = Files.createTempDirectory("udas-bench");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder: " + e.getMessage(), e);
        }
        try {
            DemoDataConfig demo = new DemoDataConfig();
            demo.root = dir.resolve("demo").toString();
            demo.height = height;
            demo.width = width;
            demo.sourceImages = 32;
            demo.targetTrain = 1;
            demo.targetVal = 1;
            DemoData.generate(demo, threads);
            Dataset ds = Dataset.open("bench", DemoData.sourceConfig(Path.of(demo.root)), false);
            return measure(ds, benchAugment(height, width), batchSize, batches, threads);
        } finally {
            deleteTree(dir);
        }
    }

    /** Times {@code batches} training batches of {@code ds} after as many warm-up batches. */
    public static Result measure(Dataset ds, AugmentConfig augment, int batchSize, int batches, int threads) {
        Augmenter aug = new Augmenter(augment, new Normalizer(new InputNormConfig()).meanBgr());
        try (TrainIterator it = new TrainIterator(ds, batchSize, aug, 1, 0, threads, 2 * threads)) {
            Batch last = null;
            for (int i = 0; i < batches; i++) {
                last = it.next();
            }
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            for (int i = 0; i < batches; i++) {
                last = it.next();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            double cpu = (processCpuNanos() - cpu0) / 1e9;
            int images = batches * batchSize;
            long[] shape = last.images().shape();
            return new Result(images / secs, cpu / images, images, batchSize, threads, (int) shape[2], (int) shape[3]);
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
