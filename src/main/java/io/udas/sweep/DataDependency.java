package io.udas.sweep;

import io.udas.sweep.SweepSpec.Mode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The thesis' data-dependency table: per method (series) and labeled-subset size (x), the score and its change
 * against the reference run (the full-label run, i.e. the largest x, unless another x is configured). Where several
 * trials share a cell (other parameters varied too), the best one counts.
 *
 * @param xs        x values, largest first (2975, 1000, 500, 100, 0)
 * @param series    series labels in plan order (sl, udas); a single "" when there is no series parameter
 * @param scores    series -> x -> best score (absent: no successful trial)
 * @param reference the x value the changes are relative to
 */
public record DataDependency(String xName, String seriesName, List<String> xs, List<String> series,
                             Map<String, Map<String, Double>> scores, String reference) {

    /** Builds the table from the planned trials (which cells exist) and the results (their scores). */
    public static DataDependency compute(String xName, String seriesName, String reference, List<Trial> plan,
                                         List<TrialResult> results, Mode mode) {
        Set<String> xs = new LinkedHashSet<>();
        Set<String> series = new LinkedHashSet<>();
        for (Trial t : plan) {
            xs.add(t.values().get(xName));
            series.add(seriesName == null ? "" : t.values().get(seriesName));
        }
        Map<String, Map<String, Double>> scores = new LinkedHashMap<>();
        for (String s : series) {
            scores.put(s, new LinkedHashMap<>());
        }
        for (TrialResult r : results) {
            if (!r.hasScore()) {
                continue;
            }
            String x = r.params().get(xName);
            String s = seriesName == null ? "" : r.params().get(seriesName);
            if (x == null || s == null) {
                continue;
            }
            xs.add(x);
            Map<String, Double> row = scores.computeIfAbsent(s, k -> new LinkedHashMap<>());
            series.add(s);
            String key = canonical(xs, x);
            Double old = row.get(key);
            if (old == null || (mode == Mode.MAX ? r.score() > old : r.score() < old)) {
                row.put(key, r.score());
            }
        }
        List<String> xl = new ArrayList<>(new LinkedHashSet<>(xs.stream().map(x -> canonical(xs, x)).toList()));
        xl.sort(Comparator.comparing((String x) -> Values.numeric(x) == null ? Double.NEGATIVE_INFINITY : Values.numeric(x))
                .reversed());
        String ref;
        if (reference == null || reference.equals("max")) {
            ref = xl.isEmpty() ? null : xl.get(0);
        } else {
            ref = xl.stream().filter(x -> Values.same(x, reference)).findFirst().orElse(reference);
        }
        return new DataDependency(xName, seriesName, List.copyOf(xl), List.copyOf(series), scores, ref);
    }

    /** The first spelling of an x value among equal ones (100 and 100.0 are one row). */
    private static String canonical(Set<String> xs, String x) {
        for (String e : xs) {
            if (Values.same(e, x)) {
                return e;
            }
        }
        return x;
    }

    public Double score(String series, String x) {
        Map<String, Double> row = scores.get(series);
        return row == null ? null : row.get(x);
    }

    /** The change against the reference run of the same series; null where either is missing or at the reference. */
    public Double delta(String series, String x) {
        Double v = score(series, x);
        Double r = reference == null ? null : score(series, reference);
        if (v == null || r == null || Values.same(x, reference)) {
            return null;
        }
        return v - r;
    }

    /** Markdown in the thesis' format: one row per subset size, per method its score and its change. */
    public String markdown(String xLabel, boolean percent) {
        StringBuilder sb = new StringBuilder("| ").append(xLabel == null ? xName : xLabel).append(" |");
        StringBuilder align = new StringBuilder("|---:|");
        for (String s : series) {
            String n = s.isEmpty() ? "" : s + " ";
            sb.append(' ').append(n).append("mIoU | ").append(n).append("Δ |");
            align.append("---:|---:|");
        }
        sb.append('\n').append(align).append('\n');
        for (String x : xs) {
            sb.append("| ").append(x).append(" |");
            for (String s : series) {
                Double v = score(s, x);
                Double d = delta(s, x);
                String dt = v == null ? "–" : Values.same(x, reference) ? "ref" : d == null ? "–" : signed(d, percent);
                sb.append(' ').append(v == null ? "–" : SweepReport.formatScore(v, percent)).append(" | ").append(dt).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The same table as CSV (raw scores and changes). */
    public String csv() {
        StringBuilder sb = new StringBuilder(ResultsCsv.escape(xName));
        for (String s : series) {
            String n = s.isEmpty() ? "" : s + "_";
            sb.append(',').append(ResultsCsv.escape(n + "score")).append(',').append(ResultsCsv.escape(n + "delta"));
        }
        sb.append('\n');
        for (String x : xs) {
            sb.append(ResultsCsv.escape(x));
            for (String s : series) {
                Double v = score(s, x);
                Double d = delta(s, x);
                sb.append(',').append(v == null ? "" : String.format(Locale.ROOT, "%.6f", v))
                        .append(',').append(d == null ? "" : String.format(Locale.ROOT, "%.6f", d));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String signed(double d, boolean percent) {
        String t = SweepReport.formatScore(Math.abs(d), percent);
        return (d < 0 ? "-" : "+") + t;
    }
}
