package io.udas.data;

import io.udas.config.DemoDataConfig;

import java.nio.file.Path;

/** Tiny demo datasets for tests (the generator's default seed; files do not depend on the thread count). */
public final class TinyDemo {
    private TinyDemo() {
    }

    /** Generates {@code source} source, {@code train} target-train and {@code val} target-val images of h x w. */
    public static Path generate(Path root, int height, int width, int source, int train, int val) {
        DemoDataConfig d = new DemoDataConfig();
        d.root = root.toString();
        d.height = height;
        d.width = width;
        d.sourceImages = source;
        d.targetTrain = train;
        d.targetVal = val;
        DemoData.generate(d, 2);
        return root;
    }
}
