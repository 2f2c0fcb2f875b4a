package io.udas.eval;

import io.udas.util.JsonLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class MetricsCurvesTest {
    @TempDir
    Path dir;

    @Test
    void groups() {
        assertEquals("loss", MetricsCurves.defaultGroup("loss_seg"));
        assertEquals("loss", MetricsCurves.defaultGroup("loss_adv"));
        assertEquals("loss", MetricsCurves.defaultGroup("loss"));
        assertEquals("loss_d", MetricsCurves.defaultGroup("loss_d"));
        assertEquals("loss_d", MetricsCurves.defaultGroup("loss_d_x"));
        assertEquals("lr", MetricsCurves.defaultGroup("lr"));
        assertEquals("lr", MetricsCurves.defaultGroup("lr_d"));
        assertEquals("eval", MetricsCurves.defaultGroup("miou"));
        assertEquals("eval", MetricsCurves.defaultGroup("pixel_acc"));
        assertEquals("grad_norm", MetricsCurves.defaultGroup("grad_norm"));
    }

    @Test
    void movingAverage() {
        double[] avg = MetricsCurves.movingAverage(new double[]{1, 2, 3, 4, Double.NaN, 6}, 2);
        assertArrayEquals(new double[]{1, 1.5, 2.5, 3.5, 4, 6}, avg, 1e-12);
    }

    @Test
    void chartsPerGroup() throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        JsonLines jl = new JsonLines(file);
        for (int i = 1; i <= 300; i++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("iter", i * 10);
            r.put("loss_seg", 2.0 / Math.sqrt(i) + 0.05 * Math.sin(i));
            r.put("loss_adv", 0.7 + 0.01 * Math.cos(i));
            r.put("loss_d", 0.69);
            r.put("lr", 2.5e-4 * Math.pow(1 - i / 300.0, 0.9));
            r.put("stage", "uda");           // not numeric: ignored
            r.put("time", 12.5 * i);         // bookkeeping: ignored
            if (i % 100 == 0) {
                r.put("miou", 0.3 + i / 3000.0);
            }
            jl.append(r);
        }
        jl.append(Map.of("note", "no iter: ignored", "loss_seg", 99));
        List<Path> out = MetricsCurves.plot(file, dir.resolve("charts"));
        assertEquals(List.of("curve_loss.png", "curve_loss_d.png", "curve_lr.png", "curve_eval.png"),
                out.stream().map(p -> p.getFileName().toString()).toList());
        for (Path p : out) {
            ChartsTest.assertChart(p, Charts.DEFAULT_WIDTH, Charts.DEFAULT_HEIGHT);
        }
    }

    @Test
    void emptyOrMissingFileGivesNoCharts() {
        assertTrue(MetricsCurves.plot(dir.resolve("none.jsonl"), dir.resolve("c")).isEmpty());
        List<Path> out = MetricsCurves.plot(List.of(Map.of("iter", 1, "loss", "NaN")), dir.resolve("c"),
                MetricsCurves.Options.defaults().withPrefix("x_"));
        assertTrue(out.isEmpty());
    }
}
