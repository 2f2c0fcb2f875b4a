package io.udas.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ChartsTest {
    @TempDir
    Path dir;

    /** Reads a PNG, checks its size and that it is not a single flat colour. */
    static void assertChart(Path file, int w, int h) throws Exception {
        assertTrue(Files.size(file) > 1000, "PNG too small: " + Files.size(file));
        BufferedImage img = ImageIO.read(file.toFile());
        assertNotNull(img, "not a PNG");
        assertEquals(w, img.getWidth());
        assertEquals(h, img.getHeight());
        int first = img.getRGB(0, 0);
        boolean varied = false;
        for (int y = 0; y < h && !varied; y += 3) {
            for (int x = 0; x < w && !varied; x += 3) {
                varied = img.getRGB(x, y) != first;
            }
        }
        assertTrue(varied, "blank image");
        try (var s = Files.list(file.getParent())) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temp file left behind");
        }
    }

    @Test
    void headless() {
        assertTrue(Charts.ensureHeadless());
        assertEquals("true", System.getProperty("java.awt.headless"));
    }

    @Test
    void lineChartWithLogX() throws Exception {
        double[] x = {1e-4, 1e-3, 1e-2, 1e-1, 0};        // 0 cannot be drawn on a log axis: dropped
        double[] a = {40, 44, 43, 38, 30};
        double[] b = {41, Double.NaN, 45, 39, 31};
        Path f = dir.resolve("lambda_adv.png");
        Charts.line(f, "mIoU vs lambda_adv", "lambda_adv", "mIoU (%)",
                List.of(new Charts.Series("UDA", x, a), new Charts.Series("UDAS", x, b)),
                Charts.Style.defaults().withSize(640, 400).withLogX(true).withMarkers(true));
        assertChart(f, 640, 400);
    }

    @Test
    void lossCurves() throws Exception {
        int n = 1000;
        double[] it = new double[n];
        double[] seg = new double[n];
        double[] adv = new double[n];
        for (int i = 0; i < n; i++) {
            it[i] = i * 10;
            seg[i] = 2 * Math.exp(-i / 300.0) + 0.1 * Math.sin(i);
            adv[i] = 0.7 + 0.05 * Math.cos(i);
        }
        Path f = dir.resolve("nested/loss.png");
        Charts.line(f, "losses", "iter", "loss", List.of(new Charts.Series("loss_seg", it, seg),
                new Charts.Series("loss_adv", it, adv)));
        assertChart(f, Charts.DEFAULT_WIDTH, Charts.DEFAULT_HEIGHT);
    }

    @Test
    void scatter() throws Exception {
        Path f = dir.resolve("scatter.png");
        Charts.scatter(f, "threshold vs mIoU", "threshold", "mIoU",
                List.of(new Charts.Series("runs", new double[]{0.8, 0.9, 0.95, 0.968}, new double[]{50, 52, 53, 52.5})),
                Charts.Style.defaults().withSize(500, 500));
        assertChart(f, 500, 500);
    }

    @Test
    void barCharts() throws Exception {
        Path f = dir.resolve("bar.png");
        Charts.bar(f, "Comparison", "", "mIoU (%)", List.of("CyCADA", "AdaptSegNet", "AdvEnt", "Seg-Uncertainty", "UDAS"),
                new double[]{39.5, 42.4, 45.5, 48.3, 58.4});
        assertChart(f, Charts.DEFAULT_WIDTH, Charts.DEFAULT_HEIGHT);

        Map<String, double[]> groups = new LinkedHashMap<>();
        groups.put("SL", new double[]{69.1, 61.2, 55.4, 41.6, Double.NaN});
        groups.put("UDAS", new double[]{56.4, 51.9, 52.8, 49.2, 43.9});
        Path g = dir.resolve("grouped.png");
        Charts.groupedBar(g, "Labeled target images", "labeled images", "mIoU (%)",
                List.of("2975", "1000", "500", "100", "0"), groups, Charts.Style.defaults().withSize(800, 450));
        assertChart(g, 800, 450);
    }

    @Test
    void compactAxisLabels() {
        assertEquals("0", Charts.compactNumber(0.0));
        assertEquals("750", Charts.compactNumber(750.0));
        assertEquals("12.5k", Charts.compactNumber(12500.0));
        assertEquals("2M", Charts.compactNumber(2e6));
        assertEquals("1.5", Charts.compactNumber(1.5));
        assertEquals("2.5E-4", Charts.compactNumber(2.5e-4));
    }

    @Test
    void noDataIsAnError() {
        Path f = dir.resolve("empty.png");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Charts.line(f, "empty", "x", "y",
                List.of(new Charts.Series("s", new double[]{1}, new double[]{Double.NaN}))));
        assertTrue(e.getMessage().contains("empty"));
        assertThrows(IllegalArgumentException.class, () -> Charts.bar(f, "t", "", "", List.of("a"),
                new double[]{Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> new Charts.Series("s", new double[2], new double[3]));
        assertFalse(Files.exists(f));
    }
}
