package io.udas.bench;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-op wall time of SameDiff executions, aggregated by op type ({@code conv2d}, {@code conv2d_bp}, {@code multiply},
 * ...): a SameDiff listener timing each op from {@code preOpExecution} to {@code opExecution}. The time between ops
 * (graph bookkeeping, array allocation by the session) is reported as overhead.
 */
public final class OpProfiler extends BaseListener {

    /** Totals of one op type. */
    public record Row(String op, long count, double seconds, double share) {
    }

    private final Map<String, long[]> byType = new HashMap<>();
    private long start;
    private long total;
    private long windowStart = -1;
    private long windowEnd;
    private final boolean byShape;

    /** Aggregates by op type. */
    public OpProfiler() {
        this(false);
    }

    /** @param byShape aggregate by op type and input shapes (finer, for finding the expensive instances) */
    public OpProfiler(boolean byShape) {
        this.byShape = byShape;
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        start = System.nanoTime();
        if (windowStart < 0) {
            windowStart = start;
        }
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext, INDArray[] outputs) {
        long now = System.nanoTime();
        long dt = now - start;
        total += dt;
        windowEnd = now;
        String key = op.getOp().opName();
        if (byShape && opContext != null) {
            StringBuilder sb = new StringBuilder(key);
            for (INDArray in : opContext.getInputArrays()) {
                sb.append(' ').append(in == null ? "-" : java.util.Arrays.toString(in.shape()).replace(" ", ""));
            }
            key = sb.toString();
        }
        long[] a = byType.computeIfAbsent(key, k -> new long[2]);
        a[0]++;
        a[1] += dt;
    }

    /** Clears the totals (e.g. after warm-up). */
    public void reset() {
        byType.clear();
        total = 0;
        windowStart = -1;
    }

    /** Seconds inside ops. */
    public double opSeconds() {
        return total / 1e9;
    }

    /** Seconds from the first op start to the last op end, minus the time inside ops. */
    public double overheadSeconds() {
        return windowStart < 0 ? 0 : Math.max(0, (windowEnd - windowStart - total) / 1e9);
    }

    /** Op types by total time, largest first. */
    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        byType.forEach((k, v) -> rows.add(new Row(k, v[0], v[1] / 1e9, total == 0 ? 0 : (double) v[1] / total)));
        rows.sort(Comparator.comparingDouble(Row::seconds).reversed());
        return rows;
    }

    /** The top op types as a map (for JSON). */
    public Map<String, Object> summary(int top) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op_seconds", opSeconds());
        m.put("overhead_seconds", overheadSeconds());
        List<Map<String, Object>> ops = new ArrayList<>();
        for (Row r : rows().subList(0, Math.min(top, rows().size()))) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("op", r.op());
            o.put("count", r.count());
            o.put("seconds", r.seconds());
            o.put("share", r.share());
            ops.add(o);
        }
        m.put("ops", ops);
        return m;
    }

    /** A text table of the top op types. */
    public String table(int top) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-60s %7s %9s %6s%n", "op", "count", "seconds", "share"));
        for (Row r : rows().subList(0, Math.min(top, rows().size()))) {
            sb.append(String.format(Locale.ROOT, "%-60s %7d %9.3f %5.1f%%%n", r.op(), r.count(), r.seconds(), 100 * r.share()));
        }
        sb.append(String.format(Locale.ROOT, "in ops %.3f s, between ops %.3f s%n", opSeconds(), overheadSeconds()));
        return sb.toString();
    }
}
