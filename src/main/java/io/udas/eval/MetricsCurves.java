package io.udas.eval;

import io.udas.util.JsonLines;

import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns a JSON-lines metrics file (records such as {@code {"iter": 100, "loss_seg": 0.8, "lr": 2.5e-4}},
 * written by {@link JsonLines}) into PNG charts: one chart per key group, x = {@code iter}.
 *
 * <p>Default groups ({@link #defaultGroup}): {@code loss_d}, {@code loss_d_*} (discriminator losses) ->
 * "loss_d"; other {@code loss*} -> "loss"; {@code lr*} -> "lr"; keys holding "miou", "iou" or "acc" ->
 * "eval"; any other numeric key is a chart of its own. Bookkeeping keys (iter, epoch, step, time,
 * round, ...) are never plotted; neither are non-numeric values, nor records without the x key.
 * Files are {@code <outDir>/<prefix><group>.png}, written atomically.
 *
 * <p>Noisy curves: with {@code smoothWindow > 1} each series is drawn faint, with its trailing moving
 * average on top ("auto" = 0: a window of n/50 for loss groups with at least 200 points). Series longer
 * than {@code maxPoints} are thinned by striding for drawing.
 */
public final class MetricsCurves {
    /** Keys that are counters or clocks, not metrics. */
    public static final Set<String> BOOKKEEPING = Set.of("iter", "iteration", "epoch", "step", "time", "timestamp",
            "wall", "wall_time", "elapsed", "elapsed_s", "seconds", "round", "images", "seed");

    /** Plot options; immutable, with {@code with...} methods. */
    public record Options(String xKey, String prefix, int smoothWindow, int maxPoints, int width, int height,
                          Function<String, String> grouping, Set<String> exclude) {
        public static Options defaults() {
            return new Options("iter", "curve_", 0, 4000, Charts.DEFAULT_WIDTH, Charts.DEFAULT_HEIGHT,
                    MetricsCurves::defaultGroup, BOOKKEEPING);
        }

        public Options withPrefix(String p) {
            return new Options(xKey, p, smoothWindow, maxPoints, width, height, grouping, exclude);
        }

        /** 0 = automatic, 1 = no smoothing, n > 1 = moving average over n records. */
        public Options withSmoothWindow(int n) {
            return new Options(xKey, prefix, n, maxPoints, width, height, grouping, exclude);
        }

        public Options withGrouping(Function<String, String> g) {
            return new Options(xKey, prefix, smoothWindow, maxPoints, width, height, g, exclude);
        }

        public Options withXKey(String k) {
            return new Options(k, prefix, smoothWindow, maxPoints, width, height, grouping, exclude);
        }

        public Options withSize(int w, int h) {
            return new Options(xKey, prefix, smoothWindow, maxPoints, w, h, grouping, exclude);
        }
    }

    private MetricsCurves() {
    }

    /** The default key group (see the class comment). */
    public static String defaultGroup(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        if (k.equals("loss_d") || k.startsWith("loss_d_")) {
            return "loss_d";
        }
        if (k.startsWith("loss")) {
            return "loss";
        }
        if (k.startsWith("lr")) {
            return "lr";
        }
        if (k.contains("miou") || k.contains("iou") || k.contains("acc")) {
            return "eval";
        }
        return key;
    }

    /** Charts of a metrics file with default options; returns the written files (none if no data). */
    public static List<Path> plot(Path metricsFile, Path outDir) {
        return plot(metricsFile, outDir, Options.defaults());
    }

    public static List<Path> plot(Path metricsFile, Path outDir, Options o) {
        return plot(JsonLines.read(metricsFile), outDir, o);
    }

    /** Charts of metric records; returns the written files in group order of first appearance. */
    public static List<Path> plot(List<Map<String, Object>> records, Path outDir, Options o) {
        // key -> (x, y) points, in record order
        Map<String, List<double[]>> points = new LinkedHashMap<>();
        for (Map<String, Object> r : records) {
            Double x = number(r.get(o.xKey()));
            if (x == null) {
                continue;
            }
            for (Map.Entry<String, Object> e : r.entrySet()) {
                String k = e.getKey();
                if (k.equals(o.xKey()) || o.exclude().contains(k)) {
                    continue;
                }
                Double y = number(e.getValue());
                if (y == null) {
                    continue;
                }
                points.computeIfAbsent(k, kk -> new ArrayList<>()).add(new double[]{x, y});
            }
        }
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (String k : points.keySet()) {
            groups.computeIfAbsent(o.grouping().apply(k), g -> new ArrayList<>()).add(k);
        }
        List<Path> written = new ArrayList<>();
        for (Map.Entry<String, List<String>> g : groups.entrySet()) {
            List<Charts.Series> series = new ArrayList<>();
            int colorIndex = 0;
            for (String k : g.getValue()) {
                List<double[]> pts = points.get(k);
                double[] x = new double[pts.size()];
                double[] y = new double[pts.size()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = pts.get(i)[0];
                    y[i] = pts.get(i)[1];
                }
                Color c = Charts.PALETTE[colorIndex++ % Charts.PALETTE.length];
                int w = o.smoothWindow() > 0 ? o.smoothWindow()
                        : (g.getKey().startsWith("loss") && x.length >= 200 ? x.length / 50 : 1);
                if (w > 1 && x.length > w) {
                    Color faint = new Color(c.getRed(), c.getGreen(), c.getBlue(), 60);
                    series.add(thin(new Charts.Series(k, x, y, faint, 1f), o.maxPoints()));
                    series.add(thin(new Charts.Series(k + " (avg " + w + ")", x, movingAverage(y, w), c, 2f),
                            o.maxPoints()));
                } else {
                    series.add(thin(new Charts.Series(k, x, y, c, 0f), o.maxPoints()));
                }
            }
            boolean fewPoints = series.stream().allMatch(s -> s.x().length <= 30);
            Path file = outDir.resolve(o.prefix() + safe(g.getKey()) + ".png");
            try {
                Charts.Style style = Charts.Style.defaults().withSize(o.width(), o.height()).withMarkers(fewPoints);
                if (g.getKey().equals("lr")) {
                    style = style.withYPattern("0.0##E0");
                }
                Charts.line(file, g.getKey(), o.xKey(), g.getKey(), series, style);
            } catch (IllegalArgumentException e) {
                continue; // no finite point in this group
            }
            written.add(file);
        }
        return written;
    }

    /** Trailing moving average (the first values average what exists so far); NaNs are skipped. */
    static double[] movingAverage(double[] y, int w) {
        double[] out = new double[y.length];
        double sum = 0;
        int n = 0;
        for (int i = 0; i < y.length; i++) {
            if (Double.isFinite(y[i])) {
                sum += y[i];
                n++;
            }
            if (i >= w && Double.isFinite(y[i - w])) {
                sum -= y[i - w];
                n--;
            }
            out[i] = n == 0 ? Double.NaN : sum / n;
        }
        return out;
    }

    private static Charts.Series thin(Charts.Series s, int maxPoints) {
        int n = s.x().length;
        if (maxPoints <= 0 || n <= maxPoints) {
            return s;
        }
        int stride = (n + maxPoints - 1) / maxPoints;
        int m = (n + stride - 1) / stride;
        double[] x = new double[m];
        double[] y = new double[m];
        for (int i = 0, j = 0; i < n; i += stride, j++) {
            x[j] = s.x()[i];
            y[j] = s.y()[i];
        }
        return new Charts.Series(s.name(), x, y, s.color(), s.lineWidth());
    }

    /** A number from a JSON value: numbers, and numeric strings ("NaN" included). */
    private static Double number(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
