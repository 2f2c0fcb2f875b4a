package io.udas.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.validation.GradCheckUtil;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collection;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Shared helpers for the nn tests. */
final class TestUtil {

    private TestUtil() {
    }

    /** Switches ND4J to double precision (for finite-difference gradient checks). */
    static void useDouble() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    /** Back to the float default. */
    static void useFloat() {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }

    /**
     * Makes a scalar loss sum(out * R) with a fixed random R (so every output element gets a distinct upstream
     * gradient), registers it as the loss and returns it. {@code out} must be computable without placeholders.
     */
    static SDVariable projectToLoss(SDVariable out) {
        SameDiff sd = out.getSameDiff();
        long[] shape = out.eval().shape();
        SDVariable r = sd.constant(Nd4j.randn(out.dataType(), shape));
        SDVariable loss = out.mul(r).sum().rename("loss");
        sd.setLossVariables("loss");
        return loss;
    }

    /** Full finite-difference check of every VARIABLE (settings from the notes). */
    static boolean gradCheck(SameDiff sd, Map<String, INDArray> placeholders) {
        return GradCheckUtil.checkGradients(sd, placeholders, 1e-6, 1e-4, 1e-8, false, false);
    }

    /**
     * Own central-difference check of {@code samples} random elements of each named variable against
     * {@code calculateGradients} (GradCheckUtil with a subset still runs forward passes for every constant, which makes
     * it slow on networks with many frozen-BN constants). Returns the number of elements checked; fails via exception.
     */
    static int gradCheckSampled(SameDiff sd, String loss, Map<String, INDArray> placeholders, Collection<String> vars,
                                int samples, long seed) {
        Map<String, INDArray> analytic = sd.calculateGradients(placeholders, vars);
        Random rnd = new Random(seed);
        double eps = 1e-6;
        int n = 0;
        for (String v : vars) {
            INDArray arr = sd.getArrForVarName(v);
            INDArray g = analytic.get(v);
            if (g == null) {
                throw new AssertionError("No gradient for " + v);
            }
            INDArray flat = arr.reshape(arr.length());
            INDArray gFlat = g.reshape(g.length());
            for (int k = 0; k < Math.min(samples, arr.length()); k++) {
                long i = (long) (rnd.nextDouble() * arr.length());
                double orig = flat.getDouble(i);
                flat.putScalar(i, orig + eps);
                double lp = sd.output(placeholders, loss).get(loss).getDouble(0);
                flat.putScalar(i, orig - eps);
                double lm = sd.output(placeholders, loss).get(loss).getDouble(0);
                flat.putScalar(i, orig);
                double num = (lp - lm) / (2 * eps);
                double an = gFlat.getDouble(i);
                double absErr = Math.abs(num - an);
                double rel = absErr / Math.max(Math.abs(num), Math.abs(an));
                if (absErr > 1e-8 && rel > 1e-4) {
                    throw new AssertionError("Gradient mismatch for " + v + "[" + i + "]: analytic " + an + ", numeric " + num);
                }
                n++;
            }
        }
        return n;
    }

    /** Finite-difference check of at most {@code maxPerParam} random elements of every VARIABLE not in {@code skip}. */
    static boolean gradCheckSubset(SameDiff sd, Map<String, INDArray> placeholders, Set<String> skip, int maxPerParam) {
        return GradCheckUtil.checkGradients(sd, placeholders, 1e-6, 1e-4, 1e-8, false, false, false, false,
                skip, null, maxPerParam, GradCheckUtil.Subset.RANDOM);
    }
}
