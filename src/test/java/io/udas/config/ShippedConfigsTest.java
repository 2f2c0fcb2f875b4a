package io.udas.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Every config shipped in configs/ must load and validate against the current schema. */
class ShippedConfigsTest {
    @Test
    void allShippedConfigsValidate() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("configs"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(files.size() >= 3, "configs/ holds the demo and the real-dataset configs");
        for (Path f : files) {
            RunConfig c = assertDoesNotThrow(() -> ConfigLoader.load(f), f.toString());
            assertNotNull(c.data.targetVal, f + ": every shipped config evaluates on target val");
        }
    }
}
