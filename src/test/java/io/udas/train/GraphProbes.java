package io.udas.train;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/** Test probes for graphs: finite-difference gradients and a log of executed ops. */
final class GraphProbes {
    private GraphProbes() {
    }

    /** Central finite differences (h = 1e-6) of {@code loss} w.r.t. every element of {@code w}, perturbed in place. */
    static INDArray numericGradient(INDArray w, DoubleSupplier loss) {
        INDArray grad = w.like();
        double h = 1e-6;
        for (int i = 0; i < w.length(); i++) {
            double v = w.getDouble(i);
            w.putScalar(i, v + h);
            double up = loss.getAsDouble();
            w.putScalar(i, v - h);
            double down = loss.getAsDouble();
            w.putScalar(i, v);
            grad.putScalar(i, (up - down) / (2 * h));
        }
        return grad;
    }

    /** Records the name and the outputs of every op a graph executes, in order. */
    static final class OpLog extends BaseListener {
        final List<String> names = new ArrayList<>();
        final List<INDArray> outputs = new ArrayList<>();

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                                INDArray[] out) {
            names.add(op.getName());
            outputs.addAll(List.of(out));
        }
    }
}
