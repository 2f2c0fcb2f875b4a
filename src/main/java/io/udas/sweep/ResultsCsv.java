package io.udas.sweep;

import io.udas.util.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * results.csv: one row per trial (trial, the parameters, score, status, reason, duration_s, run_dir, finished),
 * rewritten atomically after every trial so that a killed sweep never leaves a half-written file.
 */
public final class ResultsCsv {
    public static final String FILE = "results.csv";
    static final List<String> TAIL = List.of("score", "status", "reason", "duration_s", "run_dir", "finished");

    private ResultsCsv() {
    }

    public static void write(Path file, List<String> paramNames, Collection<TrialResult> results) {
        StringBuilder sb = new StringBuilder();
        List<String> header = new ArrayList<>();
        header.add("trial");
        header.addAll(paramNames);
        header.addAll(TAIL);
        row(sb, header);
        List<TrialResult> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparingInt(TrialResult::index));
        for (TrialResult r : sorted) {
            List<String> cells = new ArrayList<>();
            cells.add(Trial.id(r.index()));
            for (String p : paramNames) {
                cells.add(r.params().getOrDefault(p, ""));
            }
            cells.add(r.score() == null ? "" : String.format(Locale.ROOT, "%.6f", r.score()));
            cells.add(r.status().text());
            cells.add(r.reason() == null ? "" : r.reason());
            cells.add(r.durationS() == null ? "" : String.format(Locale.ROOT, "%.1f", r.durationS()));
            cells.add(r.runDir() == null ? "" : r.runDir());
            cells.add(r.finished() == null ? "" : r.finished());
            row(sb, cells);
        }
        AtomicFiles.writeString(file, sb.toString());
    }

    /** The rows of a results.csv by trial index (empty if the file does not exist). */
    public static Map<Integer, TrialResult> read(Path file) {
        Map<Integer, TrialResult> out = new TreeMap<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        List<List<String>> rows;
        try {
            rows = parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (rows.isEmpty()) {
            return out;
        }
        List<String> header = rows.get(0);
        int scoreCol = header.indexOf("score");
        if (!"trial".equals(header.get(0)) || scoreCol < 1) {
            throw new IllegalStateException(file + ": not a sweep results file (header " + header + ")");
        }
        for (List<String> r : rows.subList(1, rows.size())) {
            if (r.size() != header.size()) {
                continue;
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 1; i < scoreCol; i++) {
                params.put(header.get(i), r.get(i));
            }
            Map<String, String> tail = new LinkedHashMap<>();
            for (int i = scoreCol; i < header.size(); i++) {
                tail.put(header.get(i), r.get(i));
            }
            int index = Integer.parseInt(r.get(0).trim());
            out.put(index, new TrialResult(index, params, number(tail.get("score")),
                    TrialResult.Status.parse(tail.getOrDefault("status", "pending")), empty(tail.get("reason")),
                    number(tail.get("duration_s")), empty(tail.get("run_dir")), empty(tail.get("finished"))));
        }
        return out;
    }

    private static Double number(String s) {
        return s == null || s.isBlank() ? null : Double.parseDouble(s);
    }

    private static String empty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static void row(StringBuilder sb, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(escape(cells.get(i)));
        }
        sb.append('\n');
    }

    static String escape(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }

    /** RFC 4180 parsing (quoted fields, doubled quotes, newlines inside quotes). */
    static List<List<String>> parse(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        cell.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                any = true;
            } else if (c == ',') {
                row.add(cell.toString());
                cell.setLength(0);
                any = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                if (any || cell.length() > 0) {
                    row.add(cell.toString());
                    rows.add(row);
                }
                row = new ArrayList<>();
                cell.setLength(0);
                any = false;
            } else {
                cell.append(c);
                any = true;
            }
        }
        if (any || cell.length() > 0) {
            row.add(cell.toString());
            rows.add(row);
        }
        return rows;
    }
}
