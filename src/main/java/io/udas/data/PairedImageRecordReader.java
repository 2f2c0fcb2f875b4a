package io.udas.data;

import io.udas.config.Size;
import org.datavec.api.conf.Configuration;
import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.records.metadata.RecordMetaDataURI;
import org.datavec.api.records.reader.BaseRecordReader;
import org.datavec.api.split.InputSplit;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Writable;
import org.nd4j.linalg.factory.Nd4j;

import java.io.DataInputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * DataVec view of a {@link Dataset}: one record per image, {@code [image, label]} as
 * {@link NDArrayWritable}s, image [1,3,H,W] BGR 0..255 and label [1,H,W] trainIds (255 = ignore); an
 * unlabeled dataset gives {@code [image]}. Decoding is the dataset's own, the same the iterators use.
 * {@link #initialize(InputSplit)} with a split restricts the reader to those image files.
 */
public class PairedImageRecordReader extends BaseRecordReader {
    private final transient Dataset dataset;
    private final transient Size imageSize;
    private final transient Map<URI, Integer> byUri = new HashMap<>();
    private int[] order;
    private int cursor;
    private Configuration conf;

    /** @param imageSize image size of the records (null = the dataset's); labels keep the dataset's size */
    public PairedImageRecordReader(Dataset dataset, Size imageSize) {
        this.dataset = dataset;
        this.imageSize = imageSize;
        for (int i = 0; i < dataset.size(); i++) {
            byUri.put(uri(dataset.sample(i).image()), i);
        }
        this.order = allIndices();
    }

    private static URI uri(Path p) {
        return p.toAbsolutePath().normalize().toUri();
    }

    private int[] allIndices() {
        int[] all = new int[dataset.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }

    @Override
    public void initialize(InputSplit split) {
        this.inputSplit = split;
        if (split == null) {
            order = allIndices();
        } else {
            List<Integer> idx = new ArrayList<>();
            for (URI u : split.locations()) {
                idx.add(indexOf(u));
            }
            order = idx.stream().mapToInt(Integer::intValue).toArray();
        }
        cursor = 0;
    }

    @Override
    public void initialize(Configuration conf, InputSplit split) {
        setConf(conf);
        initialize(split);
    }

    private int indexOf(URI u) {
        Integer i = byUri.get(Path.of(u).toAbsolutePath().normalize().toUri());
        if (i == null) {
            throw new DataException(u + ": not an image of " + dataset.name());
        }
        return i;
    }

    @Override
    public List<Writable> next() {
        return nextRecord().getRecord();
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

    @Override
    public List<String> getLabels() {
        return Cityscapes.CLASS_NAMES;
    }

    @Override
    public void reset() {
        cursor = 0;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /** The record of a dataset image named by {@code uri}; the files are read by the dataset, not from the stream. */
    @Override
    public List<Writable> record(URI uri, DataInputStream dataInputStream) {
        return read(indexOf(uri)).getRecord();
    }

    @Override
    public Record nextRecord() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Record r = read(order[cursor++]);
        invokeListeners(r);
        return r;
    }

    private Record read(int i) {
        LoadedSample s = dataset.load(i, imageSize, null);
        List<Writable> w = new ArrayList<>(2);
        w.add(new NDArrayWritable(Nd4j.create(s.image(), new long[]{1, 3, s.height(), s.width()}, 'c')));
        if (s.label() != null) {
            float[] l = new float[s.label().length];
            for (int k = 0; k < l.length; k++) {
                l[k] = s.label()[k];
            }
            w.add(new NDArrayWritable(Nd4j.create(l, new long[]{1, s.labelHeight(), s.labelWidth()}, 'c')));
        }
        return new org.datavec.api.records.impl.Record(w, new RecordMetaDataURI(uri(s.sample().image()), getClass()));
    }

    @Override
    public Record loadFromMetaData(RecordMetaData recordMetaData) {
        return read(indexOf(recordMetaData.getURI()));
    }

    @Override
    public List<Record> loadFromMetaData(List<RecordMetaData> recordMetaDatas) {
        List<Record> out = new ArrayList<>(recordMetaDatas.size());
        for (RecordMetaData m : recordMetaDatas) {
            out.add(loadFromMetaData(m));
        }
        return out;
    }

    @Override
    public void close() {
        // Files are opened and closed per record.
    }

    @Override
    public void setConf(Configuration conf) {
        this.conf = conf;
    }

    @Override
    public Configuration getConf() {
        return conf;
    }
}
