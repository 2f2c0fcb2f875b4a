package io.udas.train.cyclegan;

import io.udas.config.CycleGanConfig;
import io.udas.config.DatasetConfig;
import io.udas.config.Layout;
import io.udas.config.Size;
import io.udas.data.DataException;
import io.udas.data.Dataset;
import io.udas.data.ImageCodec;
import io.udas.data.LabelPng;
import io.udas.data.LoadedSample;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Translation into a GTA5-layout dataset: sizes, labels byte-identical, resume, corrupt inputs, generators file. */
class TranslatorTest {
    @TempDir
    Path dir;
    Path src;
    Generators gens;

    @BeforeEach
    void setUp() throws Exception {
        src = dir.resolve("src");
        Random r = new Random(3);
        // two 16x16 images and one 18x22 (not multiples of 4: padded for the generator and cropped back)
        int[][] sizes = {{16, 16}, {16, 16}, {18, 22}};
        for (int i = 0; i < sizes.length; i++) {
            int h = sizes[i][0];
            int w = sizes[i][1];
            ToyDomains.Toy t = ToyDomains.draw(r, h, w, true);
            String name = String.format("%05d.png", i + 1);
            Files.createDirectories(src.resolve("images"));
            Files.write(src.resolve("images").resolve(name), ImageCodec.encodePng(h, w, t.bgr()));
            int[] lab = new int[h * w];
            for (int k = 0; k < lab.length; k++) {
                lab[k] = t.mask()[k] ? 26 : 7;
            }
            LabelPng.writeGrey(src.resolve("labels").resolve(name), h, w, lab);
        }
        CycleGanConfig c = new CycleGanConfig();
        c.ngf = 4;
        c.nBlocks = 1;
        c.ndf = 4;
        c.nLayersD = 2;
        Path file = dir.resolve("generators.zip");
        Generators.save(file, new CycleGanNets(c, 11), Map.of("iterations", 0));
        gens = Generators.load(file);
    }

    private Dataset source(Path root) {
        DatasetConfig d = new DatasetConfig();
        d.layout = Layout.GTA5;
        d.root = root.toString();
        return Dataset.open("data.source", d, false);
    }

    @Test
    void generatorsFileRoundTrip() throws Exception {
        CycleGanConfig c = new CycleGanConfig();
        c.ngf = 4;
        c.nBlocks = 1;
        CycleGanNets nets = new CycleGanNets(c, 11);
        assertEquals(new GeneratorSpec(4, 1), gens.spec());
        assertEquals(nets.weights(CycleGanNets.G).keySet(), gens.g().keySet());
        assertEquals(nets.weights(CycleGanNets.F).keySet(), gens.f().keySet());
        for (var e : nets.weights(CycleGanNets.G).entrySet()) {
            assertArrayEquals(e.getValue().ravel().toFloatVector(), gens.g().get(e.getKey()).ravel().toFloatVector(), 0f);
        }
        assertEquals(Generators.FORMAT, gens.manifest().path("format").asText());
        assertEquals(0, gens.manifest().path("training").path("iterations").asInt());
        // a different archive is refused with a clear message
        Path other = dir.resolve("other.zip");
        io.udas.model.ArrayArchive.write(other, io.udas.util.Json.MAPPER.createObjectNode().put("format", "x"), Map.of());
        var e = assertThrows(IllegalArgumentException.class, () -> Generators.load(other));
        assertTrue(e.getMessage().contains("not a udas CycleGAN generators file"), e.getMessage());
    }

    @Test
    void writesGta5LayoutWithByteIdenticalLabelsAndResumes() throws Exception {
        Dataset ds = source(src);
        Path out = dir.resolve("out");
        Translator tr = new Translator(gens);
        Translator.Result r = tr.translate(ds, null, out, false);
        assertEquals(3, r.translated());
        assertEquals(3, r.labelsCopied());
        assertEquals(0, r.labelsResized());
        for (var s : ds.samples()) {
            Path img = out.resolve("images").resolve(s.id());
            Path lab = out.resolve("labels").resolve(s.id());
            assertEquals(-1L, Files.mismatch(s.label(), lab), "label copied byte for byte: " + s.id());
            LoadedSample in = ds.load(ds.samples().indexOf(s), null, null);
            ImageCodec.Decoded dec = ImageCodec.readBgr(img, null);
            assertEquals(in.height(), dec.fileHeight());
            assertEquals(in.width(), dec.fileWidth());
            // the written image is G applied to the input (8-bit rounding aside)
            float[] expect = GanImages.ganToBgr(tr.apply(GanImages.bgrToGan(in.image(), in.height(), in.width()),
                    in.height(), in.width()), in.height(), in.width());
            float[] got = dec.image().data();
            for (int i = 0; i < got.length; i++) {
                assertEquals(expect[i], got[i], 0.51f, s.id() + " pixel " + i);
            }
        }
        assertTrue(Files.isRegularFile(out.resolve(Translator.MANIFEST)));
        // the result reads like the original: same ids, same labels
        Dataset back = source(out);
        assertEquals(ds.samples().stream().map(x -> x.id()).toList(), back.samples().stream().map(x -> x.id()).toList());
        assertArrayEquals(ds.load(2, null, null).label(), back.load(2, null, null).label());

        // resume: finished images are skipped, a missing one is redone
        Map<String, FileTime> times = new HashMap<>();
        for (var s : ds.samples()) {
            times.put(s.id(), Files.getLastModifiedTime(out.resolve("images").resolve(s.id())));
        }
        Files.delete(out.resolve("images/00002.png"));
        Thread.sleep(20);
        Translator.Result again = new Translator(gens).translate(ds, null, out, false);
        assertEquals(1, again.translated());
        assertEquals(2, again.skippedExisting());
        assertEquals(times.get("00001.png"), Files.getLastModifiedTime(out.resolve("images/00001.png")));
        assertEquals(times.get("00003.png"), Files.getLastModifiedTime(out.resolve("images/00003.png")));
        assertTrue(Files.isRegularFile(out.resolve("images/00002.png")));
        Translator.Result none = new Translator(gens).translate(ds, null, out, false);
        assertEquals(0, none.translated());
        assertEquals(3, none.skippedExisting());
    }

    @Test
    void otherSizeResizesLabelsNearest() throws Exception {
        Dataset ds = source(src);
        Path out = dir.resolve("small");
        Translator.Result r = new Translator(gens).translate(ds, new Size(10, 14), out, false);
        assertEquals(3, r.labelsResized());
        for (var s : ds.samples()) {
            LabelPng.LabelMap l = LabelPng.read(out.resolve("labels").resolve(s.id()));
            assertEquals(10, l.height());
            assertEquals(14, l.width());
            assertTrue(Arrays.stream(l.values()).allMatch(v -> v == 7 || v == 26), "label values kept");
            ImageCodec.Decoded dec = ImageCodec.readBgr(out.resolve("images").resolve(s.id()), null);
            assertEquals(10, dec.fileHeight());
            assertEquals(14, dec.fileWidth());
        }
        // nearest resize of the 16x16 label: pixel (y, x) of 10x14 samples source ((y+0.5)*16/10, (x+0.5)*16/14)
        LabelPng.LabelMap orig = LabelPng.read(src.resolve("labels/00001.png"));
        LabelPng.LabelMap small = LabelPng.read(out.resolve("labels/00001.png"));
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 14; x++) {
                assertEquals(orig.at((int) ((y + 0.5) * 16 / 10), (int) ((x + 0.5) * 16 / 14)), small.at(y, x));
            }
        }
    }

    @Test
    void corruptInputIsReportedByNameAndTheRestTranslated() throws Exception {
        Files.write(src.resolve("images/00004.png"), "not a png at all".getBytes());
        LabelPng.writeGrey(src.resolve("labels/00004.png"), 4, 4, new int[16]);
        Dataset ds = source(src);
        Path out = dir.resolve("out");
        DataException e = assertThrows(DataException.class, () -> new Translator(gens).translate(ds, null, out, false));
        assertTrue(e.getMessage().contains("00004.png"), e.getMessage());
        for (String id : new String[]{"00001.png", "00002.png", "00003.png"}) {
            assertTrue(Files.isRegularFile(out.resolve("images").resolve(id)), id);
        }
        assertTrue(!Files.exists(out.resolve("images/00004.png")));
        // with skip_bad the bad file is only reported
        Translator.Result r = new Translator(gens).translate(ds, null, out, true);
        assertEquals(1, r.bad().size());
        assertTrue(r.bad().get(0).contains("00004.png"));
        assertEquals(3, r.skippedExisting());
    }

    @Test
    void applyKeepsAnySize() {
        Translator tr = new Translator(gens);
        for (int[] hw : new int[][]{{16, 16}, {13, 18}, {9, 7}}) {
            float[] img = new float[3 * hw[0] * hw[1]];
            float[] out = tr.apply(img, hw[0], hw[1]);
            assertEquals(img.length, out.length);
        }
    }
}
