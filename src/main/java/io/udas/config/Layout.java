package io.udas.config;

/** On-disk dataset layouts. */
public enum Layout {
    /** {@code leftImg8bit/{split}/{city}/*_leftImg8bit.png} + {@code gtFine/{split}/{city}/*_gtFine_labelIds.png}. */
    CITYSCAPES,
    /** {@code images/NNNNN.png} + {@code labels/NNNNN.png}. */
    GTA5,
    /** A plain folder of unlabeled images (searched recursively). */
    FOLDER
}
