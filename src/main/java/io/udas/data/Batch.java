package io.udas.data;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * A batch for the model.
 *
 * @param index   training iteration, or batch number in evaluation
 * @param images  [N,3,H,W] float, BGR 0..255 (normalise with {@link Normalizer} after any mixing)
 * @param labels  [N,h,w] float trainIds with 255 = ignore, or null for unlabeled data; h,w equal H,W
 *                in training, and the dataset's label size in evaluation
 * @param samples the samples, in batch order
 */
public record Batch(long index, INDArray images, INDArray labels, List<Sample> samples) {
    public int size() {
        return samples.size();
    }
}
