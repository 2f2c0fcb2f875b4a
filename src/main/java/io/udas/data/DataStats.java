package io.udas.data;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** What a dataset had to repair or skip while loading, so that nothing is dropped silently. */
public final class DataStats {
    private static final Logger LOG = LoggerFactory.getLogger(DataStats.class);
    private static final int KEEP = 5;

    private final String name;
    private final AtomicLong labelsResized = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final List<String> examples = new ArrayList<>();

    DataStats(String name) {
        this.name = name;
    }

    void labelResized(Sample s, int lh, int lw, int h, int w) {
        if (labelsResized.incrementAndGet() == 1) {
            LOG.warn("{}: {} is {}x{} but its image is {}x{}; labels are resized to their image (nearest), "
                    + "further cases are only counted", name, s.label(), lw, lh, w, h);
        }
    }

    void skipped(String message) {
        skipped.incrementAndGet();
        LOG.warn("{}: skipped: {}", name, message);
        synchronized (examples) {
            if (examples.size() < KEEP) {
                examples.add(message);
            }
        }
    }

    /** Label maps whose size differed from their image (each load counts, so epochs count again). */
    public long labelsResized() {
        return labelsResized.get();
    }

    /** Sample loads skipped as unreadable ({@code data.skip_bad}). */
    public long skipped() {
        return skipped.get();
    }

    /** One line for logs and run summaries. */
    public String summary() {
        StringBuilder sb = new StringBuilder(name).append(": ").append(labelsResized.get())
                .append(" label loads resized to their image size, ").append(skipped.get()).append(" loads skipped");
        synchronized (examples) {
            if (!examples.isEmpty()) {
                sb.append(" (e.g. ").append(String.join("; ", examples)).append(')');
            }
        }
        return sb.toString();
    }
}
