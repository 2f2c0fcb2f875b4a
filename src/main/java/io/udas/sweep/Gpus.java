package io.udas.sweep;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The GPUs trials are pinned to (one {@code CUDA_VISIBLE_DEVICES} id per trial slot). The sweep file's
 * {@code gpus}: {@code auto} (default: the ids in CUDA_VISIBLE_DEVICES if set, else {@code nvidia-smi -L}),
 * {@code none}, a count (ids 0..n-1) or a list of ids.
 */
final class Gpus {
    private Gpus() {
    }

    /** null = auto; otherwise the explicit ids (empty = none). */
    static List<String> parseSetting(JsonNode n) {
        if (n == null || n.isNull() || (n.isTextual() && n.textValue().equals("auto"))) {
            return null;
        }
        if (n.isTextual() && n.textValue().equals("none")) {
            return List.of();
        }
        if (n.isIntegralNumber()) {
            int c = n.intValue();
            if (c < 0) {
                throw new IllegalArgumentException("expected a GPU count >= 0, got " + c);
            }
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < c; i++) {
                ids.add(Integer.toString(i));
            }
            return ids;
        }
        if (n.isArray()) {
            List<String> ids = new ArrayList<>();
            for (JsonNode e : n) {
                if (!(e.isIntegralNumber() || e.isTextual()) || e.asText().isBlank() || e.asText().contains(",")) {
                    throw new IllegalArgumentException("expected GPU ids such as [0, 1], got " + n);
                }
                ids.add(e.asText());
            }
            return ids;
        }
        throw new IllegalArgumentException("expected auto, none, a GPU count or a list of GPU ids, got " + n);
    }

    /** The GPU ids for the sweep file setting, detecting them for {@code auto}. */
    static List<String> resolve(JsonNode setting) {
        List<String> explicit = parseSetting(setting);
        return explicit != null ? explicit : detect();
    }

    static List<String> detect() {
        String visible = System.getenv("CUDA_VISIBLE_DEVICES");
        if (visible != null) {
            List<String> ids = new ArrayList<>();
            for (String s : visible.split(",")) {
                if (!s.isBlank() && !s.trim().equals("-1")) {
                    ids.add(s.trim());
                }
            }
            return ids;
        }
        List<String> ids = new ArrayList<>();
        try {
            Process p = new ProcessBuilder("nvidia-smi", "-L").redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("GPU ")) {
                        ids.add(Integer.toString(ids.size()));
                    }
                }
            }
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return List.of();
            }
            return p.exitValue() == 0 ? ids : List.of();
        } catch (IOException e) {
            return List.of(); // no nvidia-smi: CPU only
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}
