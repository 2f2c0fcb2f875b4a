package io.udas.sweep;

import io.udas.config.ConfigLoader;
import io.udas.config.RunConfig;
import io.udas.util.Json;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trivial trainer for sweep tests, started like the real CLI ({@code <command> --config F --set k=v ...}).
 * It loads the run config exactly like udas does, then writes summary.json with a score that is a known
 * function of the config ({@link #score}). seed 13 fails, seed 17 hangs, seed 19 writes a null score.
 * train.iterations 99 sleeps 0.4 s. Every start appends a line to {@code <output_dir>/starts.txt}; its pid goes to {@code <output_dir>/pid}.
 */
public final class FakeTrialMain {
    private FakeTrialMain() {
    }

    public static double score(double lambdaAdv, double lambdaCm, double threshold, int labeled) {
        return 0.5 - 0.01 * Math.pow(Math.log10(lambdaAdv) + 3, 2) - 0.1 * Math.pow(lambdaCm - 0.5, 2)
                + 0.01 * threshold + labeled * 1e-5;
    }

    public static void main(String[] args) throws Exception {
        String command = args[0];
        String config = null;
        List<String> sets = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> config = args[++i];
                case "--set" -> sets.add(args[++i]);
                default -> throw new IllegalArgumentException("unexpected " + args[i]);
            }
        }
        RunConfig c = ConfigLoader.load(Path.of(config), sets);
        Path out = c.outputPath();
        Files.createDirectories(out);
        Files.writeString(out.resolve("starts.txt"), command + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Files.writeString(out.resolve("pid"), Long.toString(ProcessHandle.current().pid()));
        System.out.println("fake trial: " + command + " seed " + c.seed);
        if (c.seed == 13) {
            System.err.println("udas " + command + ": error: boom at seed 13");
            System.exit(1);
        }
        if (c.seed == 17) {
            Thread.sleep(Long.MAX_VALUE);
        }
        long startedMs = System.currentTimeMillis();
        if (c.train.iterations == 99) {
            Thread.sleep(400); // long enough for trials to overlap
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("cuda_visible_devices", System.getenv("CUDA_VISIBLE_DEVICES"));
        summary.put("started_ms", startedMs);
        summary.put("ended_ms", System.currentTimeMillis());
        summary.put("score", c.seed == 19 ? null
                : score(c.uda.lambdaAdv, c.uda.lambdaCm, c.pseudo.threshold, c.data.labeledTarget));
        summary.put("command", command);
        summary.put("trains_on_target", c.train.on == io.udas.config.TrainConfig.TrainOn.TARGET);
        Json.write(out.resolve("summary.json"), summary);
    }
}
