package io.udas.sweep;

import io.udas.config.RunConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** Candidate generation through Arbiter's grid and random search generators. */
class PlannerTest {
    @TempDir
    Path dir;

    private Sweep sweep(String body) {
        return Sweep.load(Fixtures.sweep(dir, "s", body));
    }

    private static List<Double> column(List<Trial> plan, String key) {
        return plan.stream().map(t -> Double.parseDouble(t.values().get(key))).toList();
    }

    @Test
    void gridIsTheFullCartesianProduct() {
        Sweep s = sweep("""
                search: {kind: grid, grid_points: 3}
                params:
                  uda.lambda_adv: {min: 0.0001, max: 0.01, scale: log}
                  uda.lambda_cm: {min: 0.0, max: 1.0}
                  train.batch_size: {type: integer, min: 1, max: 2}
                  pseudo.threshold: {values: [0.8, 0.9, 0.95, 0.968]}
                """);
        List<Trial> plan = s.plan();
        assertEquals(3 * 3 * 2 * 4, plan.size());
        Set<List<String>> combos = plan.stream().map(t -> List.copyOf(t.values().values())).collect(Collectors.toSet());
        assertEquals(plan.size(), combos.size(), "no duplicates");
        assertEquals(Set.of(0.0001, 0.001, 0.01), new HashSet<>(column(plan, "uda.lambda_adv")), "log-spaced grid");
        assertEquals(Set.of(0.0, 0.5, 1.0), new HashSet<>(column(plan, "uda.lambda_cm")), "linear grid incl. both ends");
        assertEquals(Set.of(1.0, 2.0), new HashSet<>(column(plan, "train.batch_size")));
        assertEquals(Set.of(0.8, 0.9, 0.95, 0.968), new HashSet<>(column(plan, "pseudo.threshold")));
        for (int i = 0; i < plan.size(); i++) {
            assertEquals(i, plan.get(i).index());
        }
        // Arbiter's sequential order: the first parameter changes fastest.
        assertEquals(List.of("0.0001", "0.001", "0.01"), plan.subList(0, 3).stream().map(t -> t.values().get("uda.lambda_adv")).toList());
        assertEquals("0.0", plan.get(0).values().get("uda.lambda_cm"));
        assertEquals("0.5", plan.get(3).values().get("uda.lambda_cm"));
        // Integer values are passed as integers, continuous ones as floats.
        assertTrue(plan.get(0).overrides().contains("train.batch_size=1"), plan.get(0).overrides().toString());
        assertTrue(plan.get(0).overrides().contains("uda.lambda_cm=0.0"), plan.get(0).overrides().toString());
    }

    @Test
    void everyGridCandidateBindsWithItsTypes() {
        Sweep s = sweep("""
                search: {grid_points: 2}
                overrides: {train.iterations: 7, data.source.root: /elsewhere}
                params:
                  uda.lambda_adv: {min: 0.0001, max: 0.01, scale: log}
                  train.batch_size: {type: integer, min: 1, max: 4}
                  model.aspp_dilations: {values: [[6, 12], [6, 12, 18, 24]]}
                """);
        List<Trial> plan = s.plan();
        assertEquals(2 * 2 * 2, plan.size(), "grid_points also caps integer ranges");
        assertEquals(Set.of(1.0, 4.0), new HashSet<>(column(plan, "train.batch_size")));
        for (Trial t : plan) {
            RunConfig c = s.validate(t, dir.resolve("trials").resolve(t.id()));
            assertEquals(Double.parseDouble(t.values().get("uda.lambda_adv")), c.uda.lambdaAdv, 0);
            assertEquals(Integer.parseInt(t.values().get("train.batch_size")), c.train.batchSize);
            assertEquals(7, c.train.iterations);
            assertEquals("/elsewhere", c.data.source.root);
            assertEquals(dir.resolve("trials").resolve(t.id()).toString(), c.outputDir);
            assertTrue(c.model.asppDilations.size() == 2 || c.model.asppDilations.size() == 4);
        }
    }

    @Test
    void maxTrialsCutsTheGridAndExclusionsDropCombinations() {
        Sweep s = sweep("""
                budget: {max_trials: 5}
                params:
                  uda.lambda_cm: {values: [0.1, 0.5, 1.0]}
                  pseudo.threshold: {values: [0.8, 0.9, 0.95]}
                exclude:
                  - {uda.lambda_cm: 0.5, pseudo.threshold: 0.8}
                """);
        List<Trial> plan = s.plan();
        assertEquals(5, plan.size());
        assertTrue(plan.stream().noneMatch(t -> t.values().get("uda.lambda_cm").equals("0.5")
                && t.values().get("pseudo.threshold").equals("0.8")));
        assertEquals(List.of("0.1", "1.0", "0.1", "0.5", "1.0"), plan.stream().map(t -> t.values().get("uda.lambda_cm")).toList());
    }

    @Test
    void randomSearchStaysInBoundsIsLogUniformAndReproducible() {
        String body = """
                search: {kind: random, seed: %d}
                budget: {max_trials: 400}
                params:
                  uda.lambda_adv: {min: 0.00001, max: 0.1, scale: log}
                  uda.lambda_cm: {min: 0.2, max: 0.7}
                  train.batch_size: {type: integer, min: 2, max: 5}
                  pseudo.threshold: {values: [0.8, 0.9]}
                """;
        List<Trial> a = sweep(body.formatted(7)).plan();
        assertEquals(400, a.size());
        List<Double> adv = column(a, "uda.lambda_adv");
        assertTrue(adv.stream().allMatch(v -> v >= 1e-5 && v <= 0.1), "log param within bounds");
        // Log-uniform: each decade of the 4 gets about a quarter; uniform sampling would put ~90% in the top decade.
        long lowest = adv.stream().filter(v -> v < 1e-4).count();
        long top = adv.stream().filter(v -> v >= 1e-2).count();
        assertTrue(lowest > 60 && lowest < 140, "lowest decade: " + lowest);
        assertTrue(top > 60 && top < 140, "top decade: " + top);
        assertTrue(column(a, "uda.lambda_cm").stream().allMatch(v -> v >= 0.2 && v <= 0.7));
        assertEquals(Set.of(2.0, 3.0, 4.0, 5.0), new HashSet<>(column(a, "train.batch_size")), "integers, all of the range");
        assertEquals(Set.of(0.8, 0.9), new HashSet<>(column(a, "pseudo.threshold")));

        List<Trial> again = sweep(body.formatted(7)).plan();
        assertEquals(a, again, "same seed, same candidates");
        List<Trial> other = sweep(body.formatted(8)).plan();
        assertNotEquals(column(a, "uda.lambda_adv"), column(other, "uda.lambda_adv"), "another seed, other candidates");
        // A larger budget extends the same sequence (so a resumed sweep keeps its finished trials).
        List<Trial> fewer = sweep(body.formatted(7).replace("max_trials: 400", "max_trials: 10")).plan();
        assertEquals(a.subList(0, 10), fewer);
    }

    @Test
    void namedOverrideSetsChangeOverridesCommandAndBase() {
        Path other = Fixtures.write(dir, "other.yaml", Fixtures.BASE.replace("seed: 1", "seed: 5"));
        Sweep s = sweep("""
                command: pipeline
                params:
                  data.labeled_target: {values: [100, 0]}
                  method:
                    values:
                      sl: {command: train, base: %s, stage: supervised, train.on: target}
                      udas: {}
                exclude:
                  - {method: sl, data.labeled_target: 0}
                """.formatted(other));
        List<Trial> plan = s.plan();
        assertEquals(3, plan.size());
        Trial sl = plan.stream().filter(t -> t.values().get("method").equals("sl")).findFirst().orElseThrow();
        assertEquals("train", sl.command());
        assertEquals(other.toString(), sl.base());
        assertTrue(sl.overrides().containsAll(List.of("data.labeled_target=100", "stage=supervised", "train.on=target")),
                sl.overrides().toString());
        RunConfig c = s.validate(sl, dir.resolve("t"));
        assertEquals(io.udas.config.TrainConfig.TrainOn.TARGET, c.train.on);
        assertEquals(5, c.seed);
        assertEquals(100, c.data.labeledTarget);
        Trial udas = plan.stream().filter(t -> t.values().get("method").equals("udas")).findFirst().orElseThrow();
        assertEquals("pipeline", udas.command());
        assertEquals(List.of("data.labeled_target=100"), udas.overrides());
    }

    @Test
    void overrideTextReadsBackWithItsType() {
        Sweep s = sweep("""
                params:
                  data.target.list: {values: ["true", "a: b", "x,y", plain]}
                """);
        for (Trial t : s.plan()) {
            RunConfig c = s.validate(t, dir.resolve("t"));
            assertEquals(t.values().get("data.target.list").replaceAll("^\"|\"$", ""), c.data.target.list);
        }
        assertEquals("0.0001", Values.formatDouble(1e-4));
        assertEquals("250.0", Values.formatDouble(250));
        assertEquals(0.00123457, Values.round(0.001234567), 0);
    }
}
