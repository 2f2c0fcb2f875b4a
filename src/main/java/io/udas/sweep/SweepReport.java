package io.udas.sweep;

import io.udas.sweep.SweepSpec.Mode;
import io.udas.sweep.TrialResult.Status;
import io.udas.util.AtomicFiles;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The end of a sweep: the best trial, the ranked table (printed and in report.md), the plots (score against
 * each parameter, and the optional curve), and the data-dependency table in the thesis' format.
 */
public final class SweepReport {
    public static final String FILE = "report.md";

    private SweepReport() {
    }

    /** Successful trials, best first (ties: lower index first). */
    public static List<TrialResult> ranked(List<TrialResult> results, Mode mode) {
        Comparator<TrialResult> byScore = Comparator.comparingDouble(TrialResult::score);
        if (mode == Mode.MAX) {
            byScore = byScore.reversed();
        }
        List<TrialResult> ok = new ArrayList<>(results.stream().filter(TrialResult::hasScore).toList());
        ok.sort(byScore.thenComparingInt(TrialResult::index));
        return ok;
    }

    /** The best trial (argmax of the score, or argmin for mode: min), or null if none has a score. */
    public static TrialResult best(List<TrialResult> results, Mode mode) {
        List<TrialResult> r = ranked(results, mode);
        return r.isEmpty() ? null : r.get(0);
    }

    public static String formatScore(double v, boolean percent) {
        return percent ? String.format(Locale.ROOT, "%.1f", v * 100) : String.format(Locale.ROOT, "%.4f", v);
    }

    static SweepRunner.Outcome write(Sweep sweep, List<Trial> plan, List<TrialResult> results, Path dir, PrintStream out,
                                     boolean plots) {
        Mode mode = sweep.spec.score.mode;
        boolean pct = sweep.spec.score.percent;
        List<String> names = sweep.paramNames();
        List<TrialResult> ranked = ranked(results, mode);
        TrialResult best = ranked.isEmpty() ? null : ranked.get(0);
        SweepRunner.Outcome o = new SweepRunner.Outcome(results.size(), count(results, Status.OK),
                count(results, Status.NO_SCORE), count(results, Status.FAILED), count(results, Status.TIMEOUT),
                count(results, Status.PENDING) + count(results, Status.RUNNING), best);

        String scoreName = sweep.spec.score.key + (pct ? " (%)" : "");
        StringBuilder md = new StringBuilder();
        md.append("# Sweep ").append(sweep.name).append("\n\n");
        md.append("Sweep file `").append(sweep.file).append("`, ").append(sweep.spec.search.kind.name().toLowerCase(Locale.ROOT))
                .append(" search, score `").append(sweep.spec.score.key).append("` of `").append(sweep.spec.score.file)
                .append("` (").append(mode.name().toLowerCase(Locale.ROOT)).append("imised).\n\n");
        md.append(String.format(Locale.ROOT, "Trials: %d, ok %d, no score %d, failed %d, timeout %d, not run %d.%n%n",
                o.trials(), o.ok(), o.noScore(), o.failed(), o.timeout(), o.pending()));
        if (best != null) {
            md.append("## Best trial\n\nTrial ").append(Trial.id(best.index())).append(": ").append(scoreName).append(" **")
                    .append(formatScore(best.score(), pct)).append("**, ");
            best.params().forEach((k, v) -> md.append('`').append(k).append('=').append(v).append("` "));
            md.append("(run folder `").append(best.runDir()).append("`).\n\n");
        } else {
            md.append("No trial has a score yet.\n\n");
        }

        List<String> header = new ArrayList<>(List.of("rank", "trial"));
        header.addAll(names);
        header.add(scoreName);
        header.add("duration");
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < ranked.size(); i++) {
            TrialResult r = ranked.get(i);
            List<String> row = new ArrayList<>(List.of(Integer.toString(i + 1), Trial.id(r.index())));
            names.forEach(n -> row.add(r.params().getOrDefault(n, "")));
            row.add(formatScore(r.score(), pct));
            row.add(r.durationS() == null ? "" : Durations.format(java.time.Duration.ofMillis((long) (r.durationS() * 1000))));
            rows.add(row);
        }
        md.append("## Ranking\n\n").append(markdownTable(header, rows)).append('\n');

        List<TrialResult> bad = results.stream().filter(r -> r.status() == Status.FAILED || r.status() == Status.TIMEOUT
                || r.status() == Status.NO_SCORE).sorted(Comparator.comparingInt(TrialResult::index)).toList();
        if (!bad.isEmpty()) {
            List<List<String>> br = new ArrayList<>();
            for (TrialResult r : bad) {
                List<String> row = new ArrayList<>(List.of(Trial.id(r.index())));
                names.forEach(n -> row.add(r.params().getOrDefault(n, "")));
                row.add(r.status().text());
                row.add(r.reason() == null ? "" : r.reason().replace("|", "\\|"));
                br.add(row);
            }
            List<String> bh = new ArrayList<>(List.of("trial"));
            bh.addAll(names);
            bh.addAll(List.of("status", "reason"));
            md.append("## Failed trials\n\n").append(markdownTable(bh, br)).append('\n');
        }

        SweepSpec.Curve curve = sweep.spec.report.curve;
        DataDependency dd = null;
        if (curve != null) {
            String ref = curve.reference == null ? "max" : curve.reference.asText();
            dd = DataDependency.compute(curve.x, curve.series, ref, plan, results, mode);
            String label = curve.xLabel != null ? curve.xLabel : curve.x;
            md.append("## ").append(curve.title != null ? curve.title : "Score over " + label).append("\n\n");
            md.append(dd.markdown(label, pct)).append('\n');
            md.append("Δ: change against the run with ").append(label).append(" = ").append(dd.reference())
                    .append(" of the same ").append(curve.series == null ? "sweep" : curve.series).append(".\n\n");
            AtomicFiles.writeString(dir.resolve("data-dependency.csv"), dd.csv());
        }

        if (plots) {
            List<String> pngs = SweepCharts.write(sweep, plan, results, dd, dir.resolve("plots"));
            if (!pngs.isEmpty()) {
                md.append("## Plots\n\n");
                for (String p : pngs) {
                    md.append("![").append(p).append("](plots/").append(p).append(")\n");
                }
                md.append('\n');
            }
        }
        md.append("Per-trial results: `results.csv`; each trial's config, log and outputs: `trials/NNN/`.\n");
        AtomicFiles.writeString(dir.resolve(FILE), md.toString());

        out.printf(Locale.ROOT, "[sweep] %s: %d trials: %d ok, %d no score, %d failed, %d timeout, %d not run%n",
                sweep.name, o.trials(), o.ok(), o.noScore(), o.failed(), o.timeout(), o.pending());
        if (!rows.isEmpty()) {
            out.print(textTable(header, rows));
        }
        if (best != null) {
            out.printf("[sweep] best: trial %s, %s %s (%s), run folder %s%n", Trial.id(best.index()), scoreName,
                    formatScore(best.score(), pct), describe(best.params()), dir.resolve(best.runDir()));
        }
        if (dd != null) {
            out.print(dd.markdown(curve.xLabel != null ? curve.xLabel : curve.x, pct));
        }
        out.println("[sweep] report: " + dir.resolve(FILE) + ", results: " + dir.resolve(ResultsCsv.FILE));
        return o;
    }

    private static String describe(Map<String, String> p) {
        StringBuilder sb = new StringBuilder();
        p.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return sb.toString();
    }

    private static int count(List<TrialResult> rs, Status s) {
        return (int) rs.stream().filter(r -> r.status() == s).count();
    }

    static String markdownTable(List<String> header, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder("| ").append(String.join(" | ", header)).append(" |\n|");
        header.forEach(h -> sb.append("---|"));
        sb.append('\n');
        for (List<String> r : rows) {
            sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        return sb.toString();
    }

    static String textTable(List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = header.get(i).length();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, w);
        for (List<String> r : rows) {
            line(sb, r, w);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<String> cells, int[] w) {
        for (int i = 0; i < cells.size(); i++) {
            sb.append(i == 0 ? "  " : "  ").append(String.format("%-" + w[i] + "s", cells.get(i)));
        }
        sb.append('\n');
    }
}
