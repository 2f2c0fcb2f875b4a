package io.udas.data;

import io.udas.config.Layout;
import io.udas.config.RunConfig;
import io.udas.config.Size;
import org.datavec.api.records.Record;
import org.datavec.api.split.CollectionInputSplit;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Writable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordReaderAndRunDataTest {
    @TempDir
    Path dir;

    @Test
    void recordsAreImageAndLabelArrays() throws Exception {
        Dataset ds = Dataset.open("cs", Trees.config(Layout.CITYSCAPES, Trees.cityscapes(dir.resolve("cs"))), false);
        PairedImageRecordReader rr = new PairedImageRecordReader(ds, null);
        rr.initialize(null);
        int n = 0;
        Record first = null;
        while (rr.hasNext()) {
            Record r = rr.nextRecord();
            first = first == null ? r : first;
            List<Writable> w = r.getRecord();
            assertEquals(2, w.size());
            INDArray img = ((NDArrayWritable) w.get(0)).get();
            INDArray lbl = ((NDArrayWritable) w.get(1)).get();
            assertArrayEquals(new long[]{1, 3, 6, 8}, img.shape());
            assertArrayEquals(new long[]{1, 6, 8}, lbl.shape());
            assertEquals(13f, lbl.getFloat(0, 0, 0)); // id 26 -> car
            assertEquals(0f, lbl.getFloat(0, 3, 3)); // id 7 -> road
            n++;
        }
        assertEquals(3, n);
        assertEquals(first.getRecord(), rr.loadFromMetaData(first.getMetaData()).getRecord());
        rr.reset();
        assertTrue(rr.hasNext());

        // A split restricts the reader to those files, in the split's order.
        rr.initialize(new CollectionInputSplit(List.of(ds.sample(2).image().toUri())));
        assertEquals(30f, ((NDArrayWritable) rr.next().get(0)).get().getFloat(0, 0, 0, 0));
        assertFalse(rr.hasNext());

        PairedImageRecordReader unl = new PairedImageRecordReader(ds.unlabeled(), new Size(3, 4));
        List<Writable> w = unl.next();
        assertEquals(1, w.size());
        assertArrayEquals(new long[]{1, 3, 3, 4}, ((NDArrayWritable) w.get(0)).get().shape());
    }

    @Test
    void runDataBuildsDatasetsSubsetAndIterators() throws Exception {
        Path gta = Trees.gta5(dir.resolve("gta"), 4);
        Path cs = Trees.cityscapes(dir.resolve("cs"));
        RunConfig cfg = new RunConfig();
        cfg.data.source = Trees.config(Layout.GTA5, gta);
        cfg.data.target = Trees.config(Layout.CITYSCAPES, cs);
        cfg.data.targetVal = Trees.config(Layout.CITYSCAPES, cs);
        cfg.data.labeledTarget = 2;
        cfg.data.subsetSeed = 4;
        cfg.train.batchSize = 2;
        cfg.augment.crop = new Size(4, 4);
        cfg.eval.maxImages = 2;
        Path run = dir.resolve("run");
        RunData data = new RunData(cfg, run);

        assertTrue(data.source().labeled());
        assertFalse(data.target().labeled());
        Dataset labeled = data.labeledTarget().orElseThrow();
        assertEquals(2, labeled.size());
        assertEquals(LabeledSubset.choose(Dataset.open("x", cfg.data.target, false), 2, 4),
                Files.readAllLines(run.resolve(LabeledSubset.FILE)));

        try (TrainIterator src = data.train(data.source(), "source", 0);
             TrainIterator tgt = data.train(data.target(), "target", 0)) {
            Batch s = src.next();
            assertArrayEquals(new long[]{2, 3, 4, 4}, s.images().shape());
            assertArrayEquals(new long[]{2, 4, 4}, s.labels().shape());
            assertNull(tgt.next().labels());
        }
        int batches = 0;
        try (EvalIterator it = data.eval(data.targetVal())) {
            while (it.hasNext()) {
                assertArrayEquals(new long[]{1, 6, 8}, it.next().labels().shape());
                batches++;
            }
        }
        assertEquals(2, batches);
    }

    @Test
    void benchMeasuresThroughput() {
        DataBench.Result r = DataBench.run(36, 64, 2, 3, 1);
        assertTrue(r.imagesPerSecond() > 0);
        assertEquals(36, r.height());
        assertEquals(64, r.width());
        assertTrue(r.toString().contains("images/s"));
    }
}
