package io.udas.train.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

/** In-place update arithmetic for the optimisers, so that a step allocates no temporaries. */
final class InPlace {
    private InPlace() {
    }

    /** y += a * x (same shapes; any array layout, unlike the BLAS wrapper's vector-only axpy). */
    static void axpy(double a, INDArray x, INDArray y) {
        Nd4j.exec(new Axpy(x, y, y, a));
    }

    /** x = a * x + y (same shapes). */
    static void scaleAdd(double a, INDArray x, INDArray y) {
        Nd4j.exec(new Axpy(x, y, x, a));
    }
}
