package io.udas.data;

import io.udas.config.Size;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Endless shuffled, augmented batches for iteration-based training. Sample position p = iteration *
 * batch + k belongs to epoch p / n and takes the (p mod n)-th entry of that epoch's permutation; its
 * augmentation draws from (seed, epoch, p). Batches therefore depend only on (seed, iteration), not on
 * loader threads, and starting at iteration i gives exactly the batches a run would have reached there,
 * without loading the skipped ones.
 */
public final class TrainIterator implements AutoCloseable {
    private final Dataset dataset;
    private final int batchSize;
    private final Augmenter augmenter;
    private final long seed;
    private final Prefetcher<Raw> prefetcher;
    private final ConcurrentHashMap<Long, int[]> perms = new ConcurrentHashMap<>();
    private long iteration;

    private record Raw(long iteration, float[] images, float[] labels, int h, int w, List<Sample> samples) {
    }

    /**
     * @param startIteration the iteration of the first batch (a resumed run passes its checkpoint's)
     * @param threads        background loader threads
     * @param prefetch       batches prepared ahead
     */
    public TrainIterator(Dataset dataset, int batchSize, Augmenter augmenter, long seed, long startIteration,
                         int threads, int prefetch) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
        }
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.augmenter = augmenter;
        this.seed = seed;
        this.iteration = startIteration;
        this.prefetcher = new Prefetcher<>(dataset.name(), threads, prefetch, startIteration, Long.MAX_VALUE,
                this::load);
    }

    /** The iteration number the next batch belongs to. */
    public long iteration() {
        return iteration;
    }

    /** The next batch; labels are null when the dataset is unlabeled. */
    public Batch next() {
        Raw r = prefetcher.next();
        iteration = r.iteration + 1;
        int n = r.samples.size();
        return new Batch(r.iteration, Nd4j.create(r.images, new long[]{n, 3, r.h, r.w}, 'c'),
                r.labels == null ? null : Nd4j.create(r.labels, new long[]{n, r.h, r.w}, 'c'), r.samples);
    }

    /** The permutation of epoch {@code e}; each epoch's is a pure function of (seed, e). */
    int[] permutation(long epoch) {
        int[] p = perms.get(epoch);
        if (p == null) {
            p = shuffle(dataset.size(), new SplittableRandom(Seeds.derive(seed, 0x5EED, epoch)));
            // Prefetching spans at most two epochs at a time, so older ones can go.
            perms.keySet().removeIf(e -> e < epoch - 1);
            perms.put(epoch, p);
        }
        return p;
    }

    static int[] shuffle(int n, SplittableRandom rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private Raw load(long it) {
        int n = dataset.size();
        List<Sample> samples = new ArrayList<>(batchSize);
        float[] images = null;
        float[] labels = null;
        int h = 0;
        int w = 0;
        for (int k = 0; k < batchSize; k++) {
            long pos = it * batchSize + k;
            long epoch = pos / n;
            int[] perm = permutation(epoch);
            int slot = (int) (pos % n);
            LoadedSample s = loadOrReplace(perm, slot);
            SplittableRandom rnd = new SplittableRandom(Seeds.derive(seed, epoch, pos));
            Size out = augmenter.outputSize(s.height(), s.width());
            if (images == null) {
                h = out.height;
                w = out.width;
                images = new float[batchSize * 3 * h * w];
                labels = s.label() != null ? new float[batchSize * h * w] : null;
            } else if (out.height != h || out.width != w) {
                throw new DataException(s.sample().image() + ": is " + s.width() + "x" + s.height()
                        + " but its batch is " + w + "x" + h + "; set " + dataset.name()
                        + ".resize or augment.crop so that all training images have one size");
            }
            augmenter.apply(s, rnd, images, k * 3 * h * w, labels, k * h * w);
            samples.add(s.sample());
        }
        return new Raw(it, images, labels, h, w, samples);
    }

    /**
     * Loads the sample in {@code slot}; with skip_bad an unreadable one is counted and replaced by the
     * next readable one of the same permutation, so that the replacement is deterministic too.
     */
    private LoadedSample loadOrReplace(int[] perm, int slot) {
        int n = perm.length;
        for (int j = 0; j < n; j++) {
            int idx = perm[(slot + j) % n];
            try {
                return dataset.load(idx, null, null);
            } catch (BadFileException e) {
                if (!dataset.skipBad()) {
                    throw e;
                }
                dataset.stats().skipped(e.getMessage());
            }
        }
        throw new DataException(dataset.name() + ": no readable image left (all " + n + " skipped)");
    }

    @Override
    public void close() {
        prefetcher.close();
    }
}
