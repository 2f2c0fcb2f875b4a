package io.udas.sweep;

import io.udas.sweep.SweepSpec.Mode;
import io.udas.util.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sweep's PNG plots, drawn with XChart directly (kept in this one class so that it can move onto the
 * project's shared chart helper): score against each parameter, and the optional curve (score over x, one
 * line per series: the thesis' SL-vs-UDAS figure over the labeled-subset size).
 */
final class SweepCharts {
    private static final int W = 800;
    private static final int H = 500;

    private SweepCharts() {
    }

    /** Writes the plots into {@code dir}; returns their file names. Plot failures never fail a sweep. */
    static List<String> write(Sweep sweep, List<Trial> plan, List<TrialResult> results, DataDependency dd, java.nio.file.Path dir) {
        System.setProperty("java.awt.headless", "true");
        List<String> files = new ArrayList<>();
        boolean pct = sweep.spec.score.percent;
        String yTitle = sweep.spec.score.key + (pct ? " (%)" : "");
        List<TrialResult> ok = results.stream().filter(TrialResult::hasScore).toList();
        try {
            if (!ok.isEmpty()) {
                for (Param p : sweep.params) {
                    String f = "score-vs-" + safe(p.name) + ".png";
                    Chart<?, ?> c = p.numeric() ? scatter(p, ok, yTitle, pct) : bars(p, ok, yTitle, pct, sweep.spec.score.mode);
                    save(c, dir.resolve(f));
                    files.add(f);
                }
            }
            if (dd != null && dd.scores().values().stream().anyMatch(m -> !m.isEmpty())) {
                SweepSpec.Curve cv = sweep.spec.report.curve;
                String f = "curve-" + safe(cv.x) + ".png";
                save(curve(dd, cv.title != null ? cv.title : sweep.name, cv.xLabel != null ? cv.xLabel : cv.x, yTitle,
                        pct, yTitle), dir.resolve(f));
                files.add(f);
            }
        } catch (RuntimeException | Error e) {
            System.err.println("[sweep] warning: plots not written: " + e);
        }
        return files;
    }

    static XYChart scatter(Param p, List<TrialResult> ok, String yTitle, boolean pct) {
        XYChart c = new XYChartBuilder().width(W).height(H).title(yTitle + " vs " + p.name).xAxisTitle(p.name)
                .yAxisTitle(yTitle).build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setLegendVisible(false);
        c.getStyler().setMarkerSize(9);
        c.getStyler().setYAxisDecimalPattern(pct ? "#0.0" : "#0.000");
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (TrialResult r : ok) {
            Double x = Values.numeric(r.params().get(p.name));
            if (x != null) {
                xs.add(x);
                ys.add(pct ? r.score() * 100 : r.score());
            }
        }
        boolean log = p.scale == SweepSpec.Scale.LOG && xs.stream().allMatch(x -> x > 0);
        c.getStyler().setXAxisLogarithmic(log);
        if (xs.isEmpty()) {
            xs.add(0.0);
            ys.add(0.0);
        }
        c.addSeries("trials", xs, ys).setMarker(SeriesMarkers.CIRCLE);
        return c;
    }

    static CategoryChart bars(Param p, List<TrialResult> ok, String yTitle, boolean pct, Mode mode) {
        CategoryChart c = new CategoryChartBuilder().width(W).height(H).title("best " + yTitle + " per " + p.name)
                .xAxisTitle(p.name).yAxisTitle(yTitle).build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setYAxisDecimalPattern(pct ? "#0.0" : "#0.000");
        c.getStyler().setLabelsVisible(true);
        Map<String, Double> best = new LinkedHashMap<>();
        for (Param.Choice ch : p.choices) {
            best.put(ch.text(), null);
        }
        for (TrialResult r : ok) {
            String v = r.params().get(p.name);
            Double old = best.get(v);
            if (v != null && (old == null || (mode == Mode.MAX ? r.score() > old : r.score() < old))) {
                best.put(v, r.score());
            }
        }
        List<String> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        best.forEach((k, v) -> {
            if (v != null) {
                xs.add(k);
                ys.add(pct ? v * 100 : v);
            }
        });
        c.addSeries("best", xs, ys);
        return c;
    }

    static XYChart curve(DataDependency dd, String title, String xTitle, String yTitle, boolean pct, String single) {
        XYChart c = new XYChartBuilder().width(W).height(H).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        c.getStyler().setMarkerSize(8);
        c.getStyler().setYAxisDecimalPattern(pct ? "#0.0" : "#0.000");
        for (String s : dd.series()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            List<String> ordered = new ArrayList<>(dd.xs());
            java.util.Collections.reverse(ordered); // ascending x
            for (String x : ordered) {
                Double v = dd.score(s, x);
                Double xn = Values.numeric(x);
                if (v != null && xn != null) {
                    xs.add(xn);
                    ys.add(pct ? v * 100 : v);
                }
            }
            if (!xs.isEmpty()) {
                c.addSeries(s.isEmpty() ? single : s, xs, ys).setMarker(SeriesMarkers.CIRCLE);
            }
        }
        return c;
    }

    private static void save(Chart<?, ?> c, java.nio.file.Path file) {
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(c, out, BitmapEncoder.BitmapFormat.PNG));
    }

    static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
