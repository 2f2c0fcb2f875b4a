package io.udas.sweep;

import io.udas.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class SweepFileTest {
    @TempDir
    Path dir;

    private String error(String body) {
        Path f = Fixtures.sweep(dir, "bad", body);
        ConfigException e = assertThrows(ConfigException.class, () -> Sweep.load(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void unknownKeysAndWrongTypesNameFileAndKey() {
        assertTrue(error("serch: {kind: grid}\nparams: {uda.lambda_cm: {values: [1]}}\n").contains("unknown key 'serch'"));
        String m = error("params:\n  uda.lambda_adv: {min: 0.1, max: 1, scal: log}\n");
        assertTrue(m.contains("unknown key 'params.uda.lambda_adv.scal'"), m);
        assertTrue(m.contains("scale"), "lists the known keys: " + m);
        m = error("search: {kind: bayes}\nparams: {uda.lambda_cm: {values: [1]}}\n");
        assertTrue(m.contains("search.kind") && m.contains("grid/random"), m);
        m = error("search: {grid_points: three}\nparams: {uda.lambda_cm: {values: [1]}}\n");
        assertTrue(m.contains("search.grid_points"), m);
    }

    @Test
    void inconsistentParametersAreErrors() {
        assertTrue(error("params:\n  uda.lambda_adv: {min: 1, max: 0.1}\n").contains("params.uda.lambda_adv.max: expected max >= min"));
        assertTrue(error("params:\n  uda.lambda_adv: {min: 0, max: 1, scale: log}\n").contains("params.uda.lambda_adv.min: scale: log needs min > 0"));
        assertTrue(error("params:\n  uda.lambda_adv: {min: 0}\n").contains("params.uda.lambda_adv.max: required"));
        assertTrue(error("params:\n  train.batch_size: {type: integer, min: 1, max: 2.5}\n").contains("integer parameters need integer"));
        assertTrue(error("params:\n  uda.lambda_cm: {values: []}\n").contains("params.uda.lambda_cm.values: expected at least one value"));
        assertTrue(error("params:\n  uda.lambda_cm: {values: [1], min: 0}\n").contains("params.uda.lambda_cm.min"));
        assertTrue(error("params:\n  method: {values: {sl: {command: eval}}}\n").contains("params.method.values.sl.command"));
        assertTrue(error("params: {}\n").contains("params: at least one parameter"));
        assertTrue(error("params:\n  output_dir: {values: [a]}\n").contains("output_dir is set by the sweep"));
    }

    @Test
    void budgetScoreReportAndExcludeAreChecked() {
        String p = "params:\n  uda.lambda_cm: {values: [1, 2]}\n";
        assertTrue(error("search: {kind: random}\n" + p).contains("budget.max_trials: required for search.kind: random"));
        assertTrue(error("budget: {max_time: soon}\n" + p).contains("budget.max_time: expected a duration"));
        assertTrue(error("trial: {timeout: -5}\n" + p).contains("trial.timeout"));
        assertTrue(error("command: eval\n" + p).contains("command: expected one of"));
        assertTrue(error("exclude: [{uda.lambda_adv: 1}]\n" + p).contains("exclude[0].uda.lambda_adv: not a parameter"));
        assertTrue(error("report: {curve: {x: data.labeled_target}}\n" + p).contains("report.curve.x"));
        assertTrue(error("gpus: many\n" + p).contains("gpus: expected auto"));
        assertTrue(error("overrides: {output_dir: x}\n" + p).contains("overrides.output_dir"));
    }

    @Test
    void aBadKeyInATrialsRunConfigFailsBeforeLaunchNamingTheSweepFile() {
        Path f = Fixtures.sweep(dir, "typo", "params:\n  uda.lambda_ad: {values: [0.001]}\n");
        Sweep s = Sweep.load(f);
        SweepRunner r = new SweepRunner(s, new SweepRunner.Options());
        ConfigException e = assertThrows(ConfigException.class, r::validateAll);
        assertTrue(e.getMessage().startsWith(f + ": trial 000 (uda.lambda_ad=0.001): "), e.getMessage());
        assertTrue(e.getMessage().contains("unknown key 'uda.lambda_ad'"), e.getMessage());
        assertFalse(Files.exists(s.defaultOutputDir().resolve("trials")), "nothing launched or created");

        // A value the run config rejects (threshold must be in [0, 1]) is caught the same way.
        Path g = Fixtures.sweep(dir, "range", "params:\n  pseudo.threshold: {values: [0.9, 1.5]}\n");
        SweepRunner r2 = new SweepRunner(Sweep.load(g), new SweepRunner.Options());
        e = assertThrows(ConfigException.class, r2::validateAll);
        assertTrue(e.getMessage().startsWith(g + ": trial 001 (pseudo.threshold=1.5): "), e.getMessage());
        assertTrue(e.getMessage().contains("pseudo.threshold"), e.getMessage());

        // Extra --set overrides are validated too.
        Path h = Fixtures.sweep(dir, "ok", "params:\n  pseudo.threshold: {values: [0.9]}\n");
        SweepRunner r3 = new SweepRunner(Sweep.load(h, List.of("train.iteratons=5")), new SweepRunner.Options());
        e = assertThrows(ConfigException.class, r3::validateAll);
        assertTrue(e.getMessage().contains("train.iteratons"), e.getMessage());
    }

    @Test
    void defaultsAndDurations() {
        Path f = Fixtures.sweep(dir, "d", "trial: {timeout: 1h30m}\nbudget: {max_time: 7200}\nparams:\n  uda.lambda_cm: {values: [1]}\n");
        Sweep s = Sweep.load(f);
        assertEquals("d", s.name, "name defaults to the file name");
        assertEquals("pipeline", s.spec.command);
        assertEquals(Duration.ofMinutes(90), s.timeout);
        assertEquals(Duration.ofHours(2), s.maxTime);
        assertEquals(Duration.ofSeconds(10), s.killGrace);
        assertEquals(Duration.ofDays(2).plusHours(3), Durations.parse("2d3h"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("3 parsecs"));
    }

    /** The shipped sweep files are valid and plan what they should (their base configs are written by others). */
    @Test
    void shippedSweepFilesLoadAndPlan() throws Exception {
        Path hs = Path.of("hyperparam-search");
        List<Path> files;
        try (Stream<Path> s = Files.list(hs)) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertEquals(List.of("data-dependency.yaml", "demo-data-dependency.yaml", "demo-lambda-adv-cm.yaml",
                        "demo-threshold.yaml", "lambda-adv-cm.yaml", "threshold.yaml"),
                files.stream().map(p -> p.getFileName().toString()).toList());
        for (Path f : files) {
            Sweep s = Sweep.load(f);
            List<Trial> plan = s.plan();
            assertFalse(plan.isEmpty(), f.toString());
            for (Trial t : plan) {
                assertTrue(t.base().endsWith(f.getFileName().toString().startsWith("demo-")
                        ? "configs/demo.yaml" : "configs/gta5-cityscapes.yaml"), t.base());
            }
        }
        Sweep dd = Sweep.load(hs.resolve("data-dependency.yaml"));
        List<Trial> plan = dd.plan();
        assertEquals(9, plan.size(), "5 subset sizes for UDAS, 4 for SL (no SL run without labels)");
        assertEquals(List.of("2975", "1000", "500", "100"), plan.stream()
                .filter(t -> t.values().get("method").equals("SL")).map(t -> t.values().get("data.labeled_target")).toList());
        assertEquals(5, plan.stream().filter(t -> t.values().get("method").equals("UDAS")).count());
        assertTrue(plan.stream().filter(t -> t.values().get("method").equals("SL")).allMatch(t -> t.command().equals("train")));
        assertTrue(plan.stream().filter(t -> t.values().get("method").equals("UDAS")).allMatch(t -> t.command().equals("pipeline")));

        List<Trial> lam = Sweep.load(hs.resolve("lambda-adv-cm.yaml")).plan();
        assertTrue(lam.stream().allMatch(t -> t.values().containsKey("uda.lambda_adv") && t.values().containsKey("uda.lambda_cm")));
        assertTrue(Sweep.load(hs.resolve("threshold.yaml")).plan().stream().allMatch(t -> t.values().containsKey("pseudo.threshold")));
    }
}
