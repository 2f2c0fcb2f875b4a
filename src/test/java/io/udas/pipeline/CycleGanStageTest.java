package io.udas.pipeline;

import io.udas.cli.TranslateCommand;
import io.udas.config.ConfigLoader;
import io.udas.config.DatasetConfig;
import io.udas.config.Layout;
import io.udas.config.RunConfig;
import io.udas.config.Size;
import io.udas.data.Dataset;
import io.udas.data.ImageCodec;
import io.udas.data.LabelPng;
import io.udas.train.Checkpoint;
import io.udas.train.TrainingLoop;
import io.udas.train.cyclegan.CycleGanTrainer;
import io.udas.train.cyclegan.Generators;
import io.udas.util.AtomicFiles;
import io.udas.util.JsonLines;
import org.apache.commons.cli.DefaultParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stage entry points: training outputs, exact resume, and the translate command on the result. */
class CycleGanStageTest {
    @TempDir
    Path dir;

    /** Source: GTA5 layout, red squares on grey, labels 7/26; target: plain folder, blue squares. 20x20 px. */
    private RunConfig config(Path out, int iterations) throws Exception {
        Path src = dir.resolve("src");
        Path tgt = dir.resolve("tgt");
        if (!Files.exists(src)) {
            Random r = new Random(9);
            Files.createDirectories(src.resolve("images"));
            Files.createDirectories(tgt);
            for (int i = 0; i < 6; i++) {
                for (boolean red : new boolean[]{true, false}) {
                    float[] bgr = new float[3 * 20 * 20];
                    java.util.Arrays.fill(bgr, 120);
                    int[] lab = new int[400];
                    java.util.Arrays.fill(lab, 7);
                    int y0 = r.nextInt(10);
                    int x0 = r.nextInt(10);
                    for (int y = y0; y < y0 + 8; y++) {
                        for (int x = x0; x < x0 + 8; x++) {
                            bgr[y * 20 + x] = red ? 20 : 230;
                            bgr[400 + y * 20 + x] = 20;
                            bgr[800 + y * 20 + x] = red ? 230 : 20;
                            lab[y * 20 + x] = 26;
                        }
                    }
                    String name = String.format("%05d.png", i);
                    if (red) {
                        Files.write(src.resolve("images").resolve(name), ImageCodec.encodePng(20, 20, bgr));
                        LabelPng.writeGrey(src.resolve("labels").resolve(name), 20, 20, lab);
                    } else {
                        Files.write(tgt.resolve(name), ImageCodec.encodePng(20, 20, bgr));
                    }
                }
            }
        }
        RunConfig cfg = new RunConfig();
        cfg.name = "cg";
        cfg.seed = 3;
        cfg.outputDir = out.toString();
        cfg.data.source = new DatasetConfig();
        cfg.data.source.layout = Layout.GTA5;
        cfg.data.source.root = src.toString();
        cfg.data.target = new DatasetConfig();
        cfg.data.target.layout = Layout.FOLDER;
        cfg.data.target.root = tgt.toString();
        cfg.data.loaderThreads = 1;
        var c = cfg.cyclegan;
        c.ngf = 4;
        c.ndf = 4;
        c.nBlocks = 1;
        c.nLayersD = 2;
        c.iterations = iterations;
        c.decayStart = iterations / 2;
        c.loadWidth = 20;
        c.crop = new Size(16, 16);
        c.poolSize = 2;
        c.sampleEvery = 2;
        c.checkpointEvery = 3;
        c.logEvery = 1;
        return cfg;
    }

    @Test
    void trainWritesOutputsAndResumesExactly() throws Exception {
        int n = 6;
        Path a = dir.resolve("full");
        RunConfig cfgA = config(a, n);
        TrainingLoop.Result ra = CycleGanStage.train(cfgA, a, false);
        assertEquals(n, ra.iterations());

        // outputs: generators, checkpoint, metrics with every figure, sample grids, the resolved config
        Generators g = Generators.load(a.resolve(Generators.FILE));
        assertEquals(4, g.spec().ngf());
        assertTrue(Files.isRegularFile(a.resolve(Checkpoint.FILE)));
        List<Map<String, Object>> metrics = JsonLines.read(a.resolve(TrainingLoop.METRICS));
        assertEquals(n, metrics.size());
        for (String k : List.of("loss_g_gan", "loss_f_gan", "loss_cyc", "loss_idt", "loss_d_x", "loss_d_y", "lr")) {
            assertTrue(metrics.get(0).containsKey(k), k);
        }
        assertEquals(2e-4 * (1 - 1.0 / 3), ((Number) metrics.get(4).get("lr")).doubleValue(), 1e-12,
                "constant LR until decay_start, then linear to 0");
        Path samples = a.resolve(CycleGanTrainer.SAMPLES);
        for (String f : List.of("iter_0000002.png", "iter_0000004.png", "iter_0000006.png", "latest.png")) {
            assertTrue(Files.isRegularFile(samples.resolve(f)), f);
        }
        ImageCodec.Decoded grid = ImageCodec.readBgr(samples.resolve("latest.png"), null);
        assertEquals(2 * 16 + 2, grid.fileHeight());
        assertEquals(3 * 16 + 2 * 2, grid.fileWidth());
        assertTrue(Files.isRegularFile(a.resolve("config.yaml")));

        // the same run stopped after n/2 iterations (checkpoint written as the loop does) and resumed
        Path b = dir.resolve("resumed");
        RunConfig cfgB = config(b, n);
        Dataset src = Dataset.open("data.source", cfgB.data.source, false).unlabeled();
        Dataset tgt = Dataset.open("data.target", cfgB.data.target, false).unlabeled();
        CycleGanTrainer first = new CycleGanTrainer(cfgB, src, tgt, b);
        for (int i = 0; i < n / 2; i++) {
            first.step(i);
        }
        new Checkpoint(n / 2, Double.NEGATIVE_INFINITY, first.state()).save(b.resolve(Checkpoint.FILE), "cyclegan");
        CycleGanStage.train(cfgB, b, true);

        Map<String, INDArray> sa = Checkpoint.load(a.resolve(Checkpoint.FILE)).arrays();
        Map<String, INDArray> sb = Checkpoint.load(b.resolve(Checkpoint.FILE)).arrays();
        assertEquals(sa.keySet(), sb.keySet());
        assertTrue(sa.keySet().stream().anyMatch(k -> k.startsWith("opt.D_Y.")), "optimiser states are saved");
        assertTrue(sa.keySet().contains("pool_x.images"), "image pools are saved");
        for (String k : sa.keySet()) {
            assertArrayEquals(sa.get(k).ravel().toDoubleVector(), sb.get(k).ravel().toDoubleVector(), 0.0, k);
        }
        List<Map<String, Object>> mb = JsonLines.read(b.resolve(TrainingLoop.METRICS));
        assertEquals(metrics.get(n - 1).get("loss_d_y"), mb.get(mb.size() - 1).get("loss_d_y"));
    }

    @Test
    void translateCommandWritesTheNewSourceDataset() throws Exception {
        Path run = dir.resolve("run");
        RunConfig cfg = config(run, 2);
        CycleGanStage.train(cfg, run, false);
        Path cfgFile = dir.resolve("cg.yaml");
        AtomicFiles.writeString(cfgFile, ConfigLoader.toYaml(cfg));
        Path out = dir.resolve("translated");
        TranslateCommand cmd = new TranslateCommand();
        var cl = new DefaultParser().parse(cmd.options(), new String[]{"--config", cfgFile.toString(), "--out",
                out.toString()});
        assertEquals(0, cmd.run(cl));
        Dataset orig = Dataset.open("data.source", cfg.data.source, false);
        DatasetConfig d = new DatasetConfig();
        d.layout = Layout.GTA5;
        d.root = out.toString();
        Dataset translated = Dataset.open("translated", d, false);
        assertEquals(orig.size(), translated.size());
        for (int i = 0; i < orig.size(); i++) {
            assertEquals(-1L, Files.mismatch(orig.sample(i).label(), translated.sample(i).label()));
            assertEquals(20, translated.load(i, null, null).height());
        }
    }
}
