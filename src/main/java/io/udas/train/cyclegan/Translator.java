package io.udas.train.cyclegan;

import io.udas.config.Size;
import io.udas.data.BadFileException;
import io.udas.data.DataException;
import io.udas.data.Dataset;
import io.udas.data.ImageCodec;
import io.udas.data.LoadedSample;
import io.udas.data.Sample;
import io.udas.nn.Network;
import io.udas.util.AtomicFiles;
import io.udas.util.Json;
import io.udas.util.Progress;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Applies a trained generator G (source to target) to every image of a dataset and writes the result as a new
 * dataset in the GTA5 layout ({@code images/<id>.png}, {@code labels/<id>.png}) that replaces the source in later
 * stages.
 *
 * <ul>
 *   <li>Size: each image is translated at {@code size} when given, else at its file size. The generator needs
 *       multiples of 4: other sizes are reflection-padded at the bottom/right to the next multiple of 4 and the
 *       output cropped back, so the written image has exactly the requested size.</li>
 *   <li>Labels: when the written image has its label file's size, the label file is copied byte for byte; otherwise
 *       (a {@code size} other than the label's) it is resized nearest-neighbour to the image size and written as an
 *       8-bit grey PNG of the same values (label format unchanged).</li>
 *   <li>Resumable: a sample whose image and label already exist in the output is skipped (both are written
 *       atomically, the label first, so an existing image means a finished sample).</li>
 *   <li>A corrupt or missing input image is reported by name and skipped; the run goes on and, unless
 *       {@code skipBad}, fails at the end listing them (a rerun retries only those).</li>
 * </ul>
 */
public final class Translator {
    public static final String MANIFEST = "translation.json";
    private static final int GRAPH_CACHE = 4;

    private final Generators generators;
    private final Map<String, SameDiff> graphs = new LinkedHashMap<>(16, 0.75f, true);

    public Translator(Generators generators) {
        this.generators = generators;
    }

    /** What a translation run did. */
    public record Result(int translated, int skippedExisting, List<String> bad, long labelsCopied, long labelsResized) {
    }

    /**
     * Translates {@code dataset} into {@code outRoot}.
     *
     * @param size    the output image size, or null for each image's file size
     * @param skipBad report corrupt inputs as warnings only (otherwise a {@link DataException} at the end)
     */
    public Result translate(Dataset dataset, Size size, Path outRoot, boolean skipBad) {
        List<Integer> todo = new ArrayList<>();
        int existing = 0;
        for (int i = 0; i < dataset.size(); i++) {
            if (done(dataset.sample(i), outRoot)) {
                existing++;
            } else {
                todo.add(i);
            }
        }
        if (existing > 0) {
            System.out.println("translate: " + existing + " of " + dataset.size() + " images already in " + outRoot
                    + ", skipping them");
        }
        List<String> bad = new ArrayList<>();
        long copied = 0;
        long resized = 0;
        ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "translate-loader");
            t.setDaemon(true);
            return t;
        });
        try (Progress progress = Progress.start("translate", dataset.size(), existing)) {
            Future<LoadedSample> next = todo.isEmpty() ? null : loader.submit(() -> dataset.load(todo.get(0), size, null));
            for (int k = 0; k < todo.size(); k++) {
                Sample s = dataset.sample(todo.get(k));
                Future<LoadedSample> current = next;
                if (k + 1 < todo.size()) {
                    int idx = todo.get(k + 1);
                    next = loader.submit(() -> dataset.load(idx, size, null));
                }
                try {
                    LoadedSample img = get(current);
                    float[] out = apply(GanImages.bgrToGan(img.image(), img.height(), img.width()), img.height(),
                            img.width());
                    if (s.label() != null) {
                        if (writeLabel(s, outRoot, img.height(), img.width())) {
                            copied++;
                        } else {
                            resized++;
                        }
                    }
                    float[] bgr = GanImages.ganToBgr(out, img.height(), img.width());
                    AtomicFiles.writeBytes(imageFile(outRoot, s), ImageCodec.encodePng(img.height(), img.width(), bgr));
                } catch (BadFileException e) {
                    bad.add(e.getMessage());
                    System.err.println("translate: skipped unreadable input: " + e.getMessage());
                }
                progress.stepTo(existing + k + 1, bad.isEmpty() ? "" : bad.size() + " bad");
            }
        } finally {
            loader.shutdownNow();
        }
        Result r = new Result(todo.size() - bad.size(), existing, List.copyOf(bad), copied, resized);
        writeManifest(outRoot, dataset, size, r);
        if (!bad.isEmpty() && !skipBad) {
            throw new DataException("translate: " + bad.size() + " input image(s) could not be read and were not "
                    + "translated: " + String.join("; ", bad.subList(0, Math.min(5, bad.size())))
                    + (bad.size() > 5 ? "; ..." : "") + " (fix or remove them and rerun; finished images are kept)");
        }
        return r;
    }

    private static LoadedSample get(Future<LoadedSample> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("interrupted while loading images", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new DataException(String.valueOf(e.getCause()), e.getCause());
        }
    }

    /** G applied to one planar RGB [-1, 1] image of any size (padded to multiples of 4 and cropped back). */
    public float[] apply(float[] rgb, int h, int w) {
        int ph = GanImages.roundUp4(h);
        int pw = GanImages.roundUp4(w);
        float[] in = GanImages.reflectPad(rgb, h, w, ph, pw);
        SameDiff sd = graph(ph, pw);
        INDArray y = sd.output(Map.of("x", Nd4j.create(in, new long[]{1, 3, ph, pw}, 'c')), "y").get("y");
        float[] out = y.reshape(3L * ph * pw).toFloatVector();
        return ph == h && pw == w ? out : GanImages.crop(out, ph, pw, 0, 0, h, w, false);
    }

    private SameDiff graph(int h, int w) {
        String key = h + "x" + w;
        SameDiff sd = graphs.get(key);
        if (sd == null) {
            sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 3, h, w);
            Network g = generators.spec().build(sd, "", generators.g(), x, h, w);
            if (g.trainable().size() != generators.g().size()) {
                throw new IllegalArgumentException("generator weights do not match the architecture in the file: "
                        + generators.g().size() + " arrays, the network has " + g.trainable().size());
            }
            g.output().rename("y");
            if (graphs.size() >= GRAPH_CACHE) {
                graphs.remove(graphs.keySet().iterator().next());
            }
            graphs.put(key, sd);
        }
        return sd;
    }

    static Path imageFile(Path outRoot, Sample s) {
        return outRoot.resolve("images").resolve(png(s.id()));
    }

    static Path labelFile(Path outRoot, Sample s) {
        return outRoot.resolve("labels").resolve(png(s.id()));
    }

    private static boolean done(Sample s, Path outRoot) {
        return Files.isRegularFile(imageFile(outRoot, s)) && (s.label() == null || Files.isRegularFile(labelFile(outRoot, s)));
    }

    /** Copies the label (true) or writes it nearest-resized to h x w (false). */
    private static boolean writeLabel(Sample s, Path outRoot, int h, int w) {
        Path dst = labelFile(outRoot, s);
        try {
            Size ls = GanImages.fileSize(s.label());
            if (ls.height == h && ls.width == w) {
                Files.createDirectories(dst.toAbsolutePath().getParent());
                Path tmp = Files.createTempFile(dst.toAbsolutePath().getParent(), "." + dst.getFileName(), ".tmp");
                try {
                    Files.copy(s.label(), tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, dst, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
                return true;
            }
            io.udas.data.LabelPng.LabelMap l;
            try {
                l = io.udas.data.LabelPng.read(s.label());
            } catch (IOException e) {
                throw new BadFileException(e.getMessage());
            }
            io.udas.data.LabelPng.writeGrey(dst, h, w, nearest(l.values(), l.height(), l.width(), h, w));
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dst + ": " + e.getMessage(), e);
        }
    }

    /** Nearest-neighbour resize with pixel-centre alignment (as the data package's label resizing). */
    static int[] nearest(int[] src, int sh, int sw, int dh, int dw) {
        int[] out = new int[dh * dw];
        for (int y = 0; y < dh; y++) {
            int sy = Math.min(sh - 1, (int) ((y + 0.5) * sh / dh));
            for (int x = 0; x < dw; x++) {
                out[y * dw + x] = src[sy * sw + Math.min(sw - 1, (int) ((x + 0.5) * sw / dw))];
            }
        }
        return out;
    }

    private void writeManifest(Path outRoot, Dataset dataset, Size size, Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "cyclegan-translation");
        m.put("layout", "gta5");
        m.put("labels", dataset.labelFormat().name().toLowerCase());
        m.put("origin", dataset.name());
        m.put("size", size == null ? "each image's file size" : size.toString());
        m.put("generator", generators.manifest().path("generator"));
        m.put("generator_training", generators.manifest().path("training"));
        m.put("images", dataset.size());
        m.put("translated_this_run", r.translated());
        m.put("already_present", r.skippedExisting());
        m.put("labels_copied_this_run", r.labelsCopied());
        m.put("labels_resized_this_run", r.labelsResized());
        m.put("bad_inputs", r.bad());
        Json.write(outRoot.resolve(MANIFEST), m);
    }

    /** The same id with a .png extension (as {@link io.udas.data.Gta5Writer}), so list files still apply. */
    static String png(String id) {
        int dot = id.lastIndexOf('.');
        int slash = id.lastIndexOf('/');
        return (dot <= slash ? id : id.substring(0, dot)) + ".png";
    }
}
