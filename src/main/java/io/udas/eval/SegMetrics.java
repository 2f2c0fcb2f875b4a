package io.udas.eval;

import com.fasterxml.jackson.core.type.TypeReference;
import io.udas.util.AtomicFiles;
import io.udas.util.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An immutable snapshot of segmentation metrics computed from a {@link ConfusionMatrix}, with reports:
 * a fixed-width text table, Markdown and JSON. All values are fractions in 0..1 (tables show percent);
 * NaN means "undefined" (see {@link ConfusionMatrix#iou()}) and is written as {@code null} in JSON.
 *
 * <p>JSON keys ({@link #toJson()}): {@code classes} (names), {@code miou}, {@code pixel_accuracy},
 * {@code mean_class_accuracy}, {@code iou} and {@code class_accuracy} (objects class name -> value or
 * null), {@code gt_pixels} and {@code pred_pixels} (class name -> count), {@code pixels} (evaluated),
 * {@code ignored_pixels}, {@code out_of_range_pixels}, {@code out_of_range} (per class, in class order),
 * {@code confusion_matrix} (rows = ground truth, columns = prediction, class order) and
 * {@code confusion_matrix_layout}. {@link #fromJson} rebuilds everything from {@code classes},
 * {@code confusion_matrix}, {@code out_of_range} and {@code ignored_pixels}; other keys are ignored, so
 * files that add their own keys (e.g. {@link PngEvaluation.Result}) read back too.
 */
public final class SegMetrics {
    private final List<String> classNames;
    private final ConfusionMatrix matrix;
    private final double[] iou;
    private final double[] classAccuracy;
    private final long[] gtPixels;
    private final long[] predPixels;
    private final double miou;
    private final double pixelAccuracy;
    private final double meanClassAccuracy;
    private final long pixels;
    private final long ignoredPixels;
    private final long outOfRangePixels;

    private SegMetrics(ConfusionMatrix m, List<String> classNames) {
        if (classNames.size() != m.numClasses()) {
            throw new IllegalArgumentException(classNames.size() + " class names for a " + m.numClasses()
                    + "-class matrix");
        }
        this.classNames = List.copyOf(classNames);
        this.matrix = m;
        int c = m.numClasses();
        this.iou = m.iou();
        this.classAccuracy = m.classAccuracy();
        this.gtPixels = new long[c];
        this.predPixels = new long[c];
        for (int i = 0; i < c; i++) {
            gtPixels[i] = m.gtCount(i);
            predPixels[i] = m.predCount(i);
        }
        this.miou = ConfusionMatrix.nanMean(iou);
        this.pixelAccuracy = m.pixelAccuracy();
        this.meanClassAccuracy = ConfusionMatrix.nanMean(classAccuracy);
        this.pixels = m.total();
        this.ignoredPixels = m.ignoredPixels();
        this.outOfRangePixels = m.outOfRangeTotal();
    }

    /** Metrics of (a copy of) a matrix. */
    static SegMetrics of(ConfusionMatrix m, List<String> classNames) {
        return new SegMetrics(m.copy(), classNames);
    }

    public List<String> classNames() {
        return classNames;
    }

    public int numClasses() {
        return classNames.size();
    }

    /** A copy of the underlying confusion matrix. */
    public ConfusionMatrix confusionMatrix() {
        return matrix.copy();
    }

    public double[] iou() {
        return iou.clone();
    }

    /** IoU of a class by name. */
    public double iou(String className) {
        int i = classNames.indexOf(className);
        if (i < 0) {
            throw new IllegalArgumentException("unknown class '" + className + "'; classes: " + classNames);
        }
        return iou[i];
    }

    public double miou() {
        return miou;
    }

    public double pixelAccuracy() {
        return pixelAccuracy;
    }

    public double[] classAccuracy() {
        return classAccuracy.clone();
    }

    public double meanClassAccuracy() {
        return meanClassAccuracy;
    }

    /** Ground-truth pixels per class (row totals). */
    public long[] gtPixels() {
        return gtPixels.clone();
    }

    /** Predicted pixels per class on non-ignored ground truth (column totals). */
    public long[] predPixels() {
        return predPixels.clone();
    }

    public long pixels() {
        return pixels;
    }

    public long ignoredPixels() {
        return ignoredPixels;
    }

    public long outOfRangePixels() {
        return outOfRangePixels;
    }

    // ------------------------------------------------------------------ reports

    /** Percent with {@code decimals} decimals, or "n/a" for NaN. */
    static String pct(double v, int decimals) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", 100 * v);
    }

    /**
     * A fixed-width text table: one line per class (name, IoU %, accuracy %, ground-truth pixels), then
     * mIoU, pixel accuracy and mean class accuracy. NaN shows as "n/a".
     */
    public String table() {
        int nameWidth = "mean class accuracy".length();
        for (String n : classNames) {
            nameWidth = Math.max(nameWidth, n.length());
        }
        String rowFmt = "%-" + nameWidth + "s %8s %8s %14s%n";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, rowFmt, "class", "IoU %", "acc %", "GT pixels"));
        String rule = "-".repeat(nameWidth + 1 + 8 + 1 + 8 + 1 + 14) + System.lineSeparator();
        sb.append(rule);
        for (int i = 0; i < classNames.size(); i++) {
            sb.append(String.format(Locale.ROOT, rowFmt, classNames.get(i), pct(iou[i], 2),
                    pct(classAccuracy[i], 2), gtPixels[i]));
        }
        sb.append(rule);
        String sumFmt = "%-" + nameWidth + "s %8s%n";
        sb.append(String.format(Locale.ROOT, sumFmt, "mIoU", pct(miou, 2)));
        sb.append(String.format(Locale.ROOT, sumFmt, "pixel accuracy", pct(pixelAccuracy, 2)));
        sb.append(String.format(Locale.ROOT, sumFmt, "mean class accuracy", pct(meanClassAccuracy, 2)));
        return sb.toString();
    }

    /** A Markdown table: class | IoU (%), then bold mIoU and pixel accuracy rows (1 decimal). */
    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| class | IoU (%) |\n|---|---:|\n");
        for (int i = 0; i < classNames.size(); i++) {
            sb.append("| ").append(ComparisonTable.escapeMd(classNames.get(i))).append(" | ")
                    .append(pct(iou[i], 1)).append(" |\n");
        }
        sb.append("| **mIoU** | **").append(pct(miou, 1)).append("** |\n");
        sb.append("| pixel accuracy | ").append(pct(pixelAccuracy, 1)).append(" |\n");
        sb.append("| mean class accuracy | ").append(pct(meanClassAccuracy, 1)).append(" |\n");
        return sb.toString();
    }

    /** The JSON object (see the class comment for the keys); insertion-ordered. */
    public Map<String, Object> toJson() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("classes", classNames);
        j.put("miou", nullIfNaN(miou));
        j.put("pixel_accuracy", nullIfNaN(pixelAccuracy));
        j.put("mean_class_accuracy", nullIfNaN(meanClassAccuracy));
        j.put("iou", byName(iou));
        j.put("class_accuracy", byName(classAccuracy));
        Map<String, Object> gt = new LinkedHashMap<>();
        Map<String, Object> pr = new LinkedHashMap<>();
        for (int i = 0; i < classNames.size(); i++) {
            gt.put(classNames.get(i), gtPixels[i]);
            pr.put(classNames.get(i), predPixels[i]);
        }
        j.put("gt_pixels", gt);
        j.put("pred_pixels", pr);
        j.put("pixels", pixels);
        j.put("ignored_pixels", ignoredPixels);
        j.put("out_of_range_pixels", outOfRangePixels);
        j.put("out_of_range", matrix.outOfRange());
        j.put("confusion_matrix_layout", "rows = ground truth, columns = prediction, in 'classes' order");
        j.put("confusion_matrix", matrix.toArray());
        return j;
    }

    private Map<String, Object> byName(double[] v) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < v.length; i++) {
            m.put(classNames.get(i), nullIfNaN(v[i]));
        }
        return m;
    }

    static Double nullIfNaN(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
    }

    /** Writes {@link #toJson()} atomically. */
    public void writeJson(Path file) {
        Json.write(file, toJson());
    }

    /** Writes {@link #markdown()} atomically. */
    public void writeMarkdown(Path file) {
        AtomicFiles.writeString(file, markdown());
    }

    /** Writes {@link #table()} atomically. */
    public void writeTable(Path file) {
        AtomicFiles.writeString(file, table());
    }

    /** Rebuilds metrics from a JSON object written by {@link #toJson()} (extra keys ignored). */
    public static SegMetrics fromJson(Map<String, Object> j) {
        Object classes = j.get("classes");
        Object cm = j.get("confusion_matrix");
        if (!(classes instanceof List<?> cl) || !(cm instanceof List<?> rows)) {
            throw new IllegalArgumentException("metrics JSON needs 'classes' and 'confusion_matrix'");
        }
        List<String> names = new ArrayList<>();
        for (Object o : cl) {
            names.add(String.valueOf(o));
        }
        long[][] m = new long[rows.size()][];
        for (int g = 0; g < rows.size(); g++) {
            if (!(rows.get(g) instanceof List<?> row)) {
                throw new IllegalArgumentException("confusion_matrix row " + g + " is not a list");
            }
            m[g] = new long[row.size()];
            for (int p = 0; p < row.size(); p++) {
                m[g][p] = ((Number) row.get(p)).longValue();
            }
        }
        long[] oor = null;
        if (j.get("out_of_range") instanceof List<?> o) {
            oor = new long[o.size()];
            for (int i = 0; i < oor.length; i++) {
                oor[i] = ((Number) o.get(i)).longValue();
            }
        }
        long ignored = j.get("ignored_pixels") instanceof Number n ? n.longValue() : 0;
        return new SegMetrics(ConfusionMatrix.of(m, oor, ignored), names);
    }

    /** Reads a metrics JSON file (e.g. written by {@link #writeJson} or {@link PngEvaluation.Result#writeJson}). */
    public static SegMetrics readJson(Path file) {
        try {
            Map<String, Object> j = Json.MAPPER.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {
            });
            return fromJson(j);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read metrics JSON: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "mIoU %s%%, pixel acc %s%% (%d px)", pct(miou, 2), pct(pixelAccuracy, 2),
                pixels);
    }
}
