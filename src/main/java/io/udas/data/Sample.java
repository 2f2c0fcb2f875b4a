package io.udas.data;

import java.nio.file.Path;

/**
 * One image of a dataset and its label file.
 *
 * @param id    the image path relative to the layout's image folder, '/'-separated (the form list files use,
 *              e.g. {@code aachen/aachen_000000_000019_leftImg8bit.png} or {@code 00001.png}); unique
 * @param image the image file
 * @param label the label file, or null for an unlabeled dataset
 */
public record Sample(String id, Path image, Path label) {
}
