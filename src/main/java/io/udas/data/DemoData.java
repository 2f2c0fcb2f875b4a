package io.udas.data;

import io.udas.config.DatasetConfig;
import io.udas.config.DemoDataConfig;
import io.udas.config.Layout;
import io.udas.util.AtomicFiles;
import io.udas.util.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The procedural two-domain demo dataset, written in the real layouts: {@code source/} as GTA5
 * ({@code images/00001.png}, {@code labels/00001.png}) and {@code target/} as Cityscapes (train and val
 * splits, two cities each). Labels are 8-bit grey PNGs of Cityscapes label ids. Every file is a pure
 * function of (config, seed): the same seed gives byte-identical files.
 */
public final class DemoData {
    public static final String MANIFEST = "manifest.json";
    private static final String[] TRAIN_CITIES = {"aachen", "bremen"};
    private static final String[] VAL_CITIES = {"frankfurt", "munster"};

    private DemoData() {
    }

    /** True when {@code root} holds a complete demo dataset (the manifest is written last). */
    public static boolean exists(Path root) {
        return Files.isRegularFile(root.resolve(MANIFEST));
    }

    /**
     * True when {@code cfg.root} holds a complete demo dataset made with exactly these settings. A
     * dataset made with other counts, size or seed would silently change what a run trains on.
     */
    public static boolean matches(DemoDataConfig cfg) {
        Path root = Path.of(cfg.root);
        if (!exists(root)) {
            return false;
        }
        try {
            // compared as text: a parsed tree holds ints where the manifest holds longs
            return Json.pretty(Json.MAPPER.readTree(root.resolve(MANIFEST).toFile())).equals(Json.pretty(manifest(cfg)));
        } catch (IOException e) {
            return false;
        }
    }

    /** The source dataset of a demo root (GTA5 layout, label ids). */
    public static DatasetConfig sourceConfig(Path root) {
        DatasetConfig d = new DatasetConfig();
        d.layout = Layout.GTA5;
        d.root = root.resolve("source").toString();
        return d;
    }

    /** A target split ("train" or "val") of a demo root (Cityscapes layout, label ids). */
    public static DatasetConfig targetConfig(Path root, String split) {
        DatasetConfig d = new DatasetConfig();
        d.layout = Layout.CITYSCAPES;
        d.root = root.resolve("target").toString();
        d.split = split;
        return d;
    }

    /**
     * Generates the dataset into {@code cfg.root}, replacing an earlier demo dataset there.
     *
     * @param threads generator threads (the files do not depend on it)
     * @throws DataException when the folder exists, is not empty and is not a demo dataset
     */
    public static void generate(DemoDataConfig cfg, int threads) {
        Path root = Path.of(cfg.root);
        prepare(root);
        List<Runnable> jobs = new ArrayList<>();
        for (int i = 0; i < cfg.sourceImages; i++) {
            String name = String.format("%05d.png", i + 1);
            long seed = Seeds.derive(cfg.seed, 1, i);
            jobs.add(() -> write(DemoScene.render(DemoScene.Domain.SYNTHETIC, cfg.height, cfg.width, seed),
                    root.resolve("source/images/" + name), root.resolve("source/labels/" + name)));
        }
        addTarget(jobs, cfg, root, "train", cfg.targetTrain, TRAIN_CITIES, 2);
        addTarget(jobs, cfg, root, "val", cfg.targetVal, VAL_CITIES, 3);
        run(jobs, threads);
        AtomicFiles.writeString(root.resolve("README.txt"), readme(cfg));
        Json.write(root.resolve(MANIFEST), manifest(cfg));
    }

    private static void addTarget(List<Runnable> jobs, DemoDataConfig cfg, Path root, String split, int count,
                                  String[] cities, int stream) {
        int perCity = (count + cities.length - 1) / cities.length;
        for (int i = 0; i < count; i++) {
            String city = cities[i / perCity];
            String stem = String.format("%s/%s_%06d_000019", city, city, i % perCity);
            long seed = Seeds.derive(cfg.seed, stream, i);
            jobs.add(() -> write(DemoScene.render(DemoScene.Domain.REAL, cfg.height, cfg.width, seed),
                    root.resolve("target/leftImg8bit/" + split + "/" + stem + "_leftImg8bit.png"),
                    root.resolve("target/gtFine/" + split + "/" + stem + "_gtFine_labelIds.png")));
        }
    }

    private static void write(DemoScene s, Path image, Path label) {
        AtomicFiles.writeBytes(image, ImageCodec.encodePng(s.height, s.width, s.bgr));
        try {
            LabelPng.writeGrey(label, s.height, s.width, s.ids);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + label + ": " + e.getMessage(), e);
        }
    }

    private static void prepare(Path root) {
        try {
            if (Files.isDirectory(root) && !isEmpty(root)) {
                if (!exists(root)) {
                    throw new DataException(root + ": folder exists and is not a demo dataset (no " + MANIFEST
                            + "); refusing to write into it");
                }
                // Regenerating: earlier files must not survive, a smaller config would leave them indexed.
                for (String sub : List.of(MANIFEST, "README.txt", "source", "target")) {
                    deleteTree(root.resolve(sub));
                }
            }
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": cannot prepare demo data folder: " + e.getMessage(), e);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    private static void run(List<Runnable> jobs, int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            List<Future<?>> fs = new ArrayList<>(jobs.size());
            for (Runnable j : jobs) {
                fs.add(pool.submit(j));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("demo data generation interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new DataException(e.getCause().getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<String, Object> manifest(DemoDataConfig cfg) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("generator", "udas demo-data");
        m.put("seed", cfg.seed);
        m.put("height", cfg.height);
        m.put("width", cfg.width);
        m.put("source", ordered("layout", "gta5", "root", "source", "images", cfg.sourceImages));
        m.put("target", ordered("layout", "cityscapes", "root", "target", "train", cfg.targetTrain, "val",
                cfg.targetVal));
        m.put("labels", "8-bit grey PNG, Cityscapes label ids (trainIds via the standard mapping; 1 = ego vehicle)");
        return m;
    }

    /** Key order is part of the file's bytes, so no Map.of here. */
    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String readme(DemoDataConfig cfg) {
        return """
                udas demo data: procedural street scenes in two domains (not real data).

                source/   "synthetic" domain in the GTA5 layout: images/NNNNN.png + labels/NNNNN.png
                          (%d images): flat colours, clean edges, sunny lighting with cast shadows.
                target/   "real" domain in the Cityscapes layout: leftImg8bit/{train,val}/{city}/*_leftImg8bit.png
                          + gtFine/{train,val}/{city}/*_gtFine_labelIds.png (%d train, %d val): another
                          palette, textures, lighting gradients, sensor noise, blur, a higher horizon,
                          smaller and more frequent objects, the ego vehicle's bonnet (id 1, ignored).

                Labels are 8-bit grey PNGs of Cityscapes label ids (road 7, sidewalk 8, building 11,
                wall 12, fence 13, pole 17, traffic light 19, traffic sign 20, vegetation 21, terrain 22,
                sky 23, person 24, rider 25, car 26, truck 27, bus 28, bicycle 33). Both domains share
                the scene grammar, so shapes and positions transfer but colours do not: a segmenter
                trained on source does clearly worse on target than one trained on target.

                Size %dx%d, seed %d; the same config and seed give byte-identical files.
                """.formatted(cfg.sourceImages, cfg.targetTrain, cfg.targetVal, cfg.width, cfg.height, cfg.seed);
    }
}
