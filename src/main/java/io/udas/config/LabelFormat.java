package io.udas.config;

/** What the pixel values of a dataset's label maps are. */
public enum LabelFormat {
    /** Cityscapes label ids (0..33, -1), mapped to the 19 trainIds on load. */
    LABEL_IDS,
    /** Already trainIds 0..18 with 255 = ignore. */
    TRAIN_IDS
}
