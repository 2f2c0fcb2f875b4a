package io.udas.eval;

import com.fasterxml.jackson.core.type.TypeReference;
import io.udas.data.Cityscapes;
import io.udas.util.AtomicFiles;
import io.udas.util.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A table comparing several named results (rows) over named columns, written as Markdown, JSON and PNG
 * bar charts. The usual instance is {@link #perClassIoU}: columns = the class names then "mIoU", e.g. the
 * thesis stage table (No adaptation / Style transfer / ST+UDA / ST+UDA+SSL). Any other table works too,
 * e.g. mIoU per labeled-subset size (columns "2975", "1000", ...) with rows SL and UDAS.
 *
 * <p>Values are numbers; with {@code percent = true} they are fractions 0..1 shown as percent with one
 * decimal (JSON keeps the fractions). A missing value (NaN) shows as "-" and is {@code null} in JSON.
 *
 * <p>JSON ({@link #toJson()}): {@code title}, {@code percent}, {@code columns} (names, in order),
 * {@code summary_column} (the column charted by {@link #writeBarChart}, or null), {@code rows}: a list of
 * {@code {"name": ..., "values": {column: number or null}}}. {@link #fromJson} reads it back.
 *
 * <p>Not thread-safe (build it on one thread).
 */
public final class ComparisonTable {
    /** The summary column of {@link #perClassIoU}. */
    public static final String MIOU = "mIoU";

    private final String title;
    private final List<String> columns;
    private final boolean percent;
    private final String summaryColumn;
    private final List<Row> rows = new ArrayList<>();

    /** One named row; {@code values} in column order, NaN = missing. */
    public record Row(String name, double[] values) {
        public double value(int column) {
            return values[column];
        }
    }

    /**
     * @param summaryColumn the column charted by {@link #writeBarChart} (null = the last one)
     */
    public ComparisonTable(String title, List<String> columns, boolean percent, String summaryColumn) {
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("a comparison table needs at least one column");
        }
        if (columns.stream().distinct().count() != columns.size()) {
            throw new IllegalArgumentException("duplicate column names: " + columns);
        }
        this.title = title == null ? "" : title;
        this.columns = List.copyOf(columns);
        this.percent = percent;
        this.summaryColumn = summaryColumn == null ? columns.get(columns.size() - 1) : summaryColumn;
        if (!this.columns.contains(this.summaryColumn)) {
            throw new IllegalArgumentException("summary column '" + summaryColumn + "' is not one of " + columns);
        }
    }

    /** A per-class IoU table: columns = class names, then "mIoU"; values are fractions shown as percent. */
    public static ComparisonTable perClassIoU(String title, List<String> classNames) {
        List<String> cols = new ArrayList<>(classNames);
        cols.add(MIOU);
        return new ComparisonTable(title, cols, true, MIOU);
    }

    /** A per-class IoU table over the 19 Cityscapes classes. */
    public static ComparisonTable cityscapes(String title) {
        return perClassIoU(title, Cityscapes.CLASS_NAMES);
    }

    public String title() {
        return title;
    }

    public List<String> columns() {
        return columns;
    }

    public boolean percent() {
        return percent;
    }

    public String summaryColumn() {
        return summaryColumn;
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** The row with this name, or null. */
    public Row row(String name) {
        return rows.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
    }

    // ------------------------------------------------------------------ adding rows

    /** Adds a row of all column values (NaN = missing). */
    public ComparisonTable add(String name, double[] values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException("row '" + name + "' has " + values.length + " values for "
                    + columns.size() + " columns");
        }
        if (row(name) != null) {
            throw new IllegalArgumentException("duplicate row name '" + name + "'");
        }
        rows.add(new Row(name, values.clone()));
        return this;
    }

    /** Adds a row given by column name; unnamed columns are missing. Unknown names are an error. */
    public ComparisonTable add(String name, Map<String, ? extends Number> values) {
        double[] v = new double[columns.size()];
        Arrays.fill(v, Double.NaN);
        for (Map.Entry<String, ? extends Number> e : values.entrySet()) {
            int i = columns.indexOf(e.getKey());
            if (i < 0) {
                throw new IllegalArgumentException("row '" + name + "': unknown column '" + e.getKey() + "'; columns: "
                        + columns);
            }
            v[i] = e.getValue() == null ? Double.NaN : e.getValue().doubleValue();
        }
        return add(name, v);
    }

    /**
     * Adds a row from evaluation metrics (a per-class IoU table: class columns get the IoUs by name,
     * "mIoU" gets the mIoU). The metrics' classes must all be columns.
     */
    public ComparisonTable add(String name, SegMetrics m) {
        Map<String, Double> v = new LinkedHashMap<>();
        double[] iou = m.iou();
        for (int i = 0; i < iou.length; i++) {
            v.put(m.classNames().get(i), iou[i]);
        }
        if (columns.contains(MIOU)) {
            v.put(MIOU, m.miou());
        }
        return add(name, v);
    }

    /** Adds a row with per-class IoUs (null = unknown) and the mIoU, for a per-class IoU table. */
    public ComparisonTable add(String name, double[] classIoU, double miou) {
        int mi = columns.indexOf(MIOU);
        if (mi < 0) {
            throw new IllegalArgumentException("table has no '" + MIOU + "' column");
        }
        double[] v = new double[columns.size()];
        Arrays.fill(v, Double.NaN);
        if (classIoU != null) {
            if (classIoU.length != columns.size() - 1) {
                throw new IllegalArgumentException("row '" + name + "': " + classIoU.length + " class IoUs for "
                        + (columns.size() - 1) + " classes");
            }
            int k = 0;
            for (int i = 0; i < columns.size(); i++) {
                if (i != mi) {
                    v[i] = classIoU[k++];
                }
            }
        }
        v[mi] = miou;
        return add(name, v);
    }

    /** Adds a row with only the summary column (e.g. a published mIoU without per-class numbers). */
    public ComparisonTable addSummary(String name, double value) {
        double[] v = new double[columns.size()];
        Arrays.fill(v, Double.NaN);
        v[columns.indexOf(summaryColumn)] = value;
        return add(name, v);
    }

    // ------------------------------------------------------------------ reports

    String format(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return percent ? String.format(Locale.ROOT, "%.1f", 100 * v) : formatPlain(v);
    }

    private static String formatPlain(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        double a = Math.abs(v);
        return a >= 0.01 && a < 1e6 ? String.format(Locale.ROOT, "%.4g", v) : String.format(Locale.ROOT, "%.3e", v);
    }

    /** Markdown with the title as a bold line above the table; no highlighting. */
    public String markdown() {
        return markdown(false);
    }

    /**
     * A Markdown table: header "| | column... |", one line per row.
     *
     * @param boldBest bold the highest value of each column (ties all bold)
     */
    public String markdown(boolean boldBest) {
        StringBuilder sb = new StringBuilder();
        if (!title.isEmpty()) {
            sb.append("**").append(escapeMd(title)).append("**").append(percent ? " (%)" : "").append("\n\n");
        }
        sb.append("| |");
        for (String c : columns) {
            sb.append(' ').append(escapeMd(c)).append(" |");
        }
        sb.append("\n|---|");
        sb.append("---:|".repeat(columns.size()));
        sb.append('\n');
        double[] best = new double[columns.size()];
        Arrays.fill(best, Double.NaN);
        for (Row r : rows) {
            for (int i = 0; i < best.length; i++) {
                double v = r.values()[i];
                if (!Double.isNaN(v) && (Double.isNaN(best[i]) || v > best[i])) {
                    best[i] = v;
                }
            }
        }
        for (Row r : rows) {
            sb.append("| ").append(escapeMd(r.name())).append(" |");
            for (int i = 0; i < columns.size(); i++) {
                double v = r.values()[i];
                String s = format(v);
                boolean bold = boldBest && !Double.isNaN(v) && v == best[i] && rows.size() > 1;
                sb.append(' ').append(bold ? "**" + s + "**" : s).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String escapeMd(String s) {
        return s.replace("|", "\\|");
    }

    public Map<String, Object> toJson() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("title", title);
        j.put("percent", percent);
        j.put("columns", columns);
        j.put("summary_column", summaryColumn);
        List<Object> rs = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> values = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                values.put(columns.get(i), SegMetrics.nullIfNaN(r.values()[i]));
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", r.name());
            row.put("values", values);
            rs.add(row);
        }
        j.put("rows", rs);
        return j;
    }

    @SuppressWarnings("unchecked")
    public static ComparisonTable fromJson(Map<String, Object> j) {
        List<String> cols = new ArrayList<>();
        if (!(j.get("columns") instanceof List<?> cl)) {
            throw new IllegalArgumentException("comparison table JSON needs 'columns'");
        }
        for (Object o : cl) {
            cols.add(String.valueOf(o));
        }
        boolean percent = !(j.get("percent") instanceof Boolean b) || b;
        String summary = j.get("summary_column") instanceof String s ? s : null;
        ComparisonTable t = new ComparisonTable((String) j.getOrDefault("title", ""), cols, percent, summary);
        if (j.get("rows") instanceof List<?> rs) {
            for (Object o : rs) {
                Map<String, Object> row = (Map<String, Object>) o;
                Map<String, Object> values = (Map<String, Object>) row.getOrDefault("values", Map.of());
                Map<String, Double> v = new LinkedHashMap<>();
                for (Map.Entry<String, Object> e : values.entrySet()) {
                    v.put(e.getKey(), e.getValue() instanceof Number n ? n.doubleValue() : Double.NaN);
                }
                t.add(String.valueOf(row.get("name")), v);
            }
        }
        return t;
    }

    public static ComparisonTable readJson(Path file) {
        try {
            return fromJson(Json.MAPPER.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {
            }));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read comparison table: " + e.getMessage(), e);
        }
    }

    public void writeJson(Path file) {
        Json.write(file, toJson());
    }

    public void writeMarkdown(Path file) {
        AtomicFiles.writeString(file, markdown());
    }

    public void writeMarkdown(Path file, boolean boldBest) {
        AtomicFiles.writeString(file, markdown(boldBest));
    }

    /** A PNG bar chart of the summary column (e.g. mIoU) per row, values on the bars. */
    public void writeBarChart(Path file) {
        writeBarChart(file, Charts.Style.defaults().withBarLabels(true).withLegend(false));
    }

    public void writeBarChart(Path file, Charts.Style style) {
        int ci = columns.indexOf(summaryColumn);
        List<String> names = new ArrayList<>();
        double[] v = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            names.add(rows.get(i).name());
            double x = rows.get(i).values()[ci];
            v[i] = percent ? round1(100 * x) : x;
        }
        Charts.bar(file, title.isEmpty() ? summaryColumn : title, "", summaryColumn + (percent ? " (%)" : ""),
                names, v, style);
    }

    /**
     * A PNG grouped bar chart: categories = the given columns (all but the summary column when null),
     * one bar per row.
     */
    public void writeGroupedBarChart(Path file, List<String> chartColumns, Charts.Style style) {
        List<String> cols = chartColumns;
        if (cols == null) {
            cols = new ArrayList<>(columns);
            if (columns.size() > 1) {
                cols.remove(summaryColumn);
            }
        }
        Map<String, double[]> groups = new LinkedHashMap<>();
        for (Row r : rows) {
            double[] v = new double[cols.size()];
            for (int i = 0; i < cols.size(); i++) {
                int ci = columns.indexOf(cols.get(i));
                if (ci < 0) {
                    throw new IllegalArgumentException("unknown column '" + cols.get(i) + "'");
                }
                double x = r.values()[ci];
                v[i] = percent ? 100 * x : x;
            }
            groups.put(r.name(), v);
        }
        Charts.groupedBar(file, title, "", percent ? "%" : "", cols, groups, style);
    }

    private static double round1(double v) {
        return Double.isNaN(v) ? v : Math.round(v * 10) / 10.0;
    }
}
