package io.udas.config;

/** The datasets of a run: labeled source, target train images, target val, and the labeled target subset. */
public class DataConfig implements Validatable {
    /** Labeled source domain (GTA5 layout, or its translated copy). */
    public DatasetConfig source;
    /** Target train split: unlabeled images for adaptation; its labels are used only for the labeled subset. */
    public DatasetConfig target;
    /** Labeled target validation split: mIoU is measured here. */
    public DatasetConfig targetVal;
    /** How many labeled target images to pick from {@code target} (0 = none: pure UDA). */
    public int labeledTarget = 0;
    /** Seed of the labeled subset choice, separate from the run seed so that SL and UDAS runs pick the same images. */
    public long subsetSeed = 0;
    /** Skip (and count) unreadable images instead of stopping. */
    public boolean skipBad = false;
    /** Background loader threads and how many batches they may prepare ahead. */
    public int loaderThreads = 2;
    public int prefetch = 4;

    @Override
    public void validate(Validator v) {
        v.optionalSection("source", source);
        v.optionalSection("target", target);
        v.optionalSection("target_val", targetVal);
        v.nonNegative("labeled_target", labeledTarget);
        if (labeledTarget > 0) {
            v.check(target != null, "target", "required when labeled_target > 0 (the subset is picked from it)");
        }
        v.positive("loader_threads", loaderThreads);
        v.positive("prefetch", prefetch);
    }
}
