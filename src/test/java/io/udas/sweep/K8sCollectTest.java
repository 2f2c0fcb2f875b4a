package io.udas.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.udas.cli.SweepCommand;
import io.udas.sweep.TrialResult.Status;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Beyond one server: the Indexed Job manifest, the one-trial pod mode, and collecting the pods' results. */
class K8sCollectTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    private static int run(String... args) throws Exception {
        SweepCommand c = new SweepCommand();
        Options o = c.options();
        CommandLine cl = new DefaultParser().parse(o, args);
        return c.run(cl);
    }

    @Test
    void emitsAnIndexedJobWithOneCompletionPerTrial() throws Exception {
        Path f = Fixtures.sweep(dir, "dd", """
                k8s: {parallelism: 3, namespace: ml, memory: 40Gi}
                params:
                  data.labeled_target: {values: [2975, 1000, 500, 100, 0]}
                  method: {values: {SL: {command: train, stage: supervised}, UDAS: {}}}
                exclude: [{method: SL, data.labeled_target: 0}]
                """);
        Path out = dir.resolve("job.yaml");
        assertEquals(0, run("--config", f.toString(), "--emit", "k8s", "--emit-to", out.toString(),
                "--image", "registry.example/udas:cuda", "--set", "train.iterations=5"));
        JsonNode job = new ObjectMapper(new YAMLFactory()).readTree(out.toFile());
        assertEquals("batch/v1", job.path("apiVersion").asText());
        assertEquals("Job", job.path("kind").asText());
        assertEquals("udas-sweep-dd", job.path("metadata").path("name").asText());
        assertEquals("ml", job.path("metadata").path("namespace").asText());
        JsonNode spec = job.path("spec");
        assertEquals("Indexed", spec.path("completionMode").asText());
        assertEquals(9, spec.path("completions").asInt(), "one index per trial");
        assertEquals(3, spec.path("parallelism").asInt());
        assertEquals(9, spec.path("backoffLimit").asInt());
        JsonNode pod = spec.path("template").path("spec");
        assertEquals("Never", pod.path("restartPolicy").asText());
        JsonNode c = pod.path("containers").get(0);
        assertEquals("registry.example/udas:cuda", c.path("image").asText());
        assertEquals(1, c.path("resources").path("limits").path("nvidia.com/gpu").asInt());
        assertEquals("40Gi", c.path("resources").path("limits").path("memory").asText());
        List<String> args = new ArrayList<>();
        c.path("args").forEach(a -> args.add(a.asText()));
        int ti = args.indexOf("--trial-index");
        assertTrue(ti > 0, args.toString());
        assertEquals("$(" + K8sJob.INDEX_ENV + ")", args.get(ti + 1), "each pod runs the trial of its completion index");
        assertEquals(f.toString(), args.get(args.indexOf("--config") + 1), "outside the working directory: kept absolute");
        assertEquals("/runs/sweeps/dd", args.get(args.indexOf("--out") + 1), "results on the shared volume");
        assertEquals("train.iterations=5", args.get(args.indexOf("--set") + 1));
        JsonNode env = c.path("env").get(0);
        assertEquals(K8sJob.INDEX_ENV, env.path("name").asText());
        assertEquals("metadata.annotations['batch.kubernetes.io/job-completion-index']",
                env.path("valueFrom").path("fieldRef").path("fieldPath").asText());
        assertEquals("/runs", c.path("volumeMounts").get(0).path("mountPath").asText());
        assertEquals("udas-runs", pod.path("volumes").get(0).path("persistentVolumeClaim").path("claimName").asText());
        assertEquals("java", c.path("command").get(0).asText());
    }

    @Test
    void podTrialsWriteTheirOwnResultsAndCollectMergesThem() throws Exception {
        Path f = Fixtures.sweep(dir, "pods", Fixtures.FAST_JVM + """
                params:
                  uda.lambda_cm: {values: [0.25, 0.5, 1.0]}
                  seed: {values: [1, 13]}
                """);
        Path volume = dir.resolve("pvc/sweeps/pods");
        Sweep s = Sweep.load(f);
        SweepRunner.Options o = new SweepRunner.Options();
        o.outputDir = volume;
        o.mainClass = FakeTrialMain.class.getName();
        o.out = new java.io.PrintStream(log, true);
        // Three "pods": indices 1, 2 and 3 (3 has seed 13 and fails: recorded, not a pod failure).
        for (int i : new int[]{1, 2, 3}) {
            TrialResult r = new SweepRunner(s, o).runIndex(i);
            assertEquals(i == 3 ? Status.FAILED : Status.OK, r.status());
            assertTrue(Files.isRegularFile(volume.resolve("trials").resolve(Trial.id(i)).resolve("result.json")));
        }
        assertFalse(Files.exists(volume.resolve("results.csv")), "pods never write the shared results.csv");
        assertThrows(IllegalArgumentException.class, () -> new SweepRunner(s, o).runIndex(6));
        // A pod that is restarted for a finished trial does nothing.
        new SweepRunner(s, o).runIndex(1);
        assertEquals(1, Files.readAllLines(volume.resolve("trials/001/starts.txt")).size());

        // Collect from the volume into the sweep folder itself.
        SweepRunner.Outcome out = new SweepRunner(s, o).collect(null);
        assertEquals(2, out.ok());
        assertEquals(1, out.failed());
        assertEquals(3, out.pending());
        Map<Integer, TrialResult> rows = ResultsCsv.read(volume.resolve("results.csv"));
        assertEquals(6, rows.size());
        assertEquals(Status.OK, rows.get(1).status());
        assertEquals(FakeTrialMain.score(1e-3, 0.5, 0.9, 0), rows.get(1).score(), 1e-6);
        assertEquals(Status.FAILED, rows.get(3).status());
        assertTrue(rows.get(3).reason().contains("boom"), rows.get(3).reason());
        assertEquals(Status.PENDING, rows.get(0).status());
        assertTrue(Files.isRegularFile(volume.resolve("report.md")));

        // Collect from a copy of the volume into another (local) sweep folder that already has a result of its own.
        Path local = dir.resolve("local");
        SweepRunner.Options lo = new SweepRunner.Options();
        lo.outputDir = local;
        lo.mainClass = FakeTrialMain.class.getName();
        lo.out = o.out;
        new SweepRunner(s, lo).runIndex(0);
        SweepRunner.Outcome merged = new SweepRunner(s, lo).collect(volume);
        assertEquals(3, merged.ok(), "trial 0 from the local folder, 1 and 2 from the volume");
        Map<Integer, TrialResult> m = ResultsCsv.read(local.resolve("results.csv"));
        assertEquals(volume.resolve("trials/002").toString(), m.get(2).runDir());
        // A later local run only runs what is still missing (trials 4 and 5) and keeps the merged rows.
        SweepRunner.Outcome done = new SweepRunner(s, lo).run();
        assertEquals(6, done.ok() + done.failed());
        assertFalse(Files.exists(local.resolve("trials/001/starts.txt")), "merged trials are not run again");
    }

    @Test
    void dryRunValidatesAndRunsNothing() throws Exception {
        Path f = Fixtures.sweep(dir, "dry", "params:\n  uda.lambda_cm: {values: [0.5, 1.0]}\n");
        assertEquals(0, run("--config", f.toString(), "--dry-run"));
        assertFalse(Files.exists(dir.resolve("out/dry/trials")));
        Path bad = Fixtures.sweep(dir, "dry2", "params:\n  uda.lambda_cmm: {values: [0.5]}\n");
        io.udas.config.ConfigException e = assertThrows(io.udas.config.ConfigException.class,
                () -> run("--config", bad.toString(), "--dry-run"));
        assertTrue(e.getMessage().startsWith(bad + ": trial 000"), e.getMessage());
    }
}
