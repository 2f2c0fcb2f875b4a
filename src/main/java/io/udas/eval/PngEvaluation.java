package io.udas.eval;

import io.udas.config.LabelFormat;
import io.udas.data.Cityscapes;
import io.udas.data.LabelPng;
import io.udas.util.Json;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Evaluates a folder of predicted trainId PNGs against a ground-truth folder, like the official
 * Cityscapes pixel-level evaluation (19x19 confusion matrix, label 255 ignored).
 *
 * <p><b>Files.</b> Both folders are searched recursively for {@code .png} files. Ground truth is either
 * Cityscapes label ids (mapped to trainIds) or trainIds (option {@link LabelFormat}). In a Cityscapes
 * {@code gtFine}/{@code gtCoarse} tree only the label files are used: {@code *_gtFine_labelIds.png} for
 * label ids, {@code *_gtFine_labelTrainIds.png} (or {@code *_trainIds.png}) for trainIds; colour and
 * instance images are skipped. Any other png is a ground-truth file.
 *
 * <p><b>Matching.</b> A file's key is its name without {@code .png} and without a Cityscapes suffix
 * ({@code _leftImg8bit}, {@code _gtFine_*}, {@code _gtCoarse_*}): {@code X_leftImg8bit.png} matches
 * {@code X_gtFine_labelIds.png} through {@code X}; other names match when identical (folders do not
 * matter). Predictions must hold trainIds 0..C-1 (8-bit grey or palette PNG); any other value on a valid
 * pixel counts as wrong.
 *
 * <p><b>Problems</b> are reported one line each, by file: a ground-truth file without prediction
 * (missing), prediction and ground truth of different sizes, two files with the same key (duplicate), an
 * unreadable file. By default the run fails with an {@link EvaluationException} listing all of them,
 * found before any image is decoded (sizes come from the PNG headers); with {@code skipProblems} the
 * affected images are left out and counted. Predictions without ground truth are only counted.
 */
public final class PngEvaluation {
    /** Cityscapes suffixes removed from a file name (without .png) to get its matching key. */
    private static final Pattern CITYSCAPES_SUFFIX = Pattern.compile("^(.+?)_(leftImg8bit|gtFine_[A-Za-z]+|gtCoarse_[A-Za-z]+)$");
    private static final int MAX_LISTED = 200;

    private final LabelFormat gtFormat;
    private final boolean skipProblems;
    private final int numClasses;
    private final List<String> classNames;
    private final int threads;

    /** A 19-class Cityscapes evaluation. */
    public PngEvaluation(LabelFormat gtFormat, boolean skipProblems) {
        this(gtFormat, skipProblems, Cityscapes.CLASS_NAMES, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * @param classNames one per class (their number is the number of classes; label ids need 19)
     * @param threads    decoding threads (at least 1)
     */
    public PngEvaluation(LabelFormat gtFormat, boolean skipProblems, List<String> classNames, int threads) {
        if (gtFormat == LabelFormat.LABEL_IDS && classNames.size() != Cityscapes.NUM_CLASSES) {
            throw new IllegalArgumentException("label-id ground truth maps to the 19 Cityscapes classes, not "
                    + classNames.size());
        }
        this.gtFormat = gtFormat;
        this.skipProblems = skipProblems;
        this.classNames = List.copyOf(classNames);
        this.numClasses = classNames.size();
        this.threads = Math.max(1, threads);
    }

    /** The evaluation's failure: every problem, one line each. */
    public static final class EvaluationException extends RuntimeException {
        private final List<String> problems;

        EvaluationException(String message, List<String> problems) {
            super(message);
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    /** A matched pair of files with their key. */
    public record Pair(String key, Path prediction, Path groundTruth) {
    }

    /**
     * The outcome: metrics over the evaluated images, how many were evaluated, and every problem line
     * with counts per kind (non-zero only with {@code skipProblems}).
     */
    public record Result(SegMetrics metrics, int images, int missing, int sizeMismatches, int duplicates,
                         int unreadable, int unmatchedPredictions, List<String> problems,
                         Path predictionDir, Path groundTruthDir, LabelFormat gtFormat) {
        /** Metrics JSON ({@link SegMetrics#toJson}) plus evaluation keys: {@code images},
         * {@code skipped} ({@code missing}, {@code size_mismatch}, {@code duplicate}, {@code unreadable}),
         * {@code unmatched_predictions}, {@code problems}, {@code prediction_dir},
         * {@code ground_truth_dir}, {@code ground_truth_format}. */
        public Map<String, Object> toJson() {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("images", images);
            Map<String, Object> skipped = new LinkedHashMap<>();
            skipped.put("missing", missing);
            skipped.put("size_mismatch", sizeMismatches);
            skipped.put("duplicate", duplicates);
            skipped.put("unreadable", unreadable);
            j.put("skipped", skipped);
            j.put("unmatched_predictions", unmatchedPredictions);
            j.put("problems", problems);
            j.put("prediction_dir", predictionDir.toString());
            j.put("ground_truth_dir", groundTruthDir.toString());
            j.put("ground_truth_format", gtFormat.name().toLowerCase(Locale.ROOT));
            j.putAll(metrics.toJson());
            return j;
        }

        public void writeJson(Path file) {
            Json.write(file, toJson());
        }

        public int skipped() {
            return missing + sizeMismatches + duplicates + unreadable;
        }
    }

    /** The matching key of a file name (see the class comment). */
    public static String key(String fileName) {
        String n = fileName.toLowerCase(Locale.ROOT).endsWith(".png")
                ? fileName.substring(0, fileName.length() - 4) : fileName;
        Matcher m = CITYSCAPES_SUFFIX.matcher(n);
        return m.matches() ? m.group(1) : n;
    }

    /** Whether a ground-truth file takes part, given the format (Cityscapes colour/instance files do not). */
    boolean isGroundTruthFile(String fileName) {
        String n = fileName.substring(0, fileName.length() - 4);
        if (!n.contains("_gtFine_") && !n.contains("_gtCoarse_")) {
            return true;
        }
        return gtFormat == LabelFormat.LABEL_IDS ? n.endsWith("_labelIds")
                : n.endsWith("_labelTrainIds") || n.endsWith("_trainIds");
    }

    private static List<Path> pngs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a directory");
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png"))
                    .sorted().toList();
        }
    }

    /** Evaluates all predictions in {@code predictionDir} against {@code groundTruthDir}. */
    public Result evaluate(Path predictionDir, Path groundTruthDir) throws IOException {
        List<String> problems = new ArrayList<>();
        int missing = 0;
        int duplicates = 0;
        int mismatches = 0;
        int unreadable = 0;

        // Ground truth by key.
        TreeMap<String, Path> gt = new TreeMap<>();
        for (Path p : pngs(groundTruthDir)) {
            String name = p.getFileName().toString();
            if (!isGroundTruthFile(name)) {
                continue;
            }
            Path prev = gt.putIfAbsent(key(name), p);
            if (prev != null) {
                problems.add("duplicate ground truth: " + rel(groundTruthDir, p) + " has the same key '" + key(name)
                        + "' as " + rel(groundTruthDir, prev));
                duplicates++;
            }
        }
        if (gt.isEmpty()) {
            throw new EvaluationException(groundTruthDir + ": no ground-truth PNG found (format "
                    + gtFormat.name().toLowerCase(Locale.ROOT) + ")", List.of());
        }
        // Predictions by key.
        Map<String, Path> pred = new LinkedHashMap<>();
        int unmatched = 0;
        for (Path p : pngs(predictionDir)) {
            String k = key(p.getFileName().toString());
            if (!gt.containsKey(k)) {
                unmatched++;
                continue;
            }
            Path prev = pred.putIfAbsent(k, p);
            if (prev != null) {
                problems.add("duplicate prediction: " + rel(predictionDir, p) + " has the same key '" + k + "' as "
                        + rel(predictionDir, prev));
                duplicates++;
            }
        }
        // Pairs; missing predictions.
        List<Pair> pairs = new ArrayList<>();
        for (Map.Entry<String, Path> e : gt.entrySet()) {
            Path p = pred.get(e.getKey());
            if (p == null) {
                problems.add("missing prediction: no file for " + rel(groundTruthDir, e.getValue()) + " (key '"
                        + e.getKey() + "') in " + predictionDir);
                missing++;
            } else {
                pairs.add(new Pair(e.getKey(), p, e.getValue()));
            }
        }
        // Sizes from the PNG headers.
        List<Pair> ok = new ArrayList<>();
        for (Pair pair : pairs) {
            int[] ps;
            int[] gs;
            try {
                ps = pngSize(pair.prediction());
            } catch (IOException ex) {
                problems.add("unreadable prediction: " + rel(predictionDir, pair.prediction()) + ": " + ex.getMessage());
                unreadable++;
                continue;
            }
            try {
                gs = pngSize(pair.groundTruth());
            } catch (IOException ex) {
                problems.add("unreadable ground truth: " + rel(groundTruthDir, pair.groundTruth()) + ": "
                        + ex.getMessage());
                unreadable++;
                continue;
            }
            if (ps[0] != gs[0] || ps[1] != gs[1]) {
                problems.add("size mismatch: prediction " + rel(predictionDir, pair.prediction()) + " is " + ps[0] + "x"
                        + ps[1] + ", ground truth " + rel(groundTruthDir, pair.groundTruth()) + " is " + gs[0] + "x"
                        + gs[1] + " (width x height)");
                mismatches++;
                continue;
            }
            ok.add(pair);
        }
        failIfNeeded(problems, predictionDir, groundTruthDir);

        // Decode and count, in parallel; one small matrix per image, merged in order.
        ConfusionMatrix total = new ConfusionMatrix(numClasses);
        int images = 0;
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "png-eval");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (Pair pair : ok) {
                futures.add(pool.submit(() -> evaluatePair(pair, predictionDir, groundTruthDir)));
            }
            for (Future<Object> f : futures) {
                Object r = get(f);
                if (r instanceof ConfusionMatrix m) {
                    total.merge(m);
                    images++;
                } else {
                    problems.add((String) r);
                    if (((String) r).startsWith("size mismatch")) {
                        mismatches++;
                    } else {
                        unreadable++;
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        failIfNeeded(problems, predictionDir, groundTruthDir);
        if (images == 0) {
            throw new EvaluationException("no image could be evaluated (" + problems.size() + " problems)", problems);
        }
        for (String p : problems) {
            System.err.println("WARN skipped: " + p);
        }
        return new Result(total.metrics(classNames), images, missing, mismatches, duplicates, unreadable, unmatched,
                List.copyOf(problems), predictionDir, groundTruthDir, gtFormat);
    }

    /** One image's matrix, or a problem line. */
    private Object evaluatePair(Pair pair, Path predictionDir, Path groundTruthDir) {
        LabelPng.LabelMap p;
        LabelPng.LabelMap g;
        try {
            p = LabelPng.read(pair.prediction());
        } catch (IOException | RuntimeException e) {
            return "unreadable prediction: " + rel(predictionDir, pair.prediction()) + ": " + e.getMessage();
        }
        try {
            g = LabelPng.read(pair.groundTruth());
        } catch (IOException | RuntimeException e) {
            return "unreadable ground truth: " + rel(groundTruthDir, pair.groundTruth()) + ": " + e.getMessage();
        }
        if (p.width() != g.width() || p.height() != g.height()) {
            return "size mismatch: prediction " + rel(predictionDir, pair.prediction()) + " is " + p.width() + "x"
                    + p.height() + ", ground truth " + rel(groundTruthDir, pair.groundTruth()) + " is " + g.width() + "x"
                    + g.height() + " (width x height)";
        }
        int[] labels = g.values();
        if (gtFormat == LabelFormat.LABEL_IDS) {
            Cityscapes.toTrainIds(labels);
        }
        ConfusionMatrix m = new ConfusionMatrix(numClasses);
        m.add(p.values(), labels);
        return m;
    }

    private static Object get(Future<Object> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("evaluation interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(c);
        }
    }

    private void failIfNeeded(List<String> problems, Path predictionDir, Path groundTruthDir) {
        if (problems.isEmpty() || skipProblems) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        sb.append(problems.size()).append(problems.size() == 1 ? " problem" : " problems")
                .append(" evaluating ").append(predictionDir).append(" against ").append(groundTruthDir).append(':');
        Iterator<String> it = problems.iterator();
        for (int i = 0; i < MAX_LISTED && it.hasNext(); i++) {
            sb.append("\n  ").append(it.next());
        }
        if (problems.size() > MAX_LISTED) {
            sb.append("\n  ... and ").append(problems.size() - MAX_LISTED).append(" more");
        }
        sb.append("\n(allow skipping to evaluate the remaining images and count the skipped ones)");
        throw new EvaluationException(sb.toString(), problems);
    }

    /** Width and height from a PNG's header, without decoding the pixels. */
    static int[] pngSize(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException("cannot open");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("not a readable image");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                return new int[]{r.getWidth(0), r.getHeight(0)};
            } finally {
                r.dispose();
            }
        }
    }

    private static String rel(Path root, Path p) {
        try {
            return root.relativize(p).toString();
        } catch (IllegalArgumentException e) {
            return p.toString();
        }
    }
}
