package io.udas.train;

import io.udas.graph.ConstantFolding;
import io.udas.nn.Layers;
import io.udas.nn.Scope;
import io.udas.train.optim.ParamGroup;
import io.udas.train.optim.Sgd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.config.ND4JSystemProperties;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.MmulBp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingGraphTest {
    private static final double LR = 0.1;
    private DataType floatType;
    private DataType defaultType;
    private String cacheSetting;

    @BeforeEach
    void doubles() {
        floatType = Nd4j.defaultFloatingPointType();
        defaultType = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        cacheSetting = System.getProperty(ND4JSystemProperties.SAMEDIFF_MEMORY_CACHE_DISABLE);
        // As the CLI runs: released arrays are closed at once instead of cached, so release is observable.
        System.setProperty(ND4JSystemProperties.SAMEDIFF_MEMORY_CACHE_DISABLE, "false");
    }

    @AfterEach
    void restore() {
        Nd4j.setDefaultDataTypes(defaultType, floatType);
        if (cacheSetting == null) {
            System.clearProperty(ND4JSystemProperties.SAMEDIFF_MEMORY_CACHE_DISABLE);
        } else {
            System.setProperty(ND4JSystemProperties.SAMEDIFF_MEMORY_CACHE_DISABLE, cacheSetting);
        }
    }

    /** loss = mean((tanh(x w1) w2 - t)^2), two groups: "first" = w1, "second" = w2. */
    private static TrainingGraph graph() {
        SameDiff sd = GraphProbes.squaredErrorGraph(7, x -> x.getSameDiff().math()
                .tanh(x.mmul(GraphProbes.weight(x, "w1", 3, 4))).mmul(GraphProbes.weight(x, "w2", 4, 1)));
        return new TrainingGraph(sd, "loss", List.of(new ParamGroup("first", List.of("w1"), new Sgd(0, 0), 1.0),
                new ParamGroup("second", List.of("w2"), new Sgd(0, 0), 1.0)));
    }

    private static INDArray numericGradient(TrainingGraph g, String var) {
        return GraphProbes.numericGradient(g.graph().getArrForVarName(var), () -> forwardLoss(g));
    }

    private static double forwardLoss(TrainingGraph g) {
        return g.output(GraphProbes.inputs(), List.of("loss")).get("loss").getDouble(0);
    }

    @Test
    void stepUpdatesTheRequestedGroupByItsGradientAndLeavesTheOtherAlone() {
        TrainingGraph g = graph();
        INDArray w1 = g.graph().getArrForVarName("w1").dup();
        INDArray w2 = g.graph().getArrForVarName("w2").dup();
        INDArray expected = w1.sub(numericGradient(g, "w1").mul(LR));
        double lossBefore = forwardLoss(g);

        TrainingGraph.StepResult r = g.step(GraphProbes.inputs(), List.of("first"), LR, List.of());

        assertEquals(lossBefore, r.loss(), 1e-12);
        INDArray after = g.graph().getArrForVarName("w1");
        for (int i = 0; i < after.length(); i++) {
            assertEquals(expected.getDouble(i), after.getDouble(i), 1e-8, "w1[" + i + "]");
        }
        assertEquals(w2, g.graph().getArrForVarName("w2"));
    }

    @Test
    void theFirstStepAlreadyRunsTheRewrittenBackward() {
        // a residual sum: its backward as built would hold both summands until the backward pass
        SameDiff sd = GraphProbes.squaredErrorGraph(3, x -> x.getSameDiff().math()
                .tanh(x.mmul(GraphProbes.weight(x, "w1", 3, 4))).add(x.mmul(GraphProbes.weight(x, "w2", 3, 4)))
                .mmul(GraphProbes.weight(x, "w3", 4, 1)));
        TrainingGraph g = new TrainingGraph(sd, "loss",
                List.of(new ParamGroup("all", List.of("w1", "w2", "w3"), new Sgd(0, 0), 1.0)));
        GraphProbes.OpLog log = new GraphProbes.OpLog();
        sd.addListeners(log);
        INDArray expected = g.graph().getArrForVarName("w2").sub(numericGradient(g, "w2").mul(LR));
        log.types.clear();
        g.step(GraphProbes.inputs(), List.of("all"), LR, List.of());
        assertTrue(log.types.contains(MmulBp.class), "the backward pass ran");
        assertFalse(log.types.contains(AddBpOp.class), "the sum's backward op was removed before the first step");
        INDArray after = g.graph().getArrForVarName("w2");
        for (int i = 0; i < after.length(); i++) {
            assertEquals(expected.getDouble(i), after.getDouble(i), 1e-8, "w2[" + i + "]");
        }
    }

    @Test
    void stepFreesTheIntermediatesOfItsBackwardPass() {
        TrainingGraph g = graph();
        GraphProbes.OpLog log = new GraphProbes.OpLog();
        g.graph().addListeners(log);
        g.step(GraphProbes.inputs(), List.of("first", "second"), LR, List.of());

        List<INDArray> produced = log.outputs.stream().map(GraphProbes.Output::array)
                .filter(o -> o != null && !o.isEmpty() && o.length() > 1).toList();
        // What is still allocated after the step: the two weight gradients (handed to the optimiser) at most.
        long open = produced.stream().filter(a -> !a.wasClosed()).count();
        assertTrue(produced.size() > 10, "listener saw " + produced.size() + " arrays");
        assertTrue(open <= 2, open + " of " + produced.size() + " intermediate arrays still allocated after the step");
    }

    /** loss = mean((tanh(bn(x w1)) w2 - t)^2) with a frozen BN whose scale and shift are computed from constants. */
    private static SameDiff frozenBatchNormGraph() {
        return GraphProbes.squaredErrorGraph(13, x -> {
            SDVariable h = x.mmul(GraphProbes.weight(x, "w1", 3, 4)).reshape(-1, 1, 1, 4);
            SDVariable bn = Layers.frozenBatchNorm(Scope.of(x.getSameDiff(), "", DataType.DOUBLE), "bn", h, 4, 1.0, true);
            return x.getSameDiff().math().tanh(bn.reshape(-1, 4)).mmul(GraphProbes.weight(x, "w2", 4, 1));
        });
    }

    @Test
    void stepsUseFoldedConstantsAndFoldAgainWhenAConstantChanges() {
        SameDiff sd = frozenBatchNormGraph();
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
        assertEquals(sd.output(GraphProbes.inputs(), List.of("loss")).get("loss").getDouble(0), after, 1e-12,
                "output() after a step runs the folded graph, folded again");
        INDArray expected = sd.getArrForVarName("w1").sub(numericGradient(g, "w1").mul(LR));
        assertEquals(after, g.step(GraphProbes.inputs(), List.of("all"), LR, List.of()).loss(), 1e-12);
        INDArray w1 = sd.getArrForVarName("w1");
        for (int i = 0; i < w1.length(); i++) {
            assertEquals(expected.getDouble(i), w1.getDouble(i), 1e-8, "w1[" + i + "]");
        }
    }

    @Test
    void aStepCanAskForAValueOfConstantsAlone() {
        SameDiff sd = frozenBatchNormGraph();
        sd.constant("c", Nd4j.createFromArray(1.5, -2.0)).mul(2.0).rename("twice");
        TrainingGraph g = new TrainingGraph(sd, "loss", List.of(new ParamGroup("all", List.of("w1", "w2"), new Sgd(0, 0), 1.0)));
        for (int step = 0; step < 2; step++) {
            TrainingGraph.StepResult r = g.step(GraphProbes.inputs(), List.of("all"), LR, List.of("twice"));
            assertEquals(Nd4j.createFromArray(3.0, -4.0), r.outputs().get("twice"), "step " + step);
        }
    }
}
