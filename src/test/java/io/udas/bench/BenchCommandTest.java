package io.udas.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.udas.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench command end to end on a tiny depth-18 configuration: its JSON report has the expected keys. */
class BenchCommandTest {

    /** Runs {@code udas bench <args>} through the CLI's parser and dispatch (command classes are package-private). */
    static int udas(String... args) throws Exception {
        Class<?> cmdClass = Class.forName("io.udas.cli.BenchCommand");
        Constructor<?> cc = cmdClass.getDeclaredConstructor();
        cc.setAccessible(true);
        Object cmd = cc.newInstance();
        Class<?> mainClass = Class.forName("io.udas.cli.Main");
        Constructor<?> mc = mainClass.getDeclaredConstructor(List.class);
        mc.setAccessible(true);
        Object main = mc.newInstance(List.of(cmd));
        Method run = mainClass.getDeclaredMethod("run", String[].class);
        run.setAccessible(true);
        List<String> a = new ArrayList<>(List.of("bench"));
        a.addAll(List.of(args));
        return (Integer) run.invoke(main, (Object) a.toArray(new String[0]));
    }

    @Test
    void tinyRunWritesJsonWithExpectedKeys(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        int rc = udas("--depth", "18", "--width", "0.0625", "--classes", "4", "--sizes", "33", "--warmup", "0",
                "--repeats", "1", "--cases", "seg,uda,cyclegan,data", "--uda-size", "33", "--cyclegan-size", "32",
                "--ngf", "4", "--ndf", "4", "--gen-blocks", "1", "--data-size", "36x64", "--data-batches", "2",
                "--data-threads", "1", "--profile", "--profile-rows", "3", "--json", json.toString());
        assertEquals(0, rc);
        assertTrue(Files.exists(json));
        JsonNode r = Json.MAPPER.readTree(json.toFile());
        for (String k : List.of("config", "platform", "load_average", "results", "peak_memory", "torch", "ratios", "profile")) {
            assertTrue(r.has(k), "missing key " + k);
        }
        assertEquals(18, r.path("config").path("depth").asInt());
        assertEquals("fast", r.path("config").path("graph").asText());
        assertEquals(3, r.path("config").path("profile_rows").asInt());
        assertTrue(r.path("platform").has("native_build"));
        assertTrue(r.path("platform").has("onednn"));
        assertTrue(r.path("platform").has("malloc_arena_max"));
        Set<String> cases = new java.util.HashSet<>();
        for (JsonNode c : r.path("results")) {
            cases.add(c.path("case").asText());
            assertTrue(c.path("median_s").asDouble() > 0, c.toString());
            JsonNode mem = c.path("memory");
            for (String k : List.of("peak_rss_bytes", "peak_rss_increase_bytes", "peak_offheap_bytes", "peak_heap_bytes")) {
                assertTrue(mem.has(k), c.path("case") + " memory: missing " + k);
            }
            assertTrue(mem.path("peak_rss_bytes").asLong() > 0);
        }
        assertEquals(Set.of("seg_train_step", "seg_forward", "uda_iteration", "cyclegan_iteration", "data_pipeline"), cases);
        for (JsonNode c : r.path("results")) {
            if (c.path("case").asText().startsWith("seg_")) {
                assertEquals(33, c.path("size").asInt());
                assertEquals(1, c.path("times_s").size());
            }
            if (c.path("case").asText().equals("data_pipeline")) {
                assertTrue(c.path("images_per_second").asDouble() > 0);
            }
        }
        assertTrue(r.path("peak_memory").path("peak_rss_bytes").asLong() > 0);
        assertTrue(r.path("torch").isNull());
        assertEquals(0, r.path("ratios").size());
        assertTrue(r.path("profile").path("ops").size() > 0);
    }

    @Test
    void badOptionsAreUsageErrors() throws Exception {
        assertEquals(2, udas("--cases", "seg,nope"));
        assertEquals(2, udas("--graph", "slow"));
        assertEquals(2, udas("--profile-rows", "0"));
        assertEquals(2, udas("--sizes", "a,b"));
    }

    @Test
    void ratiosPairOursWithTorchByCaseAndSize() throws Exception {
        JsonNode torch = Json.MAPPER.readTree("{\"results\":["
                + "{\"case\":\"seg_train_step\",\"size\":161,\"median_s\":2.0,\"peak_rss_bytes\":100},"
                + "{\"case\":\"seg_forward\",\"size\":161,\"median_s\":0.5,\"peak_rss_bytes\":100},"
                + "{\"case\":\"uda_iteration\",\"size\":33,\"median_s\":4.0,\"peak_rss_bytes\":100},"
                + "{\"case\":\"cyclegan_iteration\",\"size\":64,\"median_s\":1.0,\"peak_rss_bytes\":100}]}");
        var ours = new ArrayList<java.util.Map<String, Object>>();
        for (var c : List.of(java.util.Map.entry("seg_train_step", 161), java.util.Map.entry("seg_forward", 161),
                java.util.Map.entry("uda_iteration", 33), java.util.Map.entry("cyclegan_iteration", 32))) {
            var m = new java.util.LinkedHashMap<String, Object>();
            m.put("case", c.getKey());
            m.put("size", c.getValue());
            m.put("median_s", 1.0);
            m.put("memory", java.util.Map.of("peak_rss_bytes", 50L));
            ours.add(m);
        }
        var rat = Bench.ratios(ours, torch);
        assertEquals(3, rat.size(), "the CycleGAN sizes differ: no pair");
        assertEquals(0.5, (Double) rat.get(0).get("ratio"), 1e-12);
        assertEquals(2.0, (Double) rat.get(1).get("ratio"), 1e-12);
        assertEquals("uda_iteration", rat.get(2).get("case"));
        assertEquals(0.25, (Double) rat.get(2).get("ratio"), 1e-12);
        String table = Bench.table(ours, torch);
        assertTrue(table.contains("torch_seg_train_step") && table.contains("torch_uda_iteration"), table);
    }
}
