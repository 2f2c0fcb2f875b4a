package io.udas.train;

import io.udas.train.optim.ParamGroup;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The adversarial training step, designed once for every GAN-style stage (output-space UDA,
 * CycleGAN): two {@link TrainingGraph}s over shared weight arrays, one per optimisation direction.
 *
 * <ul>
 *   <li>The <b>first</b> graph (segmenter / generators) holds the first player's network and the
 *   second player's network on top of it; its step updates only the first player's groups, so the
 *   adversarial gradient reaches the first player through the discriminator while the
 *   discriminator's weights stay as they are.</li>
 *   <li>The <b>second</b> graph (discriminators) holds only the second player's network, on
 *   placeholders. {@code feed} turns the first step's outputs (computed before its update, so
 *   "detached" by construction, e.g. softmax maps or fake images after an image pool) into those
 *   placeholders. The first player's weights are not in this graph at all.</li>
 * </ul>
 *
 * Both steps see the weights as they were at the start of the iteration for the second player, as in
 * the AdaptSegNet / CycleGAN reference loops (D is updated after G's gradient is taken). The first
 * graph pays one forward + backward of both networks, the second one of the discriminator only: no
 * part of the first player is evaluated twice (a single graph with gated losses would need a second
 * forward pass of the first player to get the discriminator's gradient).
 */
public final class TwoPlayerStep {
    /** A graph and the parameter groups its step updates. */
    public record Player(TrainingGraph graph, List<String> groups) {
        public Player {
            groups = List.copyOf(groups);
            for (String g : groups) {
                graph.group(g);
            }
        }
    }

    /** Both steps' results. */
    public record Result(TrainingGraph.StepResult first, TrainingGraph.StepResult second) {
    }

    private final Player first;
    private final Player second;

    /**
     * @throws IllegalArgumentException if the players share a group name, or if a variable of the
     *                                  second player also in the first graph is not the same array
     *                                  there (built with a copy instead of on shared weights)
     */
    public TwoPlayerStep(Player first, Player second) {
        this.first = first;
        this.second = second;
        Set<String> names = new LinkedHashSet<>(first.groups());
        for (String g : second.groups()) {
            if (!names.add(g)) {
                throw new IllegalArgumentException("group " + g + " in both players");
            }
        }
        for (String g : second.groups()) {
            for (String v : second.graph().group(g).variables()) {
                if (first.graph().graph().hasVariable(v)) {
                    INDArray a = first.graph().graph().getArrForVarName(v);
                    INDArray b = second.graph().graph().getArrForVarName(v);
                    if (a != b && a.data() != b.data()) {
                        throw new IllegalArgumentException(v + ": the two graphs hold different arrays; build both on "
                                + "the same weight store (Scope.bound), SameDiff's setArray copies");
                    }
                }
            }
        }
    }

    public Player first() {
        return first;
    }

    public Player second() {
        return second;
    }

    /** The first player's step alone (updates its groups; the second player's weights stay). */
    public TrainingGraph.StepResult stepFirst(Map<String, INDArray> inputs, double lr, List<String> outputs) {
        return first.graph().step(inputs, first.groups(), lr, outputs);
    }

    /** The second player's step alone (its graph does not contain the first player). */
    public TrainingGraph.StepResult stepSecond(Map<String, INDArray> inputs, double lr, List<String> outputs) {
        return second.graph().step(inputs, second.groups(), lr, outputs);
    }

    /**
     * One iteration: the first player's step, then the second's on {@code feed(first outputs)}.
     *
     * @param firstOutputs outputs of the first graph to return; must include what {@code feed} reads
     */
    public Result step(Map<String, INDArray> firstInputs, double firstLr, List<String> firstOutputs,
                       Function<Map<String, INDArray>, Map<String, INDArray>> feed, double secondLr,
                       List<String> secondOutputs) {
        TrainingGraph.StepResult a = stepFirst(firstInputs, firstLr, firstOutputs);
        TrainingGraph.StepResult b = stepSecond(feed.apply(a.outputs()), secondLr, secondOutputs);
        return new Result(a, b);
    }

    /** Every group's optimiser state under {@code opt.<group>.} (group names are unique across players). */
    public Map<String, INDArray> optimizerState() {
        Map<String, INDArray> out = new HashMap<>();
        out.putAll(new TrainState().optimizers(first.graph(), first.groups().toArray(String[]::new)).arrays());
        out.putAll(new TrainState().optimizers(second.graph(), second.groups().toArray(String[]::new)).arrays());
        return out;
    }

    /** Restores what {@link #optimizerState()} wrote. */
    public void restoreOptimizers(Map<String, INDArray> state) {
        TrainState.restoreOptimizers(state, first.graph(), first.groups().toArray(String[]::new));
        TrainState.restoreOptimizers(state, second.graph(), second.groups().toArray(String[]::new));
    }

    /** Variables of a player's groups, e.g. to snapshot them in tests. */
    public static List<String> variables(Player p) {
        List<String> out = new java.util.ArrayList<>();
        for (String g : p.groups()) {
            ParamGroup group = p.graph().group(g);
            out.addAll(group.variables());
        }
        return out;
    }
}
