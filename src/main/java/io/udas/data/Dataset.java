package io.udas.data;

import io.udas.config.DatasetConfig;
import io.udas.config.LabelFormat;
import io.udas.config.Size;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An indexed dataset: its samples (image + label file pairs, sorted by id) and how they are loaded.
 * All knowledge of on-disk layouts lives here; trainers only see datasets and iterators.
 */
public final class Dataset {
    private static final String CS_IMAGE = "_leftImg8bit.png";
    private static final Set<String> IMAGE_EXT = Set.of("png", "jpg", "jpeg", "bmp");

    private final String name;
    private final List<Sample> samples;
    private final LabelFormat labelFormat;
    private final Size resize;
    private final boolean skipBad;
    private final DataStats stats;

    private Dataset(String name, List<Sample> samples, LabelFormat labelFormat, Size resize, boolean skipBad,
                    DataStats stats) {
        this.name = name;
        this.samples = List.copyOf(samples);
        this.labelFormat = labelFormat;
        this.resize = resize;
        this.skipBad = skipBad;
        this.stats = stats;
    }

    /**
     * Indexes a dataset; every image of a labeled layout must have its label file.
     *
     * @param name    how messages name it (e.g. the config key {@code data.source})
     * @param skipBad skip (and count) unreadable files at load time instead of failing
     * @throws DataException for a missing or empty folder, a missing label or a bad list file entry
     */
    public static Dataset open(String name, DatasetConfig cfg, boolean skipBad) {
        Path root = Path.of(cfg.root);
        if (!Files.isDirectory(root)) {
            throw new DataException(root + ": dataset folder not found (" + name + ".root)");
        }
        List<Sample> samples = switch (cfg.layout) {
            case CITYSCAPES -> cityscapes(root, cfg);
            case GTA5 -> gta5(root, cfg);
            case FOLDER -> folder(root, cfg);
        };
        return new Dataset(name, samples, cfg.labels, cfg.resize, skipBad, new DataStats(name));
    }

    /** A dataset over explicit samples (all labeled or all unlabeled). */
    public static Dataset of(String name, List<Sample> samples, LabelFormat labelFormat, Size resize, boolean skipBad) {
        if (samples.isEmpty()) {
            throw new DataException(name + ": no samples");
        }
        return new Dataset(name, samples, labelFormat, resize, skipBad, new DataStats(name));
    }

    private static List<Sample> cityscapes(Path root, DatasetConfig cfg) {
        Path images = root.resolve("leftImg8bit").resolve(cfg.split);
        Path labels = root.resolve("gtFine").resolve(cfg.split);
        String suffix = cfg.labels == LabelFormat.TRAIN_IDS ? "_gtFine_labelTrainIds.png" : "_gtFine_labelIds.png";
        List<String> ids = cfg.list != null ? readList(root, cfg.list, images) : scan(images, CS_IMAGE);
        // A split without gtFine (e.g. test, or images only) is an unlabeled dataset.
        boolean labeled = Files.isDirectory(labels);
        List<Sample> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            if (!id.endsWith(CS_IMAGE)) {
                throw new DataException(images.resolve(id) + ": not a Cityscapes image name (*" + CS_IMAGE + ")");
            }
            Path label = null;
            if (labeled) {
                label = labels.resolve(id.substring(0, id.length() - CS_IMAGE.length()) + suffix);
                requireLabel(images.resolve(id), label);
            }
            out.add(new Sample(id, images.resolve(id), label));
        }
        return out;
    }

    private static List<Sample> gta5(Path root, DatasetConfig cfg) {
        Path images = root.resolve("images");
        Path labels = root.resolve("labels");
        List<String> ids = cfg.list != null ? readList(root, cfg.list, images) : scan(images, null);
        boolean labeled = Files.isDirectory(labels);
        List<Sample> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            Path label = null;
            if (labeled) {
                label = labels.resolve(withPng(id));
                requireLabel(images.resolve(id), label);
            }
            out.add(new Sample(id, images.resolve(id), label));
        }
        return out;
    }

    private static List<Sample> folder(Path root, DatasetConfig cfg) {
        List<String> ids = cfg.list != null ? readList(root, cfg.list, root) : scan(root, null);
        List<Sample> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            out.add(new Sample(id, root.resolve(id), null));
        }
        return out;
    }

    private static void requireLabel(Path image, Path label) {
        if (!Files.isRegularFile(label)) {
            throw new DataException(image + ": no matching label (expected " + label + ")");
        }
    }

    /** Image ids under {@code dir}, recursively, sorted; {@code suffix} null = any image extension. */
    private static List<String> scan(Path dir, String suffix) {
        if (!Files.isDirectory(dir)) {
            throw new DataException(dir + ": image folder not found");
        }
        List<String> ids;
        try (Stream<Path> s = Files.walk(dir)) {
            ids = s.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(id -> suffix != null ? id.endsWith(suffix) : IMAGE_EXT.contains(extension(id)))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list images: " + e.getMessage(), e);
        }
        if (ids.isEmpty()) {
            throw new DataException(dir + ": no images found (expected *" + (suffix != null ? suffix : ".png/.jpg")
                    + " files)");
        }
        return ids;
    }

    /**
     * Reads a list file (one image path per line, relative to {@code images}); a relative list path is
     * taken from the working directory, or else from the dataset root.
     */
    private static List<String> readList(Path root, String list, Path images) {
        Path file = Path.of(list);
        if (!file.isAbsolute() && !Files.exists(file)) {
            file = root.resolve(list);
        }
        if (!Files.isRegularFile(file)) {
            throw new DataException(list + ": list file not found (also looked in " + root + ")");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new DataException(file + ": cannot read list file: " + e.getMessage());
        }
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String id = lines.get(i).strip().replace('\\', '/');
            if (id.isEmpty()) {
                continue;
            }
            if (!Files.isRegularFile(images.resolve(id))) {
                throw new DataException(file + ":" + (i + 1) + ": image not found: " + images.resolve(id));
            }
            if (!ids.add(id)) {
                throw new DataException(file + ":" + (i + 1) + ": image listed twice: " + id);
            }
        }
        if (ids.isEmpty()) {
            throw new DataException(file + ": list file is empty");
        }
        return List.copyOf(ids);
    }

    private static String extension(String id) {
        int dot = id.lastIndexOf('.');
        return dot < 0 ? "" : id.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static String withPng(String id) {
        int dot = id.lastIndexOf('.');
        return (dot < 0 ? id : id.substring(0, dot)) + ".png";
    }

    public String name() {
        return name;
    }

    public int size() {
        return samples.size();
    }

    public Sample sample(int i) {
        return samples.get(i);
    }

    public List<Sample> samples() {
        return samples;
    }

    /** True when every sample has a label file. */
    public boolean labeled() {
        return samples.get(0).label() != null;
    }

    public LabelFormat labelFormat() {
        return labelFormat;
    }

    public boolean skipBad() {
        return skipBad;
    }

    public DataStats stats() {
        return stats;
    }

    /** The samples with these ids, in the given order (repairs and skips are counted together). */
    public Dataset select(Collection<String> ids, String subsetName) {
        Map<String, Sample> byId = new HashMap<>();
        for (Sample s : samples) {
            byId.put(s.id(), s);
        }
        List<Sample> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            Sample s = byId.get(id);
            if (s == null) {
                throw new DataException(name + ": no image " + id);
            }
            out.add(s);
        }
        if (out.isEmpty()) {
            throw new DataException(subsetName + ": no samples selected from " + name);
        }
        return new Dataset(subsetName, out, labelFormat, resize, skipBad, stats);
    }

    /** The same images without labels (target images for adaptation: their labels must not leak). */
    public Dataset unlabeled() {
        List<Sample> out = samples.stream().map(s -> new Sample(s.id(), s.image(), null)).toList();
        return new Dataset(name, out, labelFormat, resize, skipBad, stats);
    }

    /**
     * The same images with trainId labels from {@code dir} (pseudo-labels, see {@link #labelFileIn}).
     *
     * @throws DataException naming the first image without a label there
     */
    public Dataset withLabelsIn(Path dir, String newName) {
        List<Sample> out = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            Path label = labelFileIn(dir, s);
            requireLabel(s.image(), label);
            out.add(new Sample(s.id(), s.image(), label));
        }
        return new Dataset(newName, out, LabelFormat.TRAIN_IDS, resize, skipBad, new DataStats(newName));
    }

    /** Where a label map of {@code s} lives in a flat label folder (pseudo-labels): its id with .png. */
    public static Path labelFileIn(Path dir, Sample s) {
        return dir.resolve(withPng(s.id()));
    }

    /**
     * Decodes sample {@code i}: the image (bilinear) at {@code imageSize} and the label (nearest) at
     * {@code labelSize}; null sizes mean the dataset's resize, else the image file's own size. A label
     * file whose size differs from its image file is matched to the image and counted.
     *
     * @throws BadFileException for an unreadable or corrupt file
     * @throws DataException    for label values that the label format does not allow
     */
    public LoadedSample load(int i, Size imageSize, Size labelSize) {
        Sample s = samples.get(i);
        ImageCodec.Decoded dec = ImageCodec.readBgr(s.image(), imageSize != null ? imageSize : resize);
        ImageCodec.Planar img = dec.image();
        if (s.label() == null) {
            return new LoadedSample(s, img.height(), img.width(), img.data(), 0, 0, null);
        }
        LabelPng.LabelMap raw;
        try {
            raw = LabelPng.read(s.label());
        } catch (IOException e) {
            throw new BadFileException(e.getMessage());
        }
        int[] values = raw.values();
        LabelIds.toTrainIds(values, labelFormat, s.label());
        if (raw.height() != dec.fileHeight() || raw.width() != dec.fileWidth()) {
            stats.labelResized(s, raw.height(), raw.width(), dec.fileHeight(), dec.fileWidth());
        }
        Size target = labelSize != null ? labelSize : resize;
        int lh = target != null ? target.height : dec.fileHeight();
        int lw = target != null ? target.width : dec.fileWidth();
        if (raw.height() != lh || raw.width() != lw) {
            values = Resample.nearest(values, raw.height(), raw.width(), lh, lw);
        }
        return new LoadedSample(s, img.height(), img.width(), img.data(), lh, lw, values);
    }

    @Override
    public String toString() {
        return name + " (" + samples.size() + " images" + (labeled() ? ", labeled" : "") + ")";
    }
}
