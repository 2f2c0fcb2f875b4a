package io.udas.train.uda;

import io.udas.data.TinyDemo;
import io.udas.config.RunConfig;
import io.udas.config.Size;
import io.udas.config.Stage;
import io.udas.data.DemoData;

import java.nio.file.Path;
import java.util.List;

/** A tiny UDA run for tests: 64x64 demo data, depth-18 width-0.125 segmenter, 32x32 crops, batch 2. */
public final class UdaFixtures {
    private UdaFixtures() {
    }

    /** Generates tiny demo data in {@code root} (6 source, 6 target train, 2 target val images). */
    public static Path demoData(Path root) {
        return TinyDemo.generate(root, 64, 64, 6, 6, 2);
    }

    public static RunConfig config(Path data, Path out, int labeledTarget, int iterations) {
        RunConfig c = new RunConfig();
        c.name = "uda-test";
        c.stage = Stage.UDA;
        c.seed = 5;
        c.outputDir = out.toString();
        c.data.source = DemoData.sourceConfig(data);
        c.data.target = DemoData.targetConfig(data, "train");
        c.data.targetVal = DemoData.targetConfig(data, "val");
        c.data.labeledTarget = labeledTarget;
        c.data.loaderThreads = 1;
        c.data.prefetch = 1;
        c.model.depth = 18;
        c.model.width = 0.125;
        c.model.asppDilations = List.of(1, 2);
        c.train.iterations = iterations;
        c.train.batchSize = 2;
        c.train.lr = 0.01;
        c.train.logEvery = 1;
        c.train.checkpointEvery = 2;
        c.train.evalEvery = 0;
        c.augment.crop = new Size(32, 32);
        c.augment.scaleMin = 0.75;
        c.augment.scaleMax = 1.25;
        c.eval.size = new Size(32, 32);
        c.eval.maxImages = 2;
        c.uda.discNdf = 4;
        c.uda.lambdaAdv = 0.01;
        c.uda.discLr = 1e-3;
        return c;
    }
}
