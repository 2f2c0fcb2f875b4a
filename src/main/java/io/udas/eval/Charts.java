package io.udas.eval;

import io.udas.util.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Small XChart helpers that write PNG charts atomically (temp file + rename): line charts (loss curves,
 * score vs parameter, optional log axes), scatter plots, single and grouped bar charts. Headless-safe:
 * {@code java.awt.headless} is set to true unless the JVM was started with a value for it.
 *
 * <p>Non-finite points are dropped from line and scatter series, and so are non-positive ones on a
 * logarithmic axis; a NaN bar is drawn as an empty slot. A chart with no drawable point at all is an
 * {@link IllegalArgumentException} (naming the chart), never an empty image.
 */
public final class Charts {
    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** Default size of a chart in pixels. */
    public static final int DEFAULT_WIDTH = 900;
    public static final int DEFAULT_HEIGHT = 560;

    /** A 10-colour palette (Tableau 10) that stays readable in print. */
    public static final Color[] PALETTE = {
            new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40),
            new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194), new Color(127, 127, 127),
            new Color(188, 189, 34), new Color(23, 190, 207)};

    private Charts() {
    }

    /**
     * Makes sure AWT runs headless (no display needed); call before any other AWT use if a caller draws
     * images itself. A no-op when the JVM was started with {@code -Djava.awt.headless=...}.
     */
    public static boolean ensureHeadless() {
        return Boolean.parseBoolean(System.getProperty("java.awt.headless"));
    }

    /**
     * One series of an XY chart. {@code color} and {@code lineWidth} are optional (null / 0 = default).
     */
    public record Series(String name, double[] x, double[] y, Color color, float lineWidth) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values, " + y.length
                        + " y values");
            }
        }

        public Series(String name, double[] x, double[] y) {
            this(name, x, y, null, 0f);
        }
    }

    /**
     * Chart options: size, logarithmic axes, markers on lines, optional y range, legend, value labels on
     * bars and their decimal pattern. Immutable; use the {@code with...} methods.
     */
    public record Style(int width, int height, boolean logX, boolean logY, boolean markers, Double yMin, Double yMax,
                        boolean legend, boolean barLabels, String yPattern) {
        public Style {
            if (width < 50 || height < 50 || width > 10000 || height > 10000) {
                throw new IllegalArgumentException("chart size " + width + "x" + height + " out of range 50..10000");
            }
        }

        public static Style defaults() {
            return new Style(DEFAULT_WIDTH, DEFAULT_HEIGHT, false, false, false, null, null, true, false, null);
        }

        public Style withSize(int w, int h) {
            return new Style(w, h, logX, logY, markers, yMin, yMax, legend, barLabels, yPattern);
        }

        public Style withLogX(boolean v) {
            return new Style(width, height, v, logY, markers, yMin, yMax, legend, barLabels, yPattern);
        }

        public Style withLogY(boolean v) {
            return new Style(width, height, logX, v, markers, yMin, yMax, legend, barLabels, yPattern);
        }

        public Style withMarkers(boolean v) {
            return new Style(width, height, logX, logY, v, yMin, yMax, legend, barLabels, yPattern);
        }

        /** Fixed y range; either bound may be null (automatic). */
        public Style withYRange(Double min, Double max) {
            return new Style(width, height, logX, logY, markers, min, max, legend, barLabels, yPattern);
        }

        public Style withLegend(boolean v) {
            return new Style(width, height, logX, logY, markers, yMin, yMax, v, barLabels, yPattern);
        }

        /** Values written on top of bars. */
        public Style withBarLabels(boolean v) {
            return new Style(width, height, logX, logY, markers, yMin, yMax, legend, v, yPattern);
        }

        /** A java.text.DecimalFormat pattern for y values (axis and bar labels), e.g. "0.0". */
        public Style withYPattern(String pattern) {
            return new Style(width, height, logX, logY, markers, yMin, yMax, legend, barLabels, pattern);
        }
    }

    // ------------------------------------------------------------------ XY charts

    /** A line chart with default style. */
    public static void line(Path file, String title, String xLabel, String yLabel, List<Series> series) {
        line(file, title, xLabel, yLabel, series, Style.defaults());
    }

    /** A line chart: one line per series (each with its own x values). */
    public static void line(Path file, String title, String xLabel, String yLabel, List<Series> series, Style style) {
        write(file, xy(title, xLabel, yLabel, series, style, XYSeries.XYSeriesRenderStyle.Line));
    }

    /** A scatter plot with default style. */
    public static void scatter(Path file, String title, String xLabel, String yLabel, List<Series> series) {
        scatter(file, title, xLabel, yLabel, series, Style.defaults());
    }

    /** A scatter plot: markers only. */
    public static void scatter(Path file, String title, String xLabel, String yLabel, List<Series> series, Style style) {
        write(file, xy(title, xLabel, yLabel, series, style, XYSeries.XYSeriesRenderStyle.Scatter));
    }

    static XYChart xy(String title, String xLabel, String yLabel, List<Series> series, Style style,
                      XYSeries.XYSeriesRenderStyle render) {
        XYChart chart = new XYChartBuilder().width(style.width()).height(style.height()).title(nz(title))
                .xAxisTitle(nz(xLabel)).yAxisTitle(nz(yLabel)).build();
        commonStyle(chart.getStyler(), style);
        chart.getStyler().setDefaultSeriesRenderStyle(render);
        chart.getStyler().setXAxisLogarithmic(style.logX());
        chart.getStyler().setYAxisLogarithmic(style.logY());
        chart.getStyler().setMarkerSize(render == XYSeries.XYSeriesRenderStyle.Scatter ? 7 : 5);
        chart.getStyler().setXAxisTickMarkSpacingHint(Math.max(100, style.width() / 8));
        if (!style.logX()) {
            chart.getStyler().setxAxisTickLabelsFormattingFunction(Charts::compactNumber);
        }
        int added = 0;
        int colorIndex = 0;
        for (Series s : series) {
            double[][] xy = finitePoints(s.x(), s.y(), style.logX(), style.logY());
            Color color = s.color() != null ? s.color() : PALETTE[colorIndex % PALETTE.length];
            colorIndex++;
            if (xy[0].length == 0) {
                continue;
            }
            XYSeries xs = chart.addSeries(uniqueName(chart.getSeriesMap().keySet(), s.name()), xy[0], xy[1]);
            xs.setLineColor(color);
            xs.setMarkerColor(color);
            xs.setFillColor(color);
            if (s.lineWidth() > 0) {
                xs.setLineWidth(s.lineWidth());
            }
            if (render == XYSeries.XYSeriesRenderStyle.Line && !style.markers()) {
                xs.setMarker(SeriesMarkers.NONE);
            } else {
                xs.setMarker(SeriesMarkers.CIRCLE);
            }
            added++;
        }
        if (added == 0) {
            throw new IllegalArgumentException("chart '" + title + "' has no drawable point");
        }
        if (!style.logX()) {
            avoidDataAlignedTicks(chart);
        }
        return chart;
    }

    /**
     * XChart puts x ticks only on data values when all x values are equally spaced; with many points
     * (iterations 10, 20, ...) that gives odd, crowded labels. Extending the axis by half a step past
     * the last point (invisible) gives the usual round-number ticks instead.
     */
    private static void avoidDataAlignedTicks(XYChart chart) {
        java.util.TreeSet<Double> xs = new java.util.TreeSet<>();
        for (XYSeries s : chart.getSeriesMap().values()) {
            for (double x : s.getXData()) {
                xs.add(x);
            }
        }
        if (xs.size() <= 20) {
            return;
        }
        double first = xs.first();
        double step = xs.higher(first) - first;
        double prev = Double.NaN;
        for (double x : xs) {
            if (!Double.isNaN(prev) && Math.abs(x - prev - step) > 1e-4) {
                return; // not equally spaced: XChart picks round ticks by itself
            }
            prev = x;
        }
        chart.getStyler().setXAxisMax(xs.last() + step / 2);
    }

    /** The points of a series that can be drawn: finite, and positive on a log axis. */
    static double[][] finitePoints(double[] x, double[] y, boolean logX, boolean logY) {
        double[] fx = new double[x.length];
        double[] fy = new double[y.length];
        int n = 0;
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i]) && (!logX || x[i] > 0) && (!logY || y[i] > 0)) {
                fx[n] = x[i];
                fy[n] = y[i];
                n++;
            }
        }
        return new double[][]{Arrays.copyOf(fx, n), Arrays.copyOf(fy, n)};
    }

    // ------------------------------------------------------------------ bar charts

    /** A bar chart of one value per category (e.g. mIoU per method), default style with value labels. */
    public static void bar(Path file, String title, String xLabel, String yLabel, List<String> categories,
                           double[] values) {
        bar(file, title, xLabel, yLabel, categories, values, Style.defaults().withBarLabels(true).withLegend(false));
    }

    public static void bar(Path file, String title, String xLabel, String yLabel, List<String> categories,
                           double[] values, Style style) {
        Map<String, double[]> one = new java.util.LinkedHashMap<>();
        one.put(yLabel == null || yLabel.isEmpty() ? "value" : yLabel, values);
        write(file, category(title, xLabel, yLabel, categories, one, style));
    }

    /** A grouped bar chart with default style: per category, one bar per group (in map order). */
    public static void groupedBar(Path file, String title, String xLabel, String yLabel, List<String> categories,
                                  Map<String, double[]> groups) {
        groupedBar(file, title, xLabel, yLabel, categories, groups, Style.defaults());
    }

    public static void groupedBar(Path file, String title, String xLabel, String yLabel, List<String> categories,
                                  Map<String, double[]> groups, Style style) {
        write(file, category(title, xLabel, yLabel, categories, groups, style));
    }

    static CategoryChart category(String title, String xLabel, String yLabel, List<String> categories,
                                  Map<String, double[]> groups, Style style) {
        if (categories.isEmpty() || groups.isEmpty()) {
            throw new IllegalArgumentException("chart '" + title + "' has no categories or no series");
        }
        CategoryChart chart = new CategoryChartBuilder().width(style.width()).height(style.height()).title(nz(title))
                .xAxisTitle(nz(xLabel)).yAxisTitle(nz(yLabel)).build();
        commonStyle(chart.getStyler(), style);
        chart.getStyler().setYAxisLogarithmic(style.logY());
        chart.getStyler().setLabelsVisible(style.barLabels());
        chart.getStyler().setOverlapped(false);
        chart.getStyler().setAvailableSpaceFill(groups.size() > 1 ? 0.8 : 0.6);
        int maxLabel = categories.stream().mapToInt(String::length).max().orElse(0);
        if (categories.size() > 6 || maxLabel * categories.size() > 60) {
            chart.getStyler().setXAxisLabelRotation(45);
        }
        boolean anyValue = false;
        int colorIndex = 0;
        for (Map.Entry<String, double[]> g : groups.entrySet()) {
            double[] v = g.getValue();
            if (v.length != categories.size()) {
                throw new IllegalArgumentException("chart '" + title + "', series '" + g.getKey() + "': " + v.length
                        + " values for " + categories.size() + " categories");
            }
            List<Number> y = new ArrayList<>(v.length);
            for (double d : v) {
                boolean ok = Double.isFinite(d) && (!style.logY() || d > 0);
                y.add(ok ? d : null);
                anyValue |= ok;
            }
            CategorySeries s = chart.addSeries(uniqueName(chart.getSeriesMap().keySet(), g.getKey()),
                    new ArrayList<>(categories), y);
            Color c = PALETTE[colorIndex++ % PALETTE.length];
            s.setFillColor(c);
            s.setLineColor(c);
            s.setMarkerColor(c);
        }
        if (!anyValue) {
            throw new IllegalArgumentException("chart '" + title + "' has no finite value");
        }
        return chart;
    }

    // ------------------------------------------------------------------ common

    private static void commonStyle(AxesChartStyler st, Style style) {
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotBorderVisible(true);
        st.setPlotGridLinesColor(new Color(225, 225, 225));
        st.setChartTitleBoxVisible(false);
        st.setLegendVisible(style.legend());
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setLegendBorderColor(Color.WHITE);
        st.setAntiAlias(true);
        st.setSeriesColors(PALETTE);
        if (style.yMin() != null) {
            st.setYAxisMin(style.yMin());
        }
        if (style.yMax() != null) {
            st.setYAxisMax(style.yMax());
        }
        if (style.yPattern() != null) {
            st.setYAxisDecimalPattern(style.yPattern());
        }
    }

    private static String uniqueName(java.util.Set<String> taken, String name) {
        String base = name == null || name.isEmpty() ? "series" : name;
        String n = base;
        for (int i = 2; taken.contains(n); i++) {
            n = base + " (" + i + ")";
        }
        return n;
    }

    /** Short axis labels: 12500 -> "12.5k", 2000000 -> "2M", small values as they are. */
    static String compactNumber(Double v) {
        if (v == null) {
            return "";
        }
        double a = Math.abs(v);
        if (a >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (a >= 1e3) {
            return trim(v / 1e3) + "k";
        }
        if (a >= 1 || a == 0) {
            return trim(v);
        }
        return new java.text.DecimalFormat("0.###E0", java.text.DecimalFormatSymbols.getInstance(java.util.Locale.ROOT))
                .format(v).replace("E0", "");
    }

    private static String trim(double v) {
        String s = String.format(java.util.Locale.ROOT, "%.2f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** Encodes a chart as PNG bytes. */
    static byte[] png(Chart<?, ?> chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode chart: " + e.getMessage(), e);
        }
    }

    /** Writes a chart as a PNG file, atomically. */
    public static void write(Path file, Chart<?, ?> chart) {
        AtomicFiles.writeBytes(file, png(chart));
    }
}
