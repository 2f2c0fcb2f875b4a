package io.udas.pseudo;

import io.udas.config.DatasetConfig;
import io.udas.config.PseudoLabelConfig;
import io.udas.config.RunConfig;
import io.udas.config.Size;
import io.udas.data.Batch;
import io.udas.data.Cityscapes;
import io.udas.data.Dataset;
import io.udas.data.EvalIterator;
import io.udas.data.GeometricTransform;
import io.udas.data.ImageCodec;
import io.udas.data.LabelPng;
import io.udas.data.Normalizer;
import io.udas.data.Photometric;
import io.udas.data.Sample;
import io.udas.data.Seeds;
import io.udas.eval.ConfusionMatrix;
import io.udas.eval.SegMetrics;
import io.udas.model.Predictor;
import io.udas.model.SegmentationModel;
import io.udas.util.AtomicFiles;
import io.udas.util.Json;
import io.udas.util.Progress;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * K-view max-confidence pseudo-labels (thesis stage 3). For every target image the teacher predicts K
 * views (view 0 = the image as is; the others scaled, mirrored and colour-jittered, see
 * {@link PseudoLabelConfig}); each prediction is mapped back to the image's geometry
 * ({@link GeometricTransform#invert}), the views are fused per pixel by maximum confidence and
 * thresholded ({@link MaxConfidenceFusion}).
 *
 * <p>Output folder: {@code labels/<image id>.png} (8-bit grey trainIds, 255 = not confident; the layout
 * {@link Dataset#withLabelsIn} reads), {@code confidence/<image id>.png} (fused confidence x 255, when
 * {@code save_confidence}), {@code preview/} (image, pseudo-label and ground truth in colour for the
 * first few images) and {@code stats.json}, written last: its presence marks a complete run.
 *
 * <p>Statistics: share of pixels kept per class ({@link PseudoLabelStats}). When the images have ground
 * truth (analysis only; the labels never reach training), also: the pseudo-labels' mIoU against it, with
 * the convention that pixels the pseudo-label ignores (255) are left out like ground-truth 255 pixels
 * (so it measures the quality of the kept pixels; how many were kept is {@code kept_share}); the mIoU of
 * the fused argmax before thresholding; and the teacher's plain mIoU (view 0 alone, all pixels).
 * Labels are written at the size the dataset loads images (its resize, else the file's); the teacher
 * sees view 0 at {@code inputSize} (eval.size) when set.
 */
public final class PseudoLabeler {
    public static final String LABELS = "labels";
    public static final String CONFIDENCE = "confidence";
    public static final String PREVIEW = "preview";
    public static final String STATS = "stats.json";
    public static final String IGNORE_CONVENTION = "pseudo-label mIoU: pixels whose pseudo-label is 255 (not "
            + "confident) are excluded, like ground-truth 255 pixels; it scores the kept pixels only";

    /** One view: its scale (relative to the teacher's input size), mirroring and jitter. */
    public record ViewSpec(int index, double scale, boolean flip, boolean jitter) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scale", scale);
            m.put("flip", flip);
            m.put("jitter", jitter);
            return m;
        }
    }

    /** Figures of a run (fractions; NaN where there is no ground truth). */
    public record Result(Path dir, int images, double keptShare, double pseudoMiou, double fusedMiou,
                         double teacherMiou, double seconds) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dir", dir.toString());
            m.put("images", images);
            m.put("kept_share", finite(keptShare));
            m.put("pseudo_label_miou", finite(pseudoMiou));
            m.put("fused_argmax_miou", finite(fusedMiou));
            m.put("teacher_miou", finite(teacherMiou));
            m.put("seconds", seconds);
            return m;
        }

        /** Reads the figures back from a run's stats.json. */
        public static Result read(Path dir) {
            Map<?, ?> j = Json.read(dir.resolve(STATS), Map.class);
            return new Result(dir, ((Number) j.get("images")).intValue(), num(j.get("kept_share")),
                    num(j.get("pseudo_label_miou")), num(j.get("fused_argmax_miou")), num(j.get("teacher_miou")),
                    num(j.get("seconds")));
        }
    }

    private final PseudoLabelConfig cfg;
    private final int numClasses;
    private final Normalizer normalizer;
    private final Size inputSize;
    private final long seed;
    private final int threads;
    private final int prefetch;
    private final MaxConfidenceFusion fusion;
    private final List<ViewSpec> views;

    /**
     * @param inputSize the teacher's input size for view 0 (null = each image's loaded size)
     * @param seed      fixes the views' jitter (a pure function of seed, image id and view)
     */
    public PseudoLabeler(PseudoLabelConfig cfg, int numClasses, Normalizer normalizer, Size inputSize, long seed,
                         int threads, int prefetch) {
        this.cfg = cfg;
        this.numClasses = numClasses;
        this.normalizer = normalizer;
        this.inputSize = inputSize;
        this.seed = seed;
        this.threads = threads;
        this.prefetch = prefetch;
        if (cfg.classThresholds != null) {
            if (cfg.classThresholds.size() != numClasses) {
                throw new IllegalArgumentException("pseudo.class_thresholds has " + cfg.classThresholds.size()
                        + " values, expected one per class (" + numClasses + ")");
            }
            this.fusion = new MaxConfidenceFusion(cfg.classThresholds.stream().mapToDouble(Double::doubleValue).toArray());
        } else {
            this.fusion = new MaxConfidenceFusion(numClasses, cfg.threshold);
        }
        this.views = views(cfg);
    }

    /** A labeler with the run's pseudo section, model input normalisation, eval.size and loader settings. */
    public static PseudoLabeler of(RunConfig cfg) {
        return new PseudoLabeler(cfg.pseudo, cfg.model.numClasses, new Normalizer(cfg.model.input), cfg.eval.size,
                Seeds.derive(cfg.seed, "pseudo-label"), cfg.data.loaderThreads, cfg.data.prefetch);
    }

    /**
     * The K views: view 0 the identity; views 1..K-1 at scales evenly spaced over [scale_min, scale_max]
     * (their mean when there is one), odd views mirrored when {@code flip}, all jittered when jitter > 0.
     */
    public static List<ViewSpec> views(PseudoLabelConfig c) {
        List<ViewSpec> out = new ArrayList<>();
        out.add(new ViewSpec(0, 1.0, false, false));
        int extra = c.views - 1;
        for (int k = 1; k <= extra; k++) {
            double s = extra == 1 ? (c.scaleMin + c.scaleMax) / 2
                    : c.scaleMin + (c.scaleMax - c.scaleMin) * (k - 1) / (extra - 1);
            out.add(new ViewSpec(k, s, c.flip && k % 2 == 1, c.jitter > 0));
        }
        return out;
    }

    /** The geometry of {@code v} for an image of h x w whose view 0 the teacher sees at bh x bw. */
    public static GeometricTransform transform(ViewSpec v, int h, int w, int bh, int bw) {
        int sh = Math.max(1, (int) Math.round(bh * v.scale()));
        int sw = Math.max(1, (int) Math.round(bw * v.scale()));
        return new GeometricTransform(h, w, sh, sw, 0, 0, sh, sw, v.flip());
    }

    public List<ViewSpec> views() {
        return views;
    }

    /** True when {@code dir} holds a complete run (its stats.json is written last). */
    public static boolean complete(Path dir) {
        return Files.isRegularFile(dir.resolve(STATS));
    }

    /** Where the label maps of a run in {@code dir} are. */
    public static Path labelsDir(Path dir) {
        return dir.resolve(LABELS);
    }

    /**
     * Pseudo-labels data.target (with its ground truth for the statistics when the folder has labels) with
     * {@code teacher} into {@code outDir}.
     */
    public static Result run(RunConfig cfg, SegmentationModel teacher, Path outDir, Map<String, Object> info) {
        DatasetConfig d = cfg.data.target;
        if (d == null) {
            throw new IllegalArgumentException("data.target: required for pseudo-labels (the unlabeled target images)");
        }
        Dataset target = Dataset.open("data.target", d, cfg.data.skipBad);
        return of(cfg).run(teacher, target, outDir, info);
    }

    /**
     * Labels every image of {@code images}; when it has labels they are used as ground truth for the
     * statistics only.
     *
     * @param info extra entries for stats.json (e.g. the teacher's file)
     */
    public Result run(SegmentationModel teacher, Dataset images, Path outDir, Map<String, Object> info) {
        long t0 = System.nanoTime();
        Predictor predictor = new Predictor(teacher);
        boolean haveGt = images.labeled();
        PseudoLabelStats stats = new PseudoLabelStats(numClasses);
        ConfusionMatrix pseudoCm = new ConfusionMatrix(numClasses);
        ConfusionMatrix fusedCm = new ConfusionMatrix(numClasses);
        ConfusionMatrix teacherCm = new ConfusionMatrix(numClasses);
        Path labels = labelsDir(outDir);
        try {
            Files.createDirectories(labels);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + labels + ": " + e.getMessage(), e);
        }
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "pseudo-label-writer");
            t.setDaemon(true);
            return t;
        });
        Semaphore inFlight = new Semaphore(16);
        List<Future<?>> pending = new ArrayList<>();
        int done = 0;
        try (EvalIterator it = new EvalIterator(images, 1, null, threads, prefetch);
             Progress progress = Progress.start("pseudo-label", images.size(), 0)) {
            List<Batch> group = new ArrayList<>();
            while (it.hasNext() || !group.isEmpty()) {
                Batch next = it.hasNext() ? it.next() : null;
                boolean flush = next == null || group.size() >= cfg.batchSize
                        || (!group.isEmpty() && !sameSize(group.get(0), next));
                if (flush && !group.isEmpty()) {
                    List<Image> out = label(predictor, group);
                    for (Image img : out) {
                        stats.add(img.fused.argmax(), img.fused.labels());
                        if (haveGt) {
                            int[] masked = img.gt.clone();
                            for (int p = 0; p < masked.length; p++) {
                                if (img.fused.labels()[p] == Cityscapes.IGNORE) {
                                    masked[p] = Cityscapes.IGNORE;
                                }
                            }
                            pseudoCm.add(img.fused.labels(), masked);
                            fusedCm.add(img.fused.argmax(), img.gt);
                            teacherCm.add(img.teacher, img.gt);
                        }
                        // Pixels for a preview are read here: arrays stay on the thread that made them.
                        float[] preview = done < cfg.previews ? Nd4j.toFlattened('c', img.bgr).toFloatVector() : null;
                        inFlight.acquireUninterruptibly();
                        pending.add(writer.submit(() -> {
                            try {
                                write(img, outDir, preview);
                            } finally {
                                inFlight.release();
                            }
                            return null;
                        }));
                        done++;
                        progress.stepTo(done, "");
                    }
                    group.clear();
                    checkWrites(pending, false);
                }
                if (next != null) {
                    group.add(next);
                }
            }
            checkWrites(pending, true);
        } finally {
            writer.shutdownNow();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Result r = new Result(outDir, done, stats.overallKeptShare(),
                haveGt ? pseudoCm.meanIoU() : Double.NaN, haveGt ? fusedCm.meanIoU() : Double.NaN,
                haveGt ? teacherCm.meanIoU() : Double.NaN, secs);
        Map<String, Object> j = new LinkedHashMap<>(r.toMap());
        if (info != null) {
            j.putAll(info);
        }
        j.put("threshold", cfg.threshold);
        j.put("class_thresholds", cfg.classThresholds);
        j.put("views", views.stream().map(ViewSpec::toMap).toList());
        j.put("input_size", inputSize == null ? null : Map.of("height", inputSize.height, "width", inputSize.width));
        j.put("kept", stats.toMap());
        if (haveGt) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("note", "ground truth of the pseudo-labeled images, used for these figures only");
            a.put("convention", IGNORE_CONVENTION);
            a.put("pseudo_labels", metrics(pseudoCm));
            a.put("fused_argmax", metrics(fusedCm));
            a.put("teacher", metrics(teacherCm));
            j.put("analysis", a);
        }
        Json.write(outDir.resolve(STATS), j);
        System.out.printf(Locale.ROOT, "pseudo-labels: %d images in %s, %s%% of pixels kept%s (%.0f s)%n", done,
                labels, pct(r.keptShare()), haveGt ? "; pseudo-label mIoU " + pct(r.pseudoMiou())
                        + "% (kept pixels), teacher mIoU " + pct(r.teacherMiou()) + "%" : "", secs);
        return r;
    }

    private static Map<String, Object> metrics(ConfusionMatrix cm) {
        SegMetrics m = cm.metrics();
        Map<String, Object> j = m.toJson();
        j.remove("class_accuracy");
        return j;
    }

    private static boolean sameSize(Batch a, Batch b) {
        return a.images().size(2) == b.images().size(2) && a.images().size(3) == b.images().size(3);
    }

    private static void checkWrites(List<Future<?>> pending, boolean all) {
        var iter = pending.iterator();
        while (iter.hasNext()) {
            Future<?> f = iter.next();
            if (!all && !f.isDone()) {
                continue;
            }
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while writing pseudo-labels", e);
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable c = e.getCause();
                throw c instanceof RuntimeException re ? re : new IllegalStateException(c.getMessage(), c);
            }
            iter.remove();
        }
    }

    /** One labeled image: the fusion result, view 0's argmax, ground truth (or null) and the image for previews. */
    private record Image(Sample sample, MaxConfidenceFusion.Result fused, int[] teacher, int[] gt, INDArray bgr) {
    }

    /** Predicts every view of a group of same-size images and fuses them. */
    private List<Image> label(Predictor predictor, List<Batch> group) {
        int n = group.size();
        INDArray first = group.get(0).images();
        int h = (int) first.size(2);
        int w = (int) first.size(3);
        int bh = inputSize != null ? inputSize.height : h;
        int bw = inputSize != null ? inputSize.width : w;
        int hw = h * w;
        float[] pad = normalizer.meanBgr();
        List<List<MaxConfidenceFusion.View>> perImage = new ArrayList<>();
        int[][] teacher = new int[n][];
        for (int i = 0; i < n; i++) {
            perImage.add(new ArrayList<>());
        }
        for (ViewSpec v : views) {
            GeometricTransform t = transform(v, h, w, bh, bw);
            int vh = t.outHeight();
            int vw = t.outWidth();
            int size = 3 * vh * vw;
            float[] buf = new float[n * size];
            Photometric jitter = v.jitter() ? Photometric.jitter(cfg.jitter) : null;
            for (int i = 0; i < n; i++) {
                Batch b = group.get(i);
                float[] img = t.apply(b.images(), null, pad).image().data().asFloat();
                if (jitter != null) {
                    long s = Seeds.derive(seed, Seeds.derive(v.index(), b.samples().get(0).id()));
                    jitter.apply(img, 0, vh, vw, new SplittableRandom(s));
                }
                System.arraycopy(img, 0, buf, i * size, size);
            }
            INDArray probs = predictor.probabilities(normalizer.normalize(Nd4j.create(buf, new long[]{n, 3, vh, vw}, 'c')));
            for (int i = 0; i < n; i++) {
                INDArray one = probs.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
                GeometricTransform.Inverse inv = t.invert(one);
                float[] p = inv.probs().castTo(DataType.FLOAT).data().asFloat();
                float[] valid = inv.valid().data().asFloat();
                boolean[] ok = new boolean[hw];
                for (int q = 0; q < hw; q++) {
                    ok[q] = valid[q] > 0;
                }
                perImage.get(i).add(new MaxConfidenceFusion.View(p, ok));
                if (v.index() == 0) {
                    teacher[i] = argmax(p, ok, hw);
                }
            }
        }
        List<Image> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Batch b = group.get(i);
            int[] gt = b.labels() == null ? null : b.labels().castTo(DataType.INT32).data().asInt();
            if (gt != null && gt.length != hw) {
                throw new IllegalStateException(b.samples().get(0).label() + ": label size differs from its image");
            }
            out.add(new Image(b.samples().get(0), fusion.fuse(perImage.get(i), h, w), teacher[i], gt, b.images()));
        }
        return out;
    }

    private int[] argmax(float[] p, boolean[] valid, int hw) {
        int[] out = new int[hw];
        for (int q = 0; q < hw; q++) {
            if (!valid[q]) {
                out[q] = Cityscapes.IGNORE;
                continue;
            }
            int best = 0;
            float bv = p[q];
            for (int c = 1; c < numClasses; c++) {
                float x = p[c * hw + q];
                if (x > bv) {
                    bv = x;
                    best = c;
                }
            }
            out[q] = best;
        }
        return out;
    }

    private void write(Image img, Path outDir, float[] preview) throws IOException {
        MaxConfidenceFusion.Result f = img.fused;
        LabelPng.writeGrey(Dataset.labelFileIn(labelsDir(outDir), img.sample), f.height(), f.width(), f.labels());
        if (cfg.saveConfidence) {
            int[] c = new int[f.confidence().length];
            for (int p = 0; p < c.length; p++) {
                c[p] = Math.max(0, Math.min(255, Math.round(f.confidence()[p] * 255)));
            }
            LabelPng.writeGrey(Dataset.labelFileIn(outDir.resolve(CONFIDENCE), img.sample), f.height(), f.width(), c);
        }
        if (preview != null) {
            String base = img.sample.id().replace('/', '_').replaceFirst("\\.[^.]*$", "");
            Path dir = outDir.resolve(PREVIEW);
            AtomicFiles.writeBytes(dir.resolve(base + "_image.png"), ImageCodec.encodePng(f.height(), f.width(), preview));
            LabelPng.writeColor(dir.resolve(base + "_pseudo.png"), f.height(), f.width(), f.labels());
            if (img.gt != null) {
                LabelPng.writeColor(dir.resolve(base + "_gt.png"), f.height(), f.width(), img.gt);
            }
        }
    }

    private static String pct(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", 100 * v) : "n/a";
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
