package io.udas.data;

import java.util.Arrays;
import java.util.List;

/** The 19 Cityscapes evaluation classes: label id to trainId mapping, names and colour palette. */
public final class Cityscapes {
    public static final int NUM_CLASSES = 19;
    public static final int IGNORE = 255;

    public static final List<String> CLASS_NAMES = List.of("road", "sidewalk", "building", "wall", "fence",
            "pole", "traffic light", "traffic sign", "vegetation", "terrain", "sky", "person", "rider", "car",
            "truck", "bus", "train", "motorcycle", "bicycle");

    /** Label ids of trainIds 0..18, in order. */
    private static final int[] TRAIN_TO_ID = {7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33};

    /** Official Cityscapes colours of trainIds 0..18 (RGB). */
    private static final int[][] PALETTE = {
            {128, 64, 128}, {244, 35, 232}, {70, 70, 70}, {102, 102, 156}, {190, 153, 153}, {153, 153, 153},
            {250, 170, 30}, {220, 220, 0}, {107, 142, 35}, {152, 251, 152}, {70, 130, 180}, {220, 20, 60},
            {255, 0, 0}, {0, 0, 142}, {0, 0, 70}, {0, 60, 100}, {0, 80, 100}, {0, 0, 230}, {119, 11, 32}};

    /** Lookup for all 256 byte values: label id -> trainId (255 for every id outside the 19 classes). */
    private static final int[] ID_TO_TRAIN = new int[256];

    static {
        Arrays.fill(ID_TO_TRAIN, IGNORE);
        for (int t = 0; t < TRAIN_TO_ID.length; t++) {
            ID_TO_TRAIN[TRAIN_TO_ID[t]] = t;
        }
    }

    private Cityscapes() {
    }

    /** trainId of a Cityscapes label id; ids outside 0..255 (e.g. -1 "license plate") are ignored. */
    public static int trainId(int labelId) {
        return labelId >= 0 && labelId < 256 ? ID_TO_TRAIN[labelId] : IGNORE;
    }

    /** Label id of a trainId (0..18). */
    public static int labelId(int trainId) {
        return TRAIN_TO_ID[trainId];
    }

    /** Maps label ids to trainIds in place. */
    public static void toTrainIds(int[] labels) {
        for (int i = 0; i < labels.length; i++) {
            labels[i] = trainId(labels[i]);
        }
    }

    /** RGB colour of a trainId; black for 255 and anything unknown. */
    public static int[] color(int trainId) {
        return trainId >= 0 && trainId < PALETTE.length ? PALETTE[trainId] : new int[]{0, 0, 0};
    }
}
