package io.udas.data;

import io.udas.config.AugmentConfig;
import io.udas.config.Size;

import java.util.SplittableRandom;

/**
 * Training augmentation of one loaded sample: photometric jitter of the image, then one geometric draw
 * applied to image and label alike. All randomness comes from the generator the caller passes.
 */
public final class Augmenter {
    private final AugmentConfig cfg;
    private final Photometric photometric;
    private final float[] pad;

    /**
     * @param cfg     the augmentation settings (null = none: the loaded sample unchanged)
     * @param meanBgr the image padding colour when {@code cfg.pad_with_mean} (see {@link Normalizer#meanBgr})
     */
    public Augmenter(AugmentConfig cfg, float[] meanBgr) {
        this.cfg = cfg;
        this.photometric = cfg != null ? Photometric.of(cfg) : null;
        this.pad = cfg != null && cfg.padWithMean ? meanBgr.clone() : new float[3];
    }

    /** The view size for an input of {@code h}x{@code w}: the crop, or the input size. */
    public Size outputSize(int h, int w) {
        return cfg != null && cfg.crop != null ? cfg.crop : new Size(h, w);
    }

    /** The geometric draw for an input of {@code h}x{@code w}; consumes {@code rnd} in a fixed order. */
    GeometricTransform drawGeometry(int h, int w, SplittableRandom rnd) {
        if (cfg == null) {
            return GeometricTransform.identity(h, w);
        }
        return GeometricTransform.random(h, w, cfg.scaleMin, cfg.scaleMax, cfg.crop, cfg.flip, rnd);
    }

    /**
     * Augments {@code s} (its image is jittered in place) into the batch buffers: image block [3,oh,ow]
     * at {@code imgOff}, label block [oh,ow] at {@code lblOff} when the sample has a label.
     */
    void apply(LoadedSample s, SplittableRandom rnd, float[] images, int imgOff, float[] labels, int lblOff) {
        GeometricTransform g = drawGeometry(s.height(), s.width(), rnd);
        if (photometric != null) {
            photometric.apply(s.image(), 0, s.height(), s.width(), rnd);
        }
        g.applyImage(s.image(), images, imgOff, pad);
        if (s.label() != null) {
            g.applyLabel(s.label(), labels, lblOff);
        }
    }
}
