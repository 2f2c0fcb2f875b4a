package io.udas.pipeline;

import io.udas.eval.Charts;
import io.udas.eval.ComparisonTable;
import io.udas.eval.SegMetrics;
import io.udas.train.TrainingLoop;
import io.udas.util.AtomicFiles;
import io.udas.util.Json;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pipeline's report: the thesis' stage table (No adaptation, Style transfer, ST + UDA,
 * ST + UDA + SSL: per-class IoU and mIoU of each stage's best model on target val) as Markdown, JSON and
 * PNG charts, the wall time per stage, and {@code summary.json} whose {@code score} (what sweeps read)
 * is the target-val mIoU of the last stage with a model: the experiment's final model.
 *
 * <p>Files in the output folder: {@code stage-table.md}, {@code stage-table.json} ({@link ComparisonTable}
 * JSON plus {@code stages}: name, folder, row, mIoU, seconds, skipped), {@code stage-table.png} (mIoU per
 * row), {@code stage-table-classes.png} (IoU per class and row) and {@code summary.json}.
 */
public final class StageTable {
    public static final String MD = "stage-table.md";
    public static final String JSON = "stage-table.json";
    public static final String PNG = "stage-table.png";
    public static final String CLASSES_PNG = "stage-table-classes.png";
    public static final String TITLE = "UDAS stage table (target val)";

    private StageTable() {
    }

    /** The summary of a pipeline run. */
    public record Summary(double score, String finalStage, String finalModel, double bestScore, String bestStage,
                          double totalSeconds, ComparisonTable table) {
    }

    @SuppressWarnings("unchecked")
    static SegMetrics metrics(Pipeline.Outcome o) {
        Object tv = o.result().get(Pipeline.TARGET_VAL);
        return tv instanceof Map<?, ?> m ? SegMetrics.fromJson((Map<String, Object>) m) : null;
    }

    /** Builds the table from the stages' results and writes every report file into {@code out}. */
    public static Summary write(Path out, List<Pipeline.Outcome> outcomes) {
        ComparisonTable table = null;
        double score = Double.NaN;
        double best = Double.NaN;
        String finalStage = null;
        String finalModel = null;
        String bestStage = null;
        double total = 0;
        List<Map<String, Object>> stages = new ArrayList<>();
        for (Pipeline.Outcome o : outcomes) {
            SegMetrics m = metrics(o);
            String row = o.stage().row();
            if (m != null && row != null) {
                if (table == null) {
                    table = ComparisonTable.perClassIoU(TITLE, m.classNames());
                }
                table.add(row, m);
                score = m.miou();
                finalStage = o.stage().name();
                finalModel = o.result().get("model") instanceof String s ? s : null;
                if (Double.isFinite(m.miou()) && (!Double.isFinite(best) || m.miou() > best)) {
                    best = m.miou();
                    bestStage = o.stage().name();
                }
            }
            if (Double.isFinite(o.seconds())) {
                total += o.seconds();
            }
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", o.stage().name());
            s.put("folder", o.stage().folder());
            s.put("row", row);
            s.put("miou", m == null ? null : finite(m.miou()));
            s.put("seconds", finite(o.seconds()));
            s.put("skipped", o.skipped());
            stages.add(s);
        }
        // the table itself carries TITLE as its caption
        StringBuilder md = new StringBuilder("# UDAS pipeline report\n\n");
        if (table != null) {
            md.append(table.markdown()).append('\n');
            Map<String, Object> j = new LinkedHashMap<>(table.toJson());
            j.put("stages", stages);
            Json.write(out.resolve(JSON), j);
            try {
                table.writeBarChart(out.resolve(PNG));
                table.writeGroupedBarChart(out.resolve(CLASSES_PNG), null,
                        Charts.Style.defaults().withSize(1400, 600));
            } catch (RuntimeException e) {
                System.out.println("pipeline: warning: could not draw the stage table charts: " + e.getMessage());
            }
        } else {
            md.append("No stage with a model was evaluated on target val (data.target_val missing?).\n\n");
            Json.write(out.resolve(JSON), Map.of("stages", stages));
        }
        md.append("## Wall time per stage\n\n| stage | folder | table row | mIoU (%) | wall time |\n|---|---|---|---:|---:|\n");
        for (Map<String, Object> s : stages) {
            md.append("| ").append(s.get("name")).append(" | ").append(s.get("folder")).append(" | ")
                    .append(s.get("row") == null ? "" : s.get("row")).append(" | ")
                    .append(s.get("miou") instanceof Number n ? String.format(Locale.ROOT, "%.1f", 100 * n.doubleValue()) : "")
                    .append(" | ").append(s.get("seconds") instanceof Number n ? duration(n.doubleValue()) : "?")
                    .append(Boolean.TRUE.equals(s.get("skipped")) ? " (earlier run)" : "").append(" |\n");
        }
        md.append("| **total** | | | | **").append(duration(total)).append("** |\n");
        AtomicFiles.writeString(out.resolve(MD), md.toString());
        Map<String, Object> sum = new LinkedHashMap<>();
        sum.put("score", finite(score));
        sum.put("score_is", "target-val mIoU (fraction) of the final stage's best model");
        sum.put("final_stage", finalStage);
        sum.put("final_model", finalModel);
        sum.put("best_miou", finite(best));
        sum.put("best_stage", bestStage);
        sum.put("total_seconds", total);
        sum.put("stages", stages);
        Json.write(out.resolve(TrainingLoop.SUMMARY), sum);
        return new Summary(score, finalStage, finalModel, best, bestStage, total, table);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
