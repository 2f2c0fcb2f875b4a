package io.udas.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private static final String VALID = """
            stage: supervised
            seed: 3
            data:
              source: {layout: gta5, root: /data/gta5}
              target_val: {layout: cityscapes, root: /data/cs, split: val}
            model: {depth: 18, width: 0.25}
            train: {iterations: 20, lr: 0.01}
            augment: {crop: {height: 64, width: 96}}
            """;

    private Path write(String name, String yaml) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, yaml);
        return p;
    }

    private String error(String yaml, String... sets) throws IOException {
        Path p = write("bad.yaml", yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(p, List.of(sets)));
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void bindsTypedValuesAndDefaults() throws IOException {
        RunConfig c = ConfigLoader.load(write("sl.yaml", VALID));
        assertEquals("sl", c.name, "name defaults to the file name");
        assertEquals(Stage.SUPERVISED, c.stage);
        assertEquals(3, c.seed);
        assertEquals(Layout.GTA5, c.data.source.layout);
        assertEquals(18, c.model.depth);
        assertEquals(0.25, c.model.width);
        assertEquals(64, c.augment.crop.height);
        assertEquals(0.9, c.train.momentum, "untouched keys keep the reference defaults");
        assertEquals(List.of(6, 12, 18, 24), c.model.asppDilations);
        assertEquals(Path.of("runs/sl"), c.outputPath());
    }

    @Test
    void overridesKeepTypesAndCreateSections() throws IOException {
        RunConfig c = ConfigLoader.load(write("sl.yaml", VALID), List.of("train.iterations=7",
                "model.aspp_dilations=[6, 12]", "uda.lambda_adv=2e-4", "data.target.layout=folder",
                "data.target.root=/x", "output_dir=out/a"));
        assertEquals(7, c.train.iterations);
        assertEquals(List.of(6, 12), c.model.asppDilations);
        assertEquals(2e-4, c.uda.lambdaAdv);
        assertEquals(Layout.FOLDER, c.data.target.layout);
        assertEquals(Path.of("out/a"), c.outputPath());
    }

    @Test
    void unknownKeyIsNamedWithItsPath() throws IOException {
        String m = error(VALID.replace("lr: 0.01", "lr: 0.01, learning_rat: 3"));
        assertTrue(m.contains("unknown key 'train.learning_rat'"), m);
        assertTrue(m.contains("known keys here"), m);
    }

    @Test
    void wrongTypeIsNamed() throws IOException {
        String m = error(VALID.replace("iterations: 20", "iterations: many"));
        assertTrue(m.contains("train.iterations") && m.contains("integer"), m);
        m = error(VALID.replace("iterations: 20", "iterations: 2.5"));
        assertTrue(m.contains("train.iterations"), m);
        m = error(VALID.replace("layout: gta5", "layout: kitti"));
        assertTrue(m.contains("data.source.layout") && m.contains("cityscapes/gta5/folder"), m);
        m = error(VALID, "model.width=abc");
        assertTrue(m.contains("model.width") && m.contains("number"), m);
    }

    @Test
    void missingRequiredKeyIsNamed() throws IOException {
        String m = error(VALID.replace("root: /data/gta5", "split: train"));
        assertTrue(m.contains("data.source.root: required key is missing"), m);
    }

    @Test
    void invalidValuesAreAllReported() throws IOException {
        String m = error(VALID, "model.depth=42", "train.momentum=1.5", "augment.scale_max=0.1");
        assertTrue(m.contains("model.depth: expected one of"), m);
        assertTrue(m.contains("train.momentum: expected a value in [0, 1], got 1.5"), m);
        assertTrue(m.contains("augment.scale_max"), m);
    }

    @Test
    void badOverrideSyntaxAndMissingFile() throws IOException {
        assertTrue(error(VALID, "train.iterations").contains("expected key.sub=value"));
        assertTrue(error(VALID, "seed.x=1").contains("'seed' is a value, not a section"));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.yaml")));
        assertTrue(e.getMessage().endsWith("config file not found"));
    }

    @Test
    void resolvedConfigRoundTrips() throws IOException {
        RunConfig c = ConfigLoader.load(write("sl.yaml", VALID), List.of("uda.lambda_cm=0.5"));
        String yaml = ConfigLoader.toYaml(c);
        RunConfig back = ConfigLoader.load(write("resolved.yaml", yaml));
        assertEquals(ConfigLoader.toYaml(c), ConfigLoader.toYaml(back).replace("name: resolved", "name: sl"));
        assertEquals(0.5, back.uda.lambdaCm);
    }
}
