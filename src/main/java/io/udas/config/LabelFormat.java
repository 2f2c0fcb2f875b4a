package io.udas.config;

/** What the pixel values of a dataset's label maps are. */
public enum LabelFormat {
    /**
     * Cityscapes label ids (0..33; -1 stored as 255), mapped to the 19 trainIds on load. Cityscapes
     * layout: {@code *_gtFine_labelIds.png}.
     */
    LABEL_IDS,
    /**
     * Already trainIds 0..18 with 255 = ignore. Cityscapes layout: {@code *_gtFine_labelTrainIds.png}
     * (what cityscapesScripts' createTrainIdLabelImgs writes).
     */
    TRAIN_IDS
}
