package io.udas.train.cyclegan;

import io.udas.config.RunConfig;
import io.udas.data.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tiny CycleGAN learns a toy colour shift (red shapes to blue shapes and back) in a short run. */
class CycleGanLearningTest {
    @TempDir
    Path dir;

    @Test
    void learnsRedToBlue() throws Exception {
        int h = 24;
        int w = 24;
        int iterations = Integer.getInteger("toy.iterations", 40);
        Path src = ToyDomains.source(dir.resolve("src"), 40, h, w, 1);
        Path tgt = ToyDomains.target(dir.resolve("tgt"), 40, h, w, 2);
        RunConfig cfg = ToyDomains.config(src, tgt, dir.resolve("run"), h, w, iterations);
        cfg.cyclegan.lr = Double.parseDouble(System.getProperty("toy.lr", "1e-3"));
        cfg.cyclegan.decayStart = iterations;
        Dataset s = Dataset.open("data.source", cfg.data.source, false).unlabeled();
        Dataset t = Dataset.open("data.target", cfg.data.target, false).unlabeled();
        CycleGanTrainer trainer = new CycleGanTrainer(cfg, s, t, null);

        // held-out images of both domains
        Object[] xs = ToyDomains.batch(8, h, w, true, 77);
        Object[] ys = ToyDomains.batch(8, h, w, false, 78);
        INDArray x = (INDArray) xs[0];
        INDArray y = (INDArray) ys[0];
        double[] before = errors(trainer, x, (boolean[]) xs[1], y, (boolean[]) ys[1]);
        double identity = ToyDomains.colourError(x, x, (boolean[]) xs[1]);
        long t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            Map<String, Double> f = trainer.step(i);
            if ((i + 1) % 10 == 0) {
                double[] e = errors(trainer, x, (boolean[]) xs[1], y, (boolean[]) ys[1]);
                System.out.printf("iter %d: %s  colour error G %.3f F %.3f%n", i + 1, f, e[0], e[1]);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        double[] after = errors(trainer, x, (boolean[]) xs[1], y, (boolean[]) ys[1]);
        System.out.printf("colour error on shape pixels (no change would be %.3f): G(x) %.3f -> %.3f, F(y) %.3f -> %.3f "
                + "after %d iterations; %.3f s/it%n", identity, before[0], after[0], before[1], after[1], iterations,
                secs / iterations);
        assertTrue(after[0] < 0.5 * before[0], "G's colour error should at least halve: " + before[0] + " -> " + after[0]);
        assertTrue(after[1] < 0.5 * before[1], "F's colour error should at least halve: " + before[1] + " -> " + after[1]);
        assertTrue(after[0] < 0.4 && after[1] < 0.4, "translations should be close to the other colour: " + after[0]
                + ", " + after[1]);
    }

    /** Colour errors of G on red images and of F on blue images (blue to red is the same channel swap). */
    private static double[] errors(CycleGanTrainer tr, INDArray x, boolean[] mx, INDArray y, boolean[] my) {
        Map<String, INDArray> o = tr.translateBoth(x, y);
        var names = tr.outputNames();
        return new double[]{ToyDomains.colourError(x, o.get(names.get(0)), mx),
                ToyDomains.colourError(y, o.get(names.get(2)), my)};
    }
}
