package io.udas.train.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;

/**
 * SGD with momentum and L2 weight decay, PyTorch semantics (the DeepLab-v2 references):
 * {@code g' = g + wd*p; buf = mu*buf + g'; p -= lr*buf}. (ND4J's Nesterovs is a different update.)
 */
public final class Sgd implements Optimizer {
    private final double momentum;
    private final double weightDecay;
    private final Map<String, INDArray> buffers = new HashMap<>();

    public Sgd(double momentum, double weightDecay) {
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(Map<String, INDArray> params, Map<String, INDArray> grads, double lr) {
        for (var e : grads.entrySet()) {
            INDArray p = params.get(e.getKey());
            INDArray g = e.getValue();
            if (weightDecay != 0) {
                InPlace.axpy(weightDecay, p, g);
            }
            INDArray step = g;
            if (momentum != 0) {
                INDArray buf = buffers.get(e.getKey());
                if (buf == null) {
                    buffers.put(e.getKey(), g.dup());
                } else {
                    InPlace.scaleAdd(momentum, buf, g); // one pass, and no op context left naming g
                    step = buf;
                }
            }
            InPlace.axpy(-lr, step, p);
        }
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> s = new HashMap<>();
        buffers.forEach((k, v) -> s.put(k + ".momentum", v));
        return s;
    }

    @Override
    public void loadState(Map<String, INDArray> state) {
        buffers.clear();
        state.forEach((k, v) -> {
            if (k.endsWith(".momentum")) {
                buffers.put(k.substring(0, k.length() - ".momentum".length()), v.dup());
            }
        });
    }

}
