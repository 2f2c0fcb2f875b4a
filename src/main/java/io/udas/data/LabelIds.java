package io.udas.data;

import io.udas.config.LabelFormat;

import java.nio.file.Path;
import java.util.Arrays;

/** Label values as stored in files, checked and mapped to trainIds (255 = ignore). */
final class LabelIds {
    /** Per format: value -> trainId, or -1 for a value the format does not have. */
    private static final int[] FROM_IDS = new int[256];
    private static final int[] FROM_TRAIN_IDS = new int[256];

    static {
        Arrays.fill(FROM_IDS, -1);
        // Cityscapes ids 0..33; -1 (license plate) is stored as 255 in 8-bit files.
        for (int id = 0; id <= 33; id++) {
            FROM_IDS[id] = Cityscapes.trainId(id);
        }
        FROM_IDS[255] = Cityscapes.IGNORE;
        Arrays.fill(FROM_TRAIN_IDS, -1);
        for (int t = 0; t < Cityscapes.NUM_CLASSES; t++) {
            FROM_TRAIN_IDS[t] = t;
        }
        FROM_TRAIN_IDS[Cityscapes.IGNORE] = Cityscapes.IGNORE;
    }

    private LabelIds() {
    }

    /**
     * Maps stored values to trainIds in place.
     *
     * @throws DataException naming the file and the first value the format does not allow
     */
    static void toTrainIds(int[] values, LabelFormat format, Path file) {
        int[] lut = format == LabelFormat.TRAIN_IDS ? FROM_TRAIN_IDS : FROM_IDS;
        for (int i = 0; i < values.length; i++) {
            int v = values[i];
            int t = v >= 0 && v < 256 ? lut[v] : -1;
            if (t < 0) {
                throw new DataException(file + ": label value " + v + " is not a valid "
                        + (format == LabelFormat.TRAIN_IDS ? "trainId (0..18, 255)" : "Cityscapes label id (0..33, 255)")
                        + "; check the dataset's labels: setting (label_ids or train_ids)");
            }
            values[i] = t;
        }
    }
}
