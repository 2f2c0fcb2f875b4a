package io.udas.eval;

import io.udas.data.Batch;
import io.udas.data.EvalIterator;
import io.udas.data.Normalizer;
import io.udas.model.Predictor;
import io.udas.nn.Resize;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Scores a model on labeled images: forward at the iterator's image size, logits upsampled
 * (bilinear) to the label size, argmax, confusion matrix with 255 ignored.
 */
public final class ModelEvaluation {
    private ModelEvaluation() {
    }

    public static ConfusionMatrix run(Predictor predictor, EvalIterator images, Normalizer normalizer,
                                      int numClasses, boolean alignCorners) {
        ConfusionMatrix cm = new ConfusionMatrix(numClasses);
        try (images) {
            while (images.hasNext()) {
                Batch b = images.next();
                if (b.labels() == null) {
                    throw new IllegalArgumentException("evaluation needs labeled images; "
                            + b.samples().get(0).image() + " has no label");
                }
                INDArray logits = predictor.logits(normalizer.normalize(b.images()));
                int lh = (int) b.labels().size(1);
                int lw = (int) b.labels().size(2);
                if (logits.size(2) != lh || logits.size(3) != lw) {
                    logits = Resize.bilinear(logits, lh, lw, alignCorners);
                }
                cm.addLogits(logits, b.labels());
            }
        }
        return cm;
    }
}
