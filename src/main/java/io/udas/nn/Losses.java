package io.udas.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Losses and (log-)softmax built from primitive ops, so that gradients from ops after them (e.g. a lambda weight)
 * propagate correctly (the SDLoss ops ignore the upstream gradient in M2.1, DL4J issue 9026) and so that the backward
 * pass builds (the logSoftmax op's does not). Every loss returns a scalar; weight it with {@code loss.mul(lambda)}.
 */
public final class Losses {

    /** The label value excluded from the cross-entropy. */
    public static final int IGNORE_LABEL = 255;

    private Losses() {
    }

    /**
     * Numerically stable log-softmax along {@code dim}: x - max - log(sum(exp(x - max))). The max takes no gradient:
     * its contributions cancel exactly (the result does not depend on the shift), and M2.1's reduce_max_bp costs 60 ms
     * on DeepLab-v2's 19x321x321 logits.
     */
    public static SDVariable logSoftmax(SDVariable x, int dim) {
        SameDiff sd = x.getSameDiff();
        SDVariable shifted = x.sub(new StopGradient(sd, x).outputVariable().max(true, dim));
        return shifted.sub(sd.math().log(sd.math().exp(shifted).sum(true, dim)));
    }

    /** Softmax along {@code dim}, as exp(logSoftmax). */
    public static SDVariable softmax(SDVariable x, int dim) {
        return x.getSameDiff().math().exp(logSoftmax(x, dim));
    }

    /**
     * Pixel-wise softmax cross-entropy, mean over the non-ignored pixels (0 when there are none).
     *
     * @param logits     [N, C, H, W]
     * @param labels     [N, H, W], integer-valued (any numeric type), {@value #IGNORE_LABEL} = ignore
     * @param numClasses C
     * @param weights    optional [N, H, W] per-pixel weights (null = all 1): loss = sum(w * nll over valid pixels) /
     *                   (number of valid pixels), i.e. the weights scale pixels without changing the normaliser
     */
    public static SDVariable maskedCrossEntropy(SDVariable logits, SDVariable labels, int numClasses, SDVariable weights) {
        SameDiff sd = logits.getSameDiff();
        DataType dt = logits.dataType();
        SDVariable logp = logSoftmax(logits, 1);
        SDVariable lab = labels.dataType() == dt ? labels : labels.castTo(dt);
        SDVariable classes = sd.constant(Nd4j.arange(numClasses).castTo(dt).reshape(1, numClasses, 1, 1));
        // One-hot by comparison: label 255 (or any value outside [0, C)) matches no class.
        SDVariable oneHot = sd.eq(sd.expandDims(lab, 1), classes).castTo(dt);
        SDVariable nll = oneHot.mul(logp).sum(false, 1).neg(); // [N, H, W]
        SDVariable valid = sd.neq(lab, IGNORE_LABEL).castTo(dt);
        SDVariable w = weights == null ? valid : valid.mul(weights.dataType() == dt ? weights : weights.castTo(dt));
        SDVariable count = sd.math().max(valid.sum(), sd.constant(Nd4j.scalar(dt, 1.0)));
        return nll.mul(w).sum().div(count);
    }

    /** {@link #maskedCrossEntropy(SDVariable, SDVariable, int, SDVariable)} without pixel weights. */
    public static SDVariable maskedCrossEntropy(SDVariable logits, SDVariable labels, int numClasses) {
        return maskedCrossEntropy(logits, labels, numClasses, null);
    }

    /** Mean binary cross-entropy with logits against a constant target (e.g. 0 = source, 1 = target). */
    public static SDVariable bceWithLogits(SDVariable logits, double target) {
        return bceTerms(logits, logits.mul(target)).mean();
    }

    /** Mean binary cross-entropy with logits against a target tensor of the same (or a broadcastable) shape. */
    public static SDVariable bceWithLogits(SDVariable logits, SDVariable target) {
        return bceTerms(logits, logits.mul(target)).mean();
    }

    /** max(x, 0) - x*t + log(1 + exp(-|x|)), the stable form. */
    private static SDVariable bceTerms(SDVariable x, SDVariable xt) {
        SameDiff sd = x.getSameDiff();
        SDVariable softplusNegAbs = sd.math().log(sd.math().exp(sd.math().abs(x).neg()).add(1.0));
        return sd.nn().relu(x, 0.0).sub(xt).add(softplusNegAbs);
    }

    /** Mean squared error against a constant target (LS-GAN). */
    public static SDVariable mse(SDVariable x, double target) {
        SDVariable d = x.sub(target);
        return d.mul(d).mean();
    }

    /** Mean squared error between two tensors. */
    public static SDVariable mse(SDVariable x, SDVariable target) {
        SDVariable d = x.sub(target);
        return d.mul(d).mean();
    }

    /** Mean absolute error between two tensors (CycleGAN cycle / identity losses). */
    public static SDVariable l1(SDVariable x, SDVariable target) {
        return x.getSameDiff().math().abs(x.sub(target)).mean();
    }
}
