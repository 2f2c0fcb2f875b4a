package io.udas.data;

import io.udas.config.Size;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Every image of a dataset once, in dataset order, without augmentation, loaded in the background.
 * Images come at {@code imageSize} (null = the dataset's size); labels always at the dataset's size, so
 * that predictions are scored at label resolution. With skip_bad, unreadable samples are left out of
 * their batch (and counted).
 */
public final class EvalIterator implements Iterator<Batch>, AutoCloseable {
    private final Dataset dataset;
    private final int batchSize;
    private final Size imageSize;
    private final Prefetcher<Raw> prefetcher;
    private Raw pending;

    /** A batch in plain arrays; the consumer thread makes the INDArrays (device arrays belong to it). */
    private record Raw(long index, float[] images, int h, int w, float[] labels, int lh, int lw,
                       List<Sample> samples) {
    }

    public EvalIterator(Dataset dataset, int batchSize, Size imageSize, int threads, int prefetch) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
        }
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.imageSize = imageSize;
        long batches = (dataset.size() + batchSize - 1) / batchSize;
        this.prefetcher = new Prefetcher<>(dataset.name(), threads, prefetch, 0, batches, this::load);
    }

    @Override
    public boolean hasNext() {
        while (pending == null && prefetcher.hasNext()) {
            pending = prefetcher.next();
        }
        return pending != null;
    }

    @Override
    public Batch next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Raw r = pending;
        pending = null;
        int n = r.samples.size();
        return new Batch(r.index, Nd4j.create(r.images, new long[]{n, 3, r.h, r.w}, 'c'),
                r.labels == null ? null : Nd4j.create(r.labels, new long[]{n, r.lh, r.lw}, 'c'), r.samples);
    }

    /** Batch {@code b}, or null when every sample in it was skipped. */
    private Raw load(long b) {
        int from = (int) (b * batchSize);
        int to = Math.min(dataset.size(), from + batchSize);
        List<LoadedSample> loaded = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            try {
                LoadedSample s = dataset.load(i, imageSize, null);
                if (!loaded.isEmpty()) {
                    requireSameSize(loaded.get(0), s);
                }
                loaded.add(s);
            } catch (BadFileException e) {
                if (!dataset.skipBad()) {
                    throw e;
                }
                dataset.stats().skipped(e.getMessage());
            }
        }
        if (loaded.isEmpty()) {
            return null;
        }
        LoadedSample first = loaded.get(0);
        int n = loaded.size();
        int h = first.height();
        int w = first.width();
        float[] images = new float[n * 3 * h * w];
        boolean labeled = first.label() != null;
        int lh = first.labelHeight();
        int lw = first.labelWidth();
        float[] labels = labeled ? new float[n * lh * lw] : null;
        List<Sample> samples = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            LoadedSample s = loaded.get(k);
            System.arraycopy(s.image(), 0, images, k * 3 * h * w, 3 * h * w);
            if (labeled) {
                int[] l = s.label();
                int o = k * lh * lw;
                for (int i = 0; i < l.length; i++) {
                    labels[o + i] = l[i];
                }
            }
            samples.add(s.sample());
        }
        return new Raw(b, images, h, w, labels, lh, lw, samples);
    }

    private void requireSameSize(LoadedSample first, LoadedSample s) {
        if (s.height() != first.height() || s.width() != first.width() || s.labelHeight() != first.labelHeight()
                || s.labelWidth() != first.labelWidth()) {
            throw new DataException(s.sample().image() + ": is " + s.width() + "x" + s.height()
                    + " but its batch is " + first.width() + "x" + first.height() + "; evaluate with batch size 1 or set "
                    + dataset.name() + ".resize");
        }
    }

    @Override
    public void close() {
        prefetcher.close();
    }
}
