package io.udas.data;

import io.udas.config.DatasetConfig;
import io.udas.config.RunConfig;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The datasets and iterators of one run, built from its config: what a trainer asks for instead of
 * knowing about files. Datasets are indexed on first use.
 */
public final class RunData {
    private final RunConfig cfg;
    private final Path runDir;
    private Dataset source;
    private Dataset targetLabeled;
    private Dataset targetVal;
    private Optional<Dataset> labeledTarget;

    /** @param runDir where the chosen labeled subset's list is written */
    public RunData(RunConfig cfg, Path runDir) {
        this.cfg = cfg;
        this.runDir = runDir;
    }

    private Dataset open(String key, DatasetConfig d, boolean needLabels) {
        if (d == null) {
            throw new DataException(key + ": not configured");
        }
        Dataset ds = Dataset.open(key, d, cfg.data.skipBad);
        if (needLabels && !ds.labeled()) {
            throw new DataException(d.root + ": " + key + " has no label folder, but labels are needed");
        }
        return ds;
    }

    /** Labeled source images (data.source). */
    public synchronized Dataset source() {
        if (source == null) {
            source = open("data.source", cfg.data.source, true);
        }
        return source;
    }

    /** Target train images without labels (data.target): adaptation must not see target labels. */
    public Dataset target() {
        return targetWithLabels().unlabeled();
    }

    private synchronized Dataset targetWithLabels() {
        if (targetLabeled == null) {
            targetLabeled = open("data.target", cfg.data.target, false);
        }
        return targetLabeled;
    }

    /** The labeled target subset (data.labeled_target, data.subset_seed); empty for 0. Its list goes to the run folder. */
    public synchronized Optional<Dataset> labeledTarget() {
        if (labeledTarget == null) {
            labeledTarget = cfg.data.labeledTarget == 0 ? Optional.empty()
                    : LabeledSubset.select(targetWithLabels(), cfg.data.labeledTarget, cfg.data.subsetSeed, runDir);
        }
        return labeledTarget;
    }

    /** Labeled target validation images (data.target_val). */
    public synchronized Dataset targetVal() {
        if (targetVal == null) {
            targetVal = open("data.target_val", cfg.data.targetVal, true);
        }
        return targetVal;
    }

    public Normalizer normalizer() {
        return new Normalizer(cfg.model.input);
    }

    /**
     * Training batches of {@code cfg.train.batch_size} with the run's augmentation.
     *
     * @param stream         names the sampling stream ("source", "target", ...) so datasets draw independently
     * @param startIteration the first batch's iteration (a resumed run passes its checkpoint's)
     */
    public TrainIterator train(Dataset dataset, String stream, long startIteration) {
        Augmenter aug = new Augmenter(cfg.augment, normalizer().meanBgr());
        return new TrainIterator(dataset, cfg.train.batchSize, aug, Seeds.derive(cfg.seed, stream), startIteration,
                cfg.data.loaderThreads, cfg.data.prefetch);
    }

    /** Every image once (the first eval.max_images when set), images at eval.size, one per batch. */
    public EvalIterator eval(Dataset dataset) {
        Dataset ds = cfg.eval.maxImages > 0 && cfg.eval.maxImages < dataset.size()
                ? dataset.select(dataset.samples().subList(0, cfg.eval.maxImages).stream().map(Sample::id).toList(),
                dataset.name())
                : dataset;
        return new EvalIterator(ds, 1, cfg.eval.size, cfg.data.loaderThreads, cfg.data.prefetch);
    }
}
