package io.udas.train;

import io.udas.data.TinyDemo;
import io.udas.config.ConfigLoader;
import io.udas.config.RunConfig;
import io.udas.data.DemoData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A tiny demo dataset and a tiny-network run config over it, for end-to-end tests. */
public final class TinyRun {
    private TinyRun() {
    }

    public static Path demoData(Path dir) {
        Path root = dir.resolve("demo");
        if (!DemoData.exists(root)) {
            TinyDemo.generate(root, 32, 64, 12, 12, 4);
        }
        return root;
    }

    public static Path config(Path dir, String... extra) {
        Path data = demoData(dir);
        String yaml = """
                stage: supervised
                seed: 3
                output_dir: %s
                data:
                  source: {layout: gta5, root: %s/source}
                  target: {layout: cityscapes, root: %s/target, split: train}
                  target_val: {layout: cityscapes, root: %s/target, split: val}
                  labeled_target: 4
                  loader_threads: 1
                model: {depth: 18, width: 0.125, aspp_dilations: [1, 2],
                        input: {channel_order: rgb, mean: [127.5, 127.5, 127.5], std: [64, 64, 64]}}
                train: {iterations: 4, batch_size: 2, lr: 0.02, log_every: 1, checkpoint_every: 2, eval_every: 0}
                augment: {crop: {height: 32, width: 32}}
                """.formatted(dir.resolve("run"), data, data, data);
        try {
            Path f = dir.resolve("tiny.yaml");
            Files.writeString(f, yaml);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RunConfig load(Path dir, String... overrides) {
        return ConfigLoader.load(config(dir), List.of(overrides));
    }
}
