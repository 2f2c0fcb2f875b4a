package io.udas.train.uda;

import io.udas.config.GanLoss;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adversarial objectives on discriminator logits, from primitive ops (the SDLoss ops ignore upstream
 * gradients in M2.1): BCE-with-logits or least squares against a constant label (source 0, target 1),
 * optionally weighted per output patch.
 */
final class GanTerms {
    private GanTerms() {
    }

    /** Per-element loss of logits {@code x} against {@code label}. */
    static SDVariable terms(SDVariable x, GanLoss loss, double label) {
        SameDiff sd = x.getSameDiff();
        if (loss == GanLoss.LSGAN) {
            SDVariable d = x.sub(label);
            return d.mul(d);
        }
        // max(x, 0) - x*t + log(1 + exp(-|x|))
        SDVariable softplusNegAbs = sd.math().log(sd.math().exp(sd.math().abs(x).neg()).add(1.0));
        SDVariable r = sd.nn().relu(x, 0.0).add(softplusNegAbs);
        return label == 0 ? r : r.sub(x.mul(label));
    }

    /** Mean loss. */
    static SDVariable mean(SDVariable x, GanLoss loss, double label) {
        return terms(x, loss, label).mean();
    }

    /** Weighted mean {@code sum(w * l) / max(sum(w), 1e-6)}; {@code w} broadcasts against {@code x}. */
    static SDVariable weightedMean(SDVariable x, GanLoss loss, double label, SDVariable w) {
        SameDiff sd = x.getSameDiff();
        SDVariable norm = sd.math().max(w.sum(), sd.constant(Nd4j.scalar(x.dataType(), 1e-6)));
        return terms(x, loss, label).mul(w).sum().div(norm);
    }

    /** The decision threshold on D's raw output: logit 0 (BCE) or 0.5 (LSGAN). */
    static double threshold(GanLoss loss) {
        return loss == GanLoss.LSGAN ? 0.5 : 0.0;
    }

    /** Fraction of output patches on the side of {@code label} (0: below the threshold, 1: above). */
    static double accuracy(INDArray out, GanLoss loss, double label) {
        double t = threshold(loss);
        long n = out.length();
        if (n == 0) {
            return Double.NaN;
        }
        INDArray d = out.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        double[] v = d.reshape(n).toDoubleVector();
        long hits = 0;
        for (double x : v) {
            if (label == 0 ? x < t : x > t) {
                hits++;
            }
        }
        return (double) hits / n;
    }
}
