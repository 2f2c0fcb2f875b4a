package io.udas.train.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.HashMap;
import java.util.Map;

/** Adam with bias correction, PyTorch semantics (eps added to the corrected second-moment root). */
public final class Adam implements Optimizer {
    private static final String STEP_KEY = "adam.step";
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final Map<String, INDArray> m = new HashMap<>();
    private final Map<String, INDArray> v = new HashMap<>();
    private long step;

    public Adam(double beta1, double beta2) {
        this(beta1, beta2, 1e-8);
    }

    public Adam(double beta1, double beta2, double eps) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    @Override
    public void step(Map<String, INDArray> params, Map<String, INDArray> grads, double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        double stepSize = lr / bc1;
        for (var e : grads.entrySet()) {
            INDArray g = e.getValue();
            INDArray mm = m.computeIfAbsent(e.getKey(), k -> Nd4j.zerosLike(g));
            INDArray vv = v.computeIfAbsent(e.getKey(), k -> Nd4j.zerosLike(g));
            InPlace.axpy(1 - beta1, g, mm.muli(beta1));
            InPlace.axpy(1 - beta2, g.muli(g), vv.muli(beta2));
            // g becomes the update: m / (sqrt(v / bc2) + eps)
            Transforms.sqrt(g.assign(vv).divi(bc2), false).addi(eps).rdivi(mm);
            InPlace.axpy(-stepSize, g, params.get(e.getKey()));
        }
    }

    @Override
    public Map<String, INDArray> state() {
        Map<String, INDArray> s = new HashMap<>();
        m.forEach((k, a) -> s.put(k + ".adam_m", a));
        v.forEach((k, a) -> s.put(k + ".adam_v", a));
        s.put(STEP_KEY, Nd4j.scalar((double) step));
        return s;
    }

    @Override
    public void loadState(Map<String, INDArray> state) {
        m.clear();
        v.clear();
        step = 0;
        state.forEach((k, a) -> {
            if (k.equals(STEP_KEY)) {
                step = (long) a.getDouble(0);
            } else if (k.endsWith(".adam_m")) {
                m.put(k.substring(0, k.length() - 7), a.dup());
            } else if (k.endsWith(".adam_v")) {
                v.put(k.substring(0, k.length() - 7), a.dup());
            }
        });
    }
}
