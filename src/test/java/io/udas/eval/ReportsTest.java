package io.udas.eval;

import io.udas.data.Cityscapes;
import io.udas.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ReportsTest {
    @TempDir
    Path dir;

    static SegMetrics handMade() {
        return ConfusionMatrixTest.handMade().metrics(List.of("a", "b", "c", "d"));
    }

    @Test
    void tableShowsPercentAndNa() {
        String t = handMade().table();
        String[] lines = t.split("\\R");
        assertTrue(lines[0].startsWith("class"));
        assertTrue(lines[2].matches("a\\s+60\\.00\\s+60\\.00\\s+5"), lines[2]);
        assertTrue(lines[3].matches("b\\s+50\\.00\\s+66\\.67\\s+3"), lines[3]);
        assertTrue(lines[4].matches("c\\s+0\\.00\\s+n/a\\s+0"), lines[4]);
        assertTrue(lines[5].matches("d\\s+n/a\\s+n/a\\s+0"), lines[5]);
        assertTrue(t.contains("mIoU") && t.contains("36.67"), t);
        assertTrue(t.matches("(?s).*pixel accuracy\\s+62\\.50.*"), t);
        // fixed width: all class lines have the same length
        assertEquals(lines[2].length(), lines[5].length());
    }

    @Test
    void markdownTable() {
        String md = handMade().markdown();
        assertTrue(md.startsWith("| class | IoU (%) |\n|---|---:|\n"));
        assertTrue(md.contains("| a | 60.0 |\n"));
        assertTrue(md.contains("| d | n/a |\n"));
        assertTrue(md.contains("| **mIoU** | **36.7** |\n"));
        assertTrue(md.contains("| pixel accuracy | 62.5 |\n"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonRoundTrip() throws Exception {
        SegMetrics m = handMade();
        Path f = dir.resolve("sub/metrics.json");
        m.writeJson(f);
        Map<String, Object> j = Json.MAPPER.readValue(f.toFile(), Map.class);
        assertEquals(List.of("a", "b", "c", "d"), j.get("classes"));
        assertEquals(0.11 / 0.3, ((Number) j.get("miou")).doubleValue(), 1e-12);
        assertEquals(0.625, ((Number) j.get("pixel_accuracy")).doubleValue(), 1e-12);
        Map<String, Object> iou = (Map<String, Object>) j.get("iou");
        assertEquals(0.6, ((Number) iou.get("a")).doubleValue(), 1e-12);
        assertEquals(0.0, ((Number) iou.get("c")).doubleValue(), 1e-12);
        assertTrue(iou.containsKey("d"));
        assertNull(iou.get("d"));
        assertEquals(5, ((Number) ((Map<String, Object>) j.get("gt_pixels")).get("a")).intValue());
        assertEquals(2, ((Number) j.get("ignored_pixels")).intValue());
        assertEquals(8, ((Number) j.get("pixels")).intValue());
        assertEquals(List.of(List.of(3, 1, 1, 0), List.of(0, 2, 1, 0), List.of(0, 0, 0, 0), List.of(0, 0, 0, 0)),
                j.get("confusion_matrix"));

        SegMetrics back = SegMetrics.readJson(f);
        assertEquals(m.classNames(), back.classNames());
        assertArrayEquals(m.iou(), back.iou(), 1e-15);
        assertEquals(m.miou(), back.miou(), 1e-15);
        assertEquals(m.pixelAccuracy(), back.pixelAccuracy(), 1e-15);
        assertEquals(m.ignoredPixels(), back.ignoredPixels());
        assertArrayEquals(m.confusionMatrix().toArray(), back.confusionMatrix().toArray());
        assertFalse(Files.list(f.getParent()).anyMatch(p -> p.toString().endsWith(".tmp")));
    }

    @Test
    void stageTable() throws Exception {
        ComparisonTable t = ComparisonTable.cityscapes("Stage table (Cityscapes val)");
        t.addSummary("No adaptation", 0.285);
        t.addSummary("Style transfer", 0.366);
        double[] iou = new double[19];
        Arrays.fill(iou, 0.5);
        iou[18] = Double.NaN;
        t.add("ST+UDA", iou, 0.444);
        ConfusionMatrix cm = ConfusionMatrix.cityscapes();
        cm.add(new int[]{0, 0, 13, 13, 13}, new int[]{0, 0, 13, 13, 1});  // road 1.0, car 2/3, sidewalk 0
        t.add("ST+UDA+SSL", cm.metrics());
        assertEquals(20, t.columns().size());
        assertEquals("mIoU", t.columns().get(19));

        String md = t.markdown(true);
        String[] lines = md.split("\n");
        assertEquals("**Stage table (Cityscapes val)** (%)", lines[0]);
        assertEquals("| | road | sidewalk | building | wall | fence | pole | traffic light | traffic sign | vegetation | "
                + "terrain | sky | person | rider | car | truck | bus | train | motorcycle | bicycle | mIoU |", lines[2]);
        assertTrue(lines[4].startsWith("| No adaptation | - | - |"), lines[4]);
        assertTrue(lines[4].endsWith("| 28.5 |"), lines[4]);
        assertTrue(lines[6].startsWith("| ST+UDA | 50.0 | **50.0** |"), lines[6]);
        assertTrue(lines[6].endsWith("| - | 44.4 |"), lines[6]);
        // SSL row: road 100, sidewalk 0, car 66.7, mIoU = (1 + 0 + 2/3) / 3 = 55.6 (best -> bold)
        assertTrue(lines[7].startsWith("| ST+UDA+SSL | **100.0** | 0.0 | - |"), lines[7]);
        assertTrue(lines[7].contains("| **66.7** |"), lines[7]);
        assertTrue(lines[7].endsWith("| **55.6** |"), lines[7]);

        Path json = dir.resolve("stage.json");
        t.writeJson(json);
        ComparisonTable back = ComparisonTable.readJson(json);
        assertEquals(t.markdown(true), back.markdown(true));
        assertEquals(0.366, back.row("Style transfer").value(19), 1e-15);
        assertTrue(Double.isNaN(back.row("Style transfer").value(0)));

        Path png = dir.resolve("stage_miou.png");
        t.writeBarChart(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(Charts.DEFAULT_WIDTH, img.getWidth());
        assertEquals(Charts.DEFAULT_HEIGHT, img.getHeight());

        Path grouped = dir.resolve("stage_classes.png");
        t.writeGroupedBarChart(grouped, null, Charts.Style.defaults().withSize(1400, 600));
        assertEquals(1400, ImageIO.read(grouped.toFile()).getWidth());
    }

    @Test
    void genericTable() {
        ComparisonTable t = new ComparisonTable("Labeled target images", List.of("2975", "1000", "500", "100", "0"),
                true, "2975");
        t.add("SL", new double[]{0.691, 0.612, 0.554, 0.416, Double.NaN});
        t.add("UDAS", Map.of("2975", 0.564, "1000", 0.519, "500", 0.528, "100", 0.492, "0", 0.439));
        String md = t.markdown();
        assertTrue(md.contains("| SL | 69.1 | 61.2 | 55.4 | 41.6 | - |\n"), md);
        assertTrue(md.contains("| UDAS | 56.4 | 51.9 | 52.8 | 49.2 | 43.9 |\n"), md);
        assertThrows(IllegalArgumentException.class, () -> t.add("SL", new double[5]));
        assertThrows(IllegalArgumentException.class, () -> t.add("X", Map.of("7", 1.0)));
        ComparisonTable plain = new ComparisonTable("", List.of("seconds"), false, null);
        plain.add("a", new double[]{12});
        plain.add("b", new double[]{0.25});
        assertTrue(plain.markdown().contains("| a | 12 |\n| b | 0.2500 |\n"), plain.markdown());
    }

    @Test
    void cityscapesMetricsHaveAllClassesInJson() {
        ConfusionMatrix cm = ConfusionMatrix.cityscapes();
        cm.add(new int[]{0}, new int[]{0});
        Map<String, Object> j = cm.metrics().toJson();
        assertEquals(Cityscapes.CLASS_NAMES.size(), ((Map<?, ?>) j.get("iou")).size());
        assertEquals(1.0, ((Number) j.get("miou")).doubleValue());
    }
}
