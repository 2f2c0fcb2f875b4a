package io.udas.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Machine-readable metrics: one JSON object per line, appended and flushed per record so a killed
 * run keeps everything written so far. On resume, {@link #truncateAfter} drops records past the
 * checkpoint's iteration so the file never holds the same iteration twice.
 */
public final class JsonLines implements AutoCloseable {
    private final Path file;

    public JsonLines(Path file) {
        this.file = file;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path file() {
        return file;
    }

    public synchronized void append(Map<String, ?> record) {
        try {
            Files.writeString(file, Json.line(record) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    /** All records of a metrics file, in order (empty if it does not exist). */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> read(Path file) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    out.add(Json.MAPPER.readValue(line, LinkedHashMap.class));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read metrics: " + e.getMessage(), e);
        }
        return out;
    }

    /** Keeps only records whose numeric {@code key} is at most {@code maxValue} (atomically rewritten). */
    public void truncateAfter(String key, long maxValue) {
        List<Map<String, Object>> keep = new ArrayList<>();
        for (Map<String, Object> r : read(file)) {
            Object v = r.get(key);
            if (!(v instanceof Number n) || n.longValue() <= maxValue) {
                keep.add(r);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> r : keep) {
            sb.append(Json.line(r)).append('\n');
        }
        AtomicFiles.writeString(file, sb.toString());
    }

    @Override
    public void close() {
        // Each append opens and closes the file; nothing is held.
    }
}
