package io.udas.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.udas.util.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What became of one trial: a row of results.csv and the trial folder's {@code result.json}.
 *
 * @param runDir the trial folder relative to the sweep folder (trials/NNN), so results survive moving the folder
 */
public record TrialResult(int index, Map<String, String> params, Double score, Status status, String reason,
                          Double durationS, String runDir, String finished) {
    public static final String FILE = "result.json";

    public enum Status {
        PENDING, RUNNING, OK, NO_SCORE, FAILED, TIMEOUT;

        /** Ran to an end: a rerun of the sweep skips it (failed and timeout only with --retry-failed). */
        public boolean isFinal() {
            return this == OK || this == NO_SCORE || this == FAILED || this == TIMEOUT;
        }

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Status parse(String s) {
            return Status.valueOf(s.trim().toUpperCase(Locale.ROOT));
        }
    }

    public TrialResult {
        params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public static TrialResult pending(Trial t) {
        return new TrialResult(t.index(), t.values(), null, Status.PENDING, null, null, "trials/" + t.id(), null);
    }

    public TrialResult withStatus(Status s, String why) {
        return new TrialResult(index, params, score, s, why, durationS, runDir, finished);
    }

    public boolean hasScore() {
        return status == Status.OK && score != null && Double.isFinite(score);
    }

    ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("trial", index);
        ObjectNode p = o.putObject("params");
        params.forEach(p::put);
        if (score == null) {
            o.putNull("score");
        } else {
            o.put("score", score);
        }
        o.put("status", status.text());
        o.put("reason", reason);
        if (durationS == null) {
            o.putNull("duration_s");
        } else {
            o.put("duration_s", durationS);
        }
        o.put("run_dir", runDir);
        o.put("finished", finished);
        return o;
    }

    static TrialResult fromJson(JsonNode o) {
        Map<String, String> params = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = o.path("params").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            params.put(e.getKey(), e.getValue().asText());
        }
        JsonNode score = o.get("score");
        JsonNode dur = o.get("duration_s");
        return new TrialResult(o.path("trial").asInt(), params,
                score == null || !score.isNumber() ? null : score.asDouble(),
                Status.parse(o.path("status").asText("failed")), text(o.get("reason")),
                dur == null || !dur.isNumber() ? null : dur.asDouble(), text(o.get("run_dir")), text(o.get("finished")));
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    void write(Path trialDir) {
        Json.write(trialDir.resolve(FILE), toJson());
    }

    /** The result.json of a trial folder, or null if there is none (never finished) or it cannot be read. */
    static TrialResult read(Path trialDir) {
        Path f = trialDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return fromJson(Json.MAPPER.readTree(f.toFile()));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static void delete(Path trialDir) {
        try {
            Files.deleteIfExists(trialDir.resolve(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
