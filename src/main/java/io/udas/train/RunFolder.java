package io.udas.train;

import io.udas.config.ConfigLoader;
import io.udas.config.RunConfig;
import io.udas.model.Provenance;
import io.udas.util.AtomicFiles;
import io.udas.util.Json;

import java.nio.file.Path;

/**
 * A run's output folder. Every run records its fully resolved config and its provenance (seed,
 * versions, backend, git commit), so a result can always be traced to how it was made.
 */
public final class RunFolder {
    public static final String CONFIG = "config.yaml";
    public static final String PROVENANCE = "provenance.json";

    private RunFolder() {
    }

    public static Path prepare(RunConfig cfg, Path dir) {
        AtomicFiles.writeString(dir.resolve(CONFIG), ConfigLoader.toYaml(cfg));
        var p = Provenance.capture();
        p.put("seed", cfg.seed);
        p.put("run", cfg.name);
        Json.write(dir.resolve(PROVENANCE), p);
        return dir;
    }
}
