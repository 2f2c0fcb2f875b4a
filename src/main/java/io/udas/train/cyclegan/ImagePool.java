package io.udas.train.cyclegan;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The history of generated images a CycleGAN discriminator is trained on (Shrivastava et al.; pytorch-CycleGAN
 * {@code ImagePool}): until it holds {@code capacity} images every query image is stored and returned; after that,
 * with probability 1/2 a random stored image is returned and replaced by the query image, otherwise the query image
 * is returned. Capacity 0 returns the query unchanged.
 *
 * <p>All random draws come from the generator the caller passes (derived from (seed, iteration) by the trainer), and
 * the stored images are part of {@link #state()}, so a resumed run continues with the same pool and the same draws.
 */
public final class ImagePool {
    static final String IMAGES = "images";
    static final String COUNT = "count";

    private final int capacity;
    private final List<INDArray> images = new ArrayList<>();

    public ImagePool(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("pool capacity must be >= 0, got " + capacity);
        }
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return images.size();
    }

    /**
     * The images to train the discriminator on for the batch {@code fakes} [N, C, H, W]: per image either itself or
     * an older stored one (see the class comment). The result is a new array; {@code fakes} is not changed, and the
     * pool keeps copies.
     */
    public INDArray query(INDArray fakes, SplittableRandom rnd) {
        if (capacity == 0) {
            return fakes.dup();
        }
        int n = (int) fakes.size(0);
        INDArray[] out = new INDArray[n];
        for (int i = 0; i < n; i++) {
            INDArray img = fakes.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.all()).dup();
            if (images.size() < capacity) {
                images.add(img);
                out[i] = img.dup();
            } else if (rnd.nextDouble() > 0.5) {
                int k = rnd.nextInt(capacity);
                out[i] = images.get(k);
                images.set(k, img);
            } else {
                out[i] = img;
            }
        }
        return n == 1 ? out[0].dup() : Nd4j.concat(0, out);
    }

    /** The stored images stacked as {@code images} [n, C, H, W] (absent when empty) and their number as {@code count}. */
    public Map<String, INDArray> state() {
        Map<String, INDArray> s = new HashMap<>();
        s.put(COUNT, Nd4j.scalar((double) images.size()));
        if (!images.isEmpty()) {
            s.put(IMAGES, Nd4j.concat(0, images.toArray(new INDArray[0])));
        }
        return s;
    }

    /** Restores a state written by {@link #state()}. */
    public void restore(Map<String, INDArray> state) {
        INDArray count = state.get(COUNT);
        if (count == null) {
            throw new IllegalArgumentException("image pool state lacks '" + COUNT + "'");
        }
        int n = (int) count.getDouble(0);
        if (n > capacity) {
            throw new IllegalArgumentException("image pool state holds " + n + " images but the pool's capacity is "
                    + capacity + " (was pool_size changed?)");
        }
        images.clear();
        if (n == 0) {
            return;
        }
        INDArray all = state.get(IMAGES);
        if (all == null || all.size(0) != n) {
            throw new IllegalArgumentException("image pool state: expected " + n + " stored images");
        }
        for (int i = 0; i < n; i++) {
            images.add(all.get(NDArrayIndex.interval(i, i + 1), NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.all()).dup());
        }
    }
}
