package io.udas.cli;

import io.udas.config.ConfigLoader;
import io.udas.config.RunConfig;
import io.udas.data.LabelPng;
import io.udas.eval.SegMetrics;
import io.udas.model.SegmentationModel;
import io.udas.pipeline.Stages;
import io.udas.train.SupervisedTrainer;
import io.udas.train.TinyRun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** The commands end to end through {@link Main}, as a user runs them. */
class CommandsTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    private int udas(String... args) {
        out.reset();
        err.reset();
        return Main.standard().run(args);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void arrayPoolBudgetFollowsTheRamOnTheCpuBackend() {
        // no CUDA devices in the environment information: the arrays live in RAM
        assertEquals(12345L << 20, Main.arrayMemory(12345L << 20));
    }

    @Test
    void helpListsEveryCommandAndEachHasHelp() {
        assertEquals(Main.OK, udas("--help"));
        for (Command c : Commands.all()) {
            assertTrue(stdout().contains(c.name()), c.name());
        }
        for (Command c : Commands.all()) {
            assertEquals(Main.OK, udas(c.name(), "--help"), c.name());
            assertTrue(stdout().contains("udas " + c.name()), c.name());
        }
        assertEquals(Main.USAGE, udas("fly"));
        assertTrue(stderr().contains("unknown command 'fly'"));
        assertEquals(Main.USAGE, udas("train"));
        assertTrue(stderr().contains("Missing required option"), stderr());
    }

    /** A user copies help examples verbatim: every config they name must exist and validate with their --set keys. */
    @Test
    void helpExamplesNameConfigsThatExistAndValidate() {
        int checked = 0;
        for (Command c : Commands.all()) {
            for (String line : c.examples().split("\n")) {
                List<String> words = List.of(line.trim().split("\\s+"));
                int at = words.indexOf("--config");
                if (at < 0 || !words.get(at + 1).startsWith("configs/")) {
                    continue;
                }
                Path file = Path.of(words.get(at + 1));
                assertTrue(Files.isRegularFile(file), c.name() + " example names a missing file: " + line);
                List<String> sets = new java.util.ArrayList<>();
                for (int i = 0; i < words.size() - 1; i++) {
                    if (words.get(i).equals("--set") && !words.get(i + 1).startsWith("'")) {
                        sets.add(words.get(i + 1));
                    }
                }
                RunConfig cfg = ConfigLoader.load(file, sets);
                assertNotNull(cfg, line);
                checked++;
            }
        }
        assertTrue(checked >= 5, "examples checked: " + checked);
    }

    @Test
    void badConfigIsOneLineNamingFileAndKeyWithUsageExit() throws IOException {
        Path cfg = TinyRun.config(dir);
        Files.writeString(cfg, Files.readString(cfg).replace("lr: 0.02", "lr: fast"));
        assertEquals(Main.USAGE, udas("train", "--config", cfg.toString()));
        String e = stderr().strip();
        assertFalse(e.contains("\n"), e);
        assertTrue(e.contains(cfg.toString()) && e.contains("train.lr"), e);
    }

    @Test
    void trainEvaluatePredictOnTinyDemoData() throws IOException {
        Path cfg = TinyRun.config(dir);
        assertEquals(Main.OK, udas("train", "--config", cfg.toString(), "--set", "train.iterations=2"), stderr());
        Path run = dir.resolve("run");
        for (String f : List.of("config.yaml", "provenance.json", "metrics.jsonl", "summary.json", "model.zip", "checkpoint.zip")) {
            assertTrue(Files.exists(run.resolve(f)), f);
        }
        assertTrue(Files.readString(run.resolve("provenance.json")).contains("\"seed\" : 3"));
        // A second train into the same folder without --resume must not overwrite it.
        assertEquals(Main.USAGE, udas("train", "--config", cfg.toString(), "--set", "train.iterations=2"));
        assertTrue(stderr().contains("--resume"), stderr());

        Path json = dir.resolve("eval.json");
        assertEquals(Main.OK, udas("evaluate", "--model", run.resolve("model.zip").toString(), "--data", cfg.toString(),
                "--json", json.toString()), stderr());
        assertTrue(stdout().contains("mIoU"));
        SegMetrics m = SegMetrics.readJson(json);
        assertTrue(m.miou() >= 0 && m.miou() <= 1);

        Path images = dir.resolve("demo/target/leftImg8bit/val");
        Path preds = dir.resolve("preds");
        assertEquals(Main.OK, udas("predict", "--model", run.resolve("model.zip").toString(), "--input",
                images.toString(), "--output", preds.toString(), "--logits"), stderr());
        List<Path> pngs;
        try (Stream<Path> s = Files.walk(preds)) {
            pngs = s.filter(p -> p.toString().endsWith(".png") && !p.toString().endsWith("_color.png")).toList();
        }
        assertEquals(4, pngs.size());
        LabelPng.LabelMap lm = LabelPng.read(pngs.get(0));
        assertEquals(32, lm.height());
        assertEquals(64, lm.width());
        for (int v : lm.values()) {
            assertTrue(v >= 0 && v < 19);
        }
        Path npy = Path.of(pngs.get(0).toString().replace(".png", ".npy"));
        INDArray logits = Nd4j.createFromNpyFile(npy.toFile());
        assertArrayEquals(new long[]{19, 32, 64}, logits.shape());
        // The trainId PNG is the argmax of the written logits.
        INDArray argmax = Nd4j.argMax(logits, 0);
        assertEquals(lm.at(5, 7), argmax.getInt(5, 7));

        // The official-style PNG evaluation of those predictions against the val labels.
        assertEquals(Main.OK, udas("evaluate", "--pred-dir", preds.toString(), "--gt-dir",
                dir.resolve("demo/target/gtFine/val").toString()), stderr());
        assertTrue(stdout().contains("4 images evaluated"), stdout());
        assertEquals(Main.USAGE, udas("evaluate", "--pred-dir", preds.toString(), "--gt-dir", "x", "--gt-format", "rgb"));
        assertEquals(Main.FAILED, udas("evaluate", "--pred-dir", preds.toString(), "--gt-dir",
                dir.resolve("demo/source/labels").toString()));
    }

    /** Writes a PyTorch-style state dict npz: conv weights as [out, in, kH, kW]. */
    private static void writeTorchNpz(Path file, Map<String, INDArray> sd) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            for (var e : sd.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                zip.write(Nd4j.toNpyByteArray(e.getValue()));
                zip.closeEntry();
            }
        }
    }

    @Test
    void importWeightsRoundTripAndPartialImports() throws IOException {
        Path cfg = TinyRun.config(dir);
        RunConfig c = ConfigLoader.load(cfg);
        SegmentationModel ref = SegmentationModel.create(c.model, 99, false);
        Map<String, INDArray> torch = new LinkedHashMap<>();
        ref.weights().forEach((k, v) -> torch.put(k, v.rank() == 4 ? v.permute(3, 2, 0, 1).dup('c') : v.dup()));
        torch.put("layer1.0.bn1.num_batches_tracked", Nd4j.scalar(5L));
        Path npz = dir.resolve("sd.npz");
        writeTorchNpz(npz, torch);
        Path model = dir.resolve("imported.zip");
        assertEquals(Main.OK, udas("import-weights", "--npz", npz.toString(), "--config", cfg.toString(),
                "--out", model.toString()), stderr());
        SegmentationModel back = SegmentationModel.load(model);
        ref.weights().forEach((k, v) -> assertEquals(v, back.weights().get(k), k));

        // ImageNet-style: no head, an extra fc -> listed, refused without --allow-partial.
        torch.keySet().removeIf(k -> k.startsWith("layer5."));
        torch.put("fc.weight", Nd4j.rand(10, 8));
        writeTorchNpz(npz, torch);
        assertEquals(Main.FAILED, udas("import-weights", "--npz", npz.toString(), "--config", cfg.toString(),
                "--out", dir.resolve("p.zip").toString()));
        assertTrue(stdout().contains("missing (kept initialised)") && stdout().contains("layer5.conv2d_list.0.weight"), stdout());
        assertTrue(stdout().contains("unexpected (ignored) 1: fc.weight"), stdout());
        assertFalse(Files.exists(dir.resolve("p.zip")));
        assertEquals(Main.OK, udas("import-weights", "--npz", npz.toString(), "--config", cfg.toString(),
                "--out", dir.resolve("p.zip").toString(), "--allow-partial"));
        assertEquals(ref.weights().get("conv1.weight"), SegmentationModel.load(dir.resolve("p.zip")).weights().get("conv1.weight"));
    }

    @Test
    void trainInitFromAnIncompatibleModelIsRefused() {
        RunConfig c = TinyRun.load(dir);
        Path other = dir.resolve("other.zip");
        RunConfig big = TinyRun.load(dir, "model.width=0.25");
        SegmentationModel.create(big.model, 1, false).save(other, Map.of());
        c.train.init = other.toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Stages.initialModel(c, false));
        assertTrue(e.getMessage().contains("train.init") && e.getMessage().contains("width"), e.getMessage());
        assertNotNull(SupervisedTrainer.FINAL);
    }
}
