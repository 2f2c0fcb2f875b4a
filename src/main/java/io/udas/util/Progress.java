package io.udas.util;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.Duration;
import java.util.Locale;

/**
 * Progress of long work: a bar with rate and ETA on a terminal, plain log lines otherwise (CI, files,
 * docker logs), so that logs stay readable without carriage returns.
 */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;
    private final String task;
    private final long total;
    private final long started = System.nanoTime();
    private final long logEveryNanos;
    private long lastLog = System.nanoTime();
    private long current;
    private long startValue;
    private String extra = "";

    private Progress(String task, long total, long start, boolean terminal, Duration logEvery) {
        this.task = task;
        this.total = total;
        this.current = start;
        this.startValue = start;
        this.logEveryNanos = logEvery.toNanos();
        this.bar = terminal ? new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().startsFrom(start, Duration.ZERO)
                .setUpdateIntervalMillis(500).build() : null;
    }

    /** A progress reporter for {@code total} steps, already {@code start} done (resume). */
    public static Progress start(String task, long total, long start) {
        return new Progress(task, total, start, System.console() != null && System.getenv("CI") == null,
                Duration.ofSeconds(10));
    }

    public synchronized void stepTo(long value, String message) {
        current = value;
        extra = message == null ? "" : message;
        if (bar != null) {
            bar.stepTo(value);
            bar.setExtraMessage(extra);
        } else if (System.nanoTime() - lastLog >= logEveryNanos || value >= total) {
            lastLog = System.nanoTime();
            System.out.println(line());
        }
    }

    public void step(String message) {
        stepTo(current + 1, message);
    }

    String line() {
        double secs = (System.nanoTime() - started) / 1e9;
        long done = current - startValue;
        double rate = secs > 0 ? done / secs : 0;
        String eta = rate > 0 ? formatDuration((long) ((total - current) / rate)) : "?";
        return String.format(Locale.ROOT, "%s %d/%d (%.0f%%) %.2f it/s eta %s %s", task, current, total,
                100.0 * current / Math.max(1, total), rate, eta, extra).trim();
    }

    static String formatDuration(long seconds) {
        return String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
