package io.udas.sweep;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test files: a valid base run config and sweep files around it. */
final class Fixtures {
    static final String BASE = """
            stage: uda
            seed: 1
            data:
              source: {layout: gta5, root: /data/gta5}
              target: {layout: cityscapes, root: /data/cs}
              target_val: {layout: cityscapes, root: /data/cs, split: val}
            train: {iterations: 10}
            augment: {crop: {height: 32, width: 32}}
            """;

    /** Small, fast child JVMs for the fake trainer. */
    static final String FAST_JVM = "trial:\n  jvm_args: [-Xmx96m, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC]\n";

    private Fixtures() {
    }

    static Path write(Path dir, String name, String text) {
        try {
            Path p = dir.resolve(name);
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes base.yaml and a sweep file {@code name} (base: base.yaml, output_dir: out/<name>) with {@code body}. */
    static Path sweep(Path dir, String name, String body) {
        Path base = write(dir, "base.yaml", BASE);
        return write(dir, name + ".yaml", "base: " + base + "\noutput_dir: " + dir.resolve("out").resolve(name) + "\n" + body);
    }

    static SweepRunner runner(Sweep s, ByteArrayOutputStream log) {
        SweepRunner.Options o = new SweepRunner.Options();
        o.mainClass = FakeTrialMain.class.getName();
        o.out = new PrintStream(log, true, StandardCharsets.UTF_8);
        return new SweepRunner(s, o);
    }
}
