package io.udas.train.cyclegan;

import io.udas.config.Size;
import io.udas.data.BadFileException;
import io.udas.data.DataException;
import io.udas.data.Dataset;
import io.udas.data.LoadedSample;
import io.udas.data.Seeds;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One random training crop per iteration from one dataset, for the CycleGAN (batch 1): iteration i takes the
 * (i mod n)-th image of epoch i / n's permutation, loads it at {@link GanImages#loadSize} (width {@code load_width},
 * aspect kept; the dataset's {@code resize} replaces the file size when set), cuts a random {@code crop} and flips it
 * with probability 1/2. Every draw is a pure function of (seed, stream, iteration), so a resumed run gets exactly
 * the crops it would have had, and images are loaded ahead on background threads without changing them.
 */
final class CropStream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CropStream.class);

    private final Dataset dataset;
    private final Size resize;
    private final long seed;
    private final int loadWidth;
    private final Size crop;
    private final boolean flip;
    private final int ahead;
    private final ExecutorService pool;
    private final Map<Long, Future<float[]>> pending = new ConcurrentHashMap<>();
    private final Map<Integer, Size> fileSizes = new ConcurrentHashMap<>();
    private final Map<Long, int[]> perms = new ConcurrentHashMap<>();

    /**
     * @param resize the dataset config's {@code resize} (null: the image files' own sizes)
     * @param ahead  iterations loaded ahead in the background
     */
    CropStream(Dataset dataset, Size resize, String stream, long runSeed, int loadWidth, Size crop, boolean flip,
               int threads, int ahead) {
        this.dataset = dataset;
        this.resize = resize;
        this.seed = Seeds.derive(runSeed, "cyclegan/" + stream);
        this.loadWidth = loadWidth;
        this.crop = crop;
        this.flip = flip;
        this.ahead = Math.max(0, ahead);
        this.pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, dataset.name() + "-crops");
            t.setDaemon(true);
            return t;
        });
    }

    /** The crop of {@code iteration} as [1, 3, h, w] RGB in [-1, 1]. */
    INDArray at(long iteration) {
        Future<float[]> f = pending.remove(iteration);
        if (f == null) {
            f = pool.submit(() -> load(iteration));
        }
        pending.keySet().removeIf(k -> k < iteration || k > iteration + ahead);
        for (long k = iteration + 1; k <= iteration + ahead; k++) {
            long it = k;
            pending.computeIfAbsent(k, x -> pool.submit(() -> load(it)));
        }
        float[] data;
        try {
            data = f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("interrupted while loading data", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new DataException(String.valueOf(e.getCause()), e.getCause());
        }
        return Nd4j.create(data, new long[]{1, 3, crop.height, crop.width}, 'c');
    }

    /** A fixed view for sample grids: the centre crop of dataset image {@code index}, unflipped. */
    INDArray centre(int index) {
        Size ls = loadSize(index);
        LoadedSample s = dataset.load(index, ls, null);
        float[] c = GanImages.crop(s.image(), s.height(), s.width(), (s.height() - crop.height) / 2,
                (s.width() - crop.width) / 2, crop.height, crop.width, false);
        return Nd4j.create(GanImages.bgrToGan(c, crop.height, crop.width), new long[]{1, 3, crop.height, crop.width}, 'c');
    }

    private float[] load(long iteration) {
        int n = dataset.size();
        long epoch = iteration / n;
        int[] perm = permutation(epoch);
        int slot = (int) (iteration % n);
        for (int j = 0; j < n; j++) {
            int idx = perm[(slot + j) % n];
            try {
                LoadedSample s = dataset.load(idx, loadSize(idx), null);
                SplittableRandom rnd = new SplittableRandom(Seeds.derive(seed, 1, iteration));
                int y0 = rnd.nextInt(s.height() - crop.height + 1);
                int x0 = rnd.nextInt(s.width() - crop.width + 1);
                boolean mirror = flip && rnd.nextBoolean();
                float[] c = GanImages.crop(s.image(), s.height(), s.width(), y0, x0, crop.height, crop.width, mirror);
                return GanImages.bgrToGan(c, crop.height, crop.width);
            } catch (BadFileException e) {
                if (!dataset.skipBad()) {
                    throw e;
                }
                LOG.warn("{}: skipped: {}", dataset.name(), e.getMessage());
            }
        }
        throw new DataException(dataset.name() + ": no readable image left (all " + n + " skipped)");
    }

    private Size loadSize(int index) {
        Size base = resize != null ? resize
                : fileSizes.computeIfAbsent(index, i -> GanImages.fileSize(dataset.sample(i).image()));
        return GanImages.loadSize(base.height, base.width, loadWidth, crop);
    }

    private int[] permutation(long epoch) {
        int[] p = perms.get(epoch);
        if (p != null) {
            return p;
        }
        int n = dataset.size();
        p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(Seeds.derive(seed, 0, epoch));
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        // Loading ahead spans at most two epochs at a time, so older ones can go.
        perms.keySet().removeIf(e -> e < epoch - 1);
        perms.put(epoch, p);
        return p;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
