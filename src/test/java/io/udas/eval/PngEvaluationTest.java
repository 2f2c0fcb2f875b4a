package io.udas.eval;

import io.udas.config.LabelFormat;
import io.udas.data.LabelPng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PngEvaluationTest {
    static final double EPS = 1e-12;

    @TempDir
    Path dir;

    static void png(Path file, int h, int w, int... values) throws Exception {
        LabelPng.writeGrey(file, h, w, values);
    }

    /** Cityscapes layout: label ids in gt, trainIds in predictions, colour images that must be skipped. */
    void cityscapesTree() throws Exception {
        Path gt = dir.resolve("gtFine/val");
        // image 1 (2x3): ids 7 8 / 26 0 11 -> trainIds 0 0 1 / 13 255 2
        png(gt.resolve("frankfurt/f_000_gtFine_labelIds.png"), 2, 3, 7, 7, 8, 26, 0, 11);
        png(gt.resolve("frankfurt/f_000_gtFine_labelTrainIds.png"), 2, 3, 0, 0, 1, 13, 255, 2);
        BufferedImage color = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        ImageIO.write(color, "png", gt.resolve("frankfurt/f_000_gtFine_color.png").toFile());
        png(gt.resolve("frankfurt/f_000_gtFine_instanceIds.png"), 5, 5, new int[25]);
        // image 2 (2x2): ids 7 26 26 24 -> trainIds 0 13 13 11
        png(gt.resolve("lindau/l_001_gtFine_labelIds.png"), 2, 2, 7, 26, 26, 24);
        png(gt.resolve("lindau/l_001_gtFine_labelTrainIds.png"), 2, 2, 0, 13, 13, 11);

        Path pred = dir.resolve("pred");
        png(pred.resolve("frankfurt/f_000_leftImg8bit.png"), 2, 3, 0, 1, 1, 13, 5, 2);
        png(pred.resolve("lindau/l_001_leftImg8bit.png"), 2, 2, 0, 13, 0, 11);
        png(pred.resolve("extra_leftImg8bit.png"), 1, 1, 0);
    }

    static void assertCityscapesNumbers(PngEvaluation.Result r) {
        SegMetrics m = r.metrics();
        assertEquals(2, r.images());
        assertEquals(1, r.unmatchedPredictions());
        assertEquals(0, r.skipped());
        // road: GT 3, pred 3, TP 2 -> 2/4; sidewalk: GT 1, pred 2, TP 1 -> 1/2; building 1; car: GT 3,
        // pred 2, TP 2 -> 2/3; person 1; pole predicted only on an ignored pixel -> NaN
        assertEquals(0.5, m.iou("road"), EPS);
        assertEquals(0.5, m.iou("sidewalk"), EPS);
        assertEquals(1.0, m.iou("building"), EPS);
        assertEquals(2.0 / 3, m.iou("car"), EPS);
        assertEquals(1.0, m.iou("person"), EPS);
        assertTrue(Double.isNaN(m.iou("pole")));
        assertEquals((0.5 + 0.5 + 1 + 2.0 / 3 + 1) / 5, m.miou(), EPS);
        assertEquals(7.0 / 9, m.pixelAccuracy(), EPS);
        assertEquals(1, m.ignoredPixels());
        assertEquals(9, m.pixels());
    }

    @Test
    void keys() {
        assertEquals("frankfurt_000000_000294", PngEvaluation.key("frankfurt_000000_000294_leftImg8bit.png"));
        assertEquals("frankfurt_000000_000294", PngEvaluation.key("frankfurt_000000_000294_gtFine_labelIds.png"));
        assertEquals("x", PngEvaluation.key("x_gtFine_labelTrainIds.png"));
        assertEquals("00001", PngEvaluation.key("00001.png"));
        assertEquals("a_b", PngEvaluation.key("a_b.png"));
    }

    @Test
    void cityscapesLabelIds() throws Exception {
        cityscapesTree();
        PngEvaluation.Result r = new PngEvaluation(LabelFormat.LABEL_IDS, false)
                .evaluate(dir.resolve("pred"), dir.resolve("gtFine"));
        assertCityscapesNumbers(r);
    }

    @Test
    void cityscapesTrainIdFiles() throws Exception {
        cityscapesTree();
        PngEvaluation.Result r = new PngEvaluation(LabelFormat.TRAIN_IDS, false, io.udas.data.Cityscapes.CLASS_NAMES, 1)
                .evaluate(dir.resolve("pred"), dir.resolve("gtFine"));
        assertCityscapesNumbers(r);
    }

    void plainTree() throws Exception {
        Path gt = dir.resolve("gt");
        Path pred = dir.resolve("p");
        png(gt.resolve("a.png"), 2, 2, 0, 1, 255, 2);      // trainIds
        png(pred.resolve("sub/a.png"), 2, 2, 0, 1, 1, 1);
        png(gt.resolve("b.png"), 2, 2, 0, 0, 0, 0);
        png(pred.resolve("b.png"), 2, 3, 0, 0, 0, 0, 0, 0);  // size mismatch
        png(gt.resolve("deeper/c.png"), 1, 1, 0);            // no prediction
    }

    @Test
    void plainNamesFailListingEveryProblem() throws Exception {
        plainTree();
        PngEvaluation ev = new PngEvaluation(LabelFormat.TRAIN_IDS, false);
        PngEvaluation.EvaluationException e = assertThrows(PngEvaluation.EvaluationException.class,
                () -> ev.evaluate(dir.resolve("p"), dir.resolve("gt")));
        assertEquals(2, e.problems().size(), e.getMessage());
        String missing = e.problems().stream().filter(s -> s.startsWith("missing prediction")).findFirst().orElseThrow();
        assertTrue(missing.contains("deeper/c.png"), missing);
        String size = e.problems().stream().filter(s -> s.startsWith("size mismatch")).findFirst().orElseThrow();
        assertTrue(size.contains("b.png") && size.contains("3x2") && size.contains("2x2"), size);
        assertTrue(e.getMessage().contains(missing) && e.getMessage().contains(size));
    }

    @Test
    void plainNamesSkipAndCount() throws Exception {
        plainTree();
        PngEvaluation.Result r = new PngEvaluation(LabelFormat.TRAIN_IDS, true).evaluate(dir.resolve("p"), dir.resolve("gt"));
        assertEquals(1, r.images());
        assertEquals(1, r.missing());
        assertEquals(1, r.sizeMismatches());
        assertEquals(2, r.skipped());
        assertEquals(2, r.problems().size());
        SegMetrics m = r.metrics();
        // a.png only: road 1/1; sidewalk GT 1, pred 2 (the ignored pixel's prediction does not count) -> 1/2
        assertEquals(1.0, m.iou("road"), EPS);
        assertEquals(0.5, m.iou("sidewalk"), EPS);
        assertEquals(0.0, m.iou("building"), EPS);
        assertEquals(0.5, m.miou(), EPS);
        assertEquals(2.0 / 3, m.pixelAccuracy(), EPS);

        Path json = dir.resolve("out/result.json");
        r.writeJson(json);
        SegMetrics back = SegMetrics.readJson(json);
        assertArrayEquals(m.iou(), back.iou(), 1e-15);
        String text = Files.readString(json);
        assertTrue(text.contains("\"images\" : 1") && text.contains("\"size_mismatch\" : 1"), text);
    }

    @Test
    void labelIdsOnPlainNames() throws Exception {
        // GTA5-style: labels/00001.png hold label ids, predictions have the same name
        png(dir.resolve("labels/00001.png"), 1, 4, 7, 26, 3, 33);    // -> 0, 13, 255, 18
        png(dir.resolve("preds/00001.png"), 1, 4, 0, 0, 18, 18);
        SegMetrics m = new PngEvaluation(LabelFormat.LABEL_IDS, false)
                .evaluate(dir.resolve("preds"), dir.resolve("labels")).metrics();
        assertEquals(0.5, m.iou("road"), EPS);
        assertEquals(0.0, m.iou("car"), EPS);
        assertEquals(1.0, m.iou("bicycle"), EPS);
        assertEquals(1, m.ignoredPixels());
    }

    @Test
    void duplicatesAndEmptyGroundTruth() throws Exception {
        png(dir.resolve("gt/x.png"), 1, 1, 0);
        png(dir.resolve("p/x.png"), 1, 1, 0);
        png(dir.resolve("p/other/x_leftImg8bit.png"), 1, 1, 0);
        PngEvaluation.EvaluationException e = assertThrows(PngEvaluation.EvaluationException.class,
                () -> new PngEvaluation(LabelFormat.TRAIN_IDS, false).evaluate(dir.resolve("p"), dir.resolve("gt")));
        assertTrue(e.problems().get(0).startsWith("duplicate prediction"), e.getMessage());
        Files.createDirectories(dir.resolve("empty"));
        assertThrows(PngEvaluation.EvaluationException.class,
                () -> new PngEvaluation(LabelFormat.TRAIN_IDS, false).evaluate(dir.resolve("p"), dir.resolve("empty")));
    }
}
