package io.udas.config;

/** One dataset on disk: where it is, its layout, and how it is read. */
public class DatasetConfig implements Validatable {
    public Layout layout;
    public String root;
    /** Cityscapes split folder (train/val/test). */
    public String split = "train";
    /**
     * Optional list file, one image path per line relative to the layout's image folder (as the reference
     * repos ship them: {@code aachen/aachen_000000_000019_leftImg8bit.png}, {@code 00001.png}): only those
     * images are used, in that order. A relative path is looked up in the working directory, then in root.
     */
    public String list;
    public LabelFormat labels = LabelFormat.LABEL_IDS;
    /** Optional resize of every image (bilinear) and label (nearest) on load, before augmentation. */
    public Size resize;

    @Override
    public void validate(Validator v) {
        v.require("layout", layout);
        v.require("root", root);
        if (layout == Layout.CITYSCAPES) {
            v.require("split", split);
        }
        v.optionalSection("resize", resize);
    }
}
