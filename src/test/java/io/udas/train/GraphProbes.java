package io.udas.train;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.UnaryOperator;

/** Test graphs and probes: small squared-error graphs, finite-difference gradients and a log of executed ops. */
final class GraphProbes {
    private GraphProbes() {
    }

    /** Three rows for the placeholders of {@link #squaredErrorGraph}. */
    static Map<String, INDArray> inputs() {
        return Map.of("x", Nd4j.createFromArray(new double[][]{{0.5, -1, 2}, {1, 0.3, -0.7}, {-1.2, 0.4, 0.1}}),
                "t", Nd4j.createFromArray(new double[][]{{1}, {-0.5}, {0.2}}));
    }

    /**
     * "loss" = mean((model(x) - t)^2) over placeholders x [n,3] and t [n,1], in doubles; the RNG is seeded first, so
     * the weights {@code model} draws (with {@link #weight}) are the same in every run.
     */
    static SameDiff squaredErrorGraph(long seed, UnaryOperator<SDVariable> model) {
        Nd4j.getRandom().setSeed(seed);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 3);
        SDVariable t = sd.placeHolder("t", DataType.DOUBLE, -1, 1);
        SDVariable d = model.apply(x).sub(t);
        d.mul(d).mean().rename("loss");
        sd.setLossVariables("loss");
        return sd;
    }

    /** A trainable variable of standard normal doubles in {@code x}'s graph. */
    static SDVariable weight(SDVariable x, String name, long... shape) {
        return x.getSameDiff().var(name, Nd4j.randn(DataType.DOUBLE, shape));
    }

    /** The loss of a {@link #squaredErrorGraph} on {@link #inputs}. */
    static double loss(SameDiff sd) {
        return sd.output(inputs(), List.of("loss")).get("loss").getDouble(0);
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

    /**
     * An op output as the op produced it: its variable name, the array, and then the array's id, memory address and
     * whether it owned its memory (closeable, not a view).
     */
    record Output(String name, INDArray array, long id, long address, boolean owner) {
    }

    /** Records the name, the class and the outputs of every op a graph executes, in order. */
    static final class OpLog extends BaseListener {
        final List<String> names = new ArrayList<>();
        final List<Class<?>> types = new ArrayList<>();
        final List<Output> outputs = new ArrayList<>();

        @Override
        public boolean isActive(Operation operation) {
            return true;
        }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext,
                                INDArray[] out) {
            names.add(op.getName());
            types.add(op.getOp().getClass());
            for (int i = 0; i < out.length; i++) {
                INDArray a = out[i];
                boolean none = a == null || a.isEmpty();
                outputs.add(new Output(op.getOutputsOfOp().get(i), a, a == null ? -1 : a.getId(),
                        none ? 0 : a.data().address(), !none && a.closeable() && !a.isView()));
            }
        }
    }
}
