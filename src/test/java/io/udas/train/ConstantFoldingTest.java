package io.udas.train;

import io.udas.nn.Layers;
import io.udas.nn.Scope;
import io.udas.train.optim.ParamGroup;
import io.udas.train.optim.Sgd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Constant folding of a gradient graph: the folded values are used, and recomputed when their constants change. */
class ConstantFoldingTest {
    private DataType floatType;
    private DataType defaultType;

    @BeforeEach
    void doubles() {
        floatType = Nd4j.defaultFloatingPointType();
        defaultType = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterEach
    void restore() {
        Nd4j.setDefaultDataTypes(defaultType, floatType);
    }

    /** loss = mean((tanh(bn(x w1)) w2 - t)^2) with a frozen BN whose scale and shift are computed from constants. */
    private static SameDiff graph() {
        return GraphProbes.squaredErrorGraph(13, x -> {
            SDVariable h = x.mmul(GraphProbes.weight(x, "w1", 3, 4)).reshape(-1, 1, 1, 4);
            SDVariable bn = Layers.frozenBatchNorm(Scope.of(x.getSameDiff(), "", DataType.DOUBLE), "bn", h, 4, 1.0, true);
            return x.getSameDiff().math().tanh(bn.reshape(-1, 4)).mmul(GraphProbes.weight(x, "w2", 4, 1));
        });
    }

    private static double forwardLoss(TrainingGraph g) {
        return g.output(GraphProbes.inputs(), List.of("loss")).get("loss").getDouble(0);
    }

    @Test
    void stepsUseTheFoldedValuesAndFoldAgainWhenAConstantChanges() {
        SameDiff sd = graph();
        TrainingGraph g = new TrainingGraph(sd, "loss", List.of(new ParamGroup("all", List.of("w1", "w2"), new Sgd(0, 0), 1.0)));
        sd.getArrForVarName("bn.running_var").assign(Nd4j.createFromArray(0.5, 2.0, 1.5, 0.25));
        sd.getArrForVarName("bn.running_mean").assign(Nd4j.createFromArray(0.1, -0.2, 0.3, 0.0));
        double before = forwardLoss(g);
        assertEquals(before, g.step(GraphProbes.inputs(), List.of("all"), 0.0, List.of()).loss(), 1e-12);
        SameDiff grad = sd.getFunction(TrainingGraph.GRADIENT_FUNCTION);
        assertTrue(ConstantFolding.foldable(sd, grad).isEmpty(), "no op on constants alone is left");
        assertFalse(ConstantFolding.foldable(sd, sd).isEmpty(), "the forward graph computes the BN scale and shift");

        // statistics replaced in place: the next step folds them again
        sd.getArrForVarName("bn.running_var").assign(Nd4j.createFromArray(3.0, 0.2, 1.0, 0.7));
        sd.getArrForVarName("bn.weight").assign(Nd4j.createFromArray(2.0, -1.0, 0.5, 1.5));
        double after = forwardLoss(g);
        assertTrue(Math.abs(after - before) > 1e-3);
        INDArray expected = sd.getArrForVarName("w1").sub(GraphProbes.numericGradient(sd.getArrForVarName("w1"),
                () -> forwardLoss(g)).mul(0.1));
        assertEquals(after, g.step(GraphProbes.inputs(), List.of("all"), 0.1, List.of()).loss(), 1e-12);
        INDArray w1 = sd.getArrForVarName("w1");
        for (int i = 0; i < w1.length(); i++) {
            assertEquals(expected.getDouble(i), w1.getDouble(i), 1e-8, "w1[" + i + "]");
        }
    }
}
