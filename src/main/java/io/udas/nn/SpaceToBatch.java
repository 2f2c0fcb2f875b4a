package io.udas.nn;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.PadMode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Dilated convolutions as dense ones on rearranged ("space-to-batch") feature maps, exactly.
 *
 * <p>A 3x3 conv with dilation d and padding d on [N, C, H, W] equals, when H and W are multiples of d, a dense 3x3 conv
 * with padding 1 on the d*d sub-images {@code x[:, :, py::d, px::d]} stacked along the batch: each output pixel only
 * reads pixels of its own phase (py, px), and a sub-image's zero padding lands exactly where the full map's padding or
 * border is. Per-pixel ops (frozen BN, ReLU, 1x1 convs, residual adds) commute with the rearrangement, so a whole dilated
 * stage can stay rearranged and pay the rearrangement once. Maps whose size is not a multiple are zero-padded to the
 * next multiple at entry, and every 3x3 conv input is multiplied by a constant 0/1 mask of the valid region (per-pixel
 * ops make the padded pixels non-zero), so the result on the valid region, and every gradient, is that of the dilated
 * conv on the original map. Factors nest: a map packed by 2 and then by 2 again is packed by 4 (DeepLab-v2: layer3
 * dilation 2, layer4 dilation 4).
 *
 * <p>Why: the oneDNN build of libnd4j (the fast CPU build) rejects every dilated conv (its helper computes the padding
 * with the undilated kernel), and even the generic build runs dense convs faster.
 *
 * <p>Layout: packing [N, C, H, W] by f gives [f*f*N, C, H/f, W/f] with batch index (py*f + px)*N + n; packing again by
 * g gives batch index (qy*g + qx)*(f*f*N) + ... . Channels-last maps [N, H, W, C] pack the same way into
 * [f*f*N, H/f, W/f, C]. {@link Layout} records the factors and the axis order so that the valid-region mask and
 * unpacking follow the same order.
 */
public final class SpaceToBatch {

    private SpaceToBatch() {
    }

    /**
     * A packed feature map: valid size {@code height x width} of the original map, padded size (a multiple of the
     * total factor), the factors applied in order ({@code factors} empty = plain), and the axis order: [N, C, H, W], or
     * [N, H, W, C] when {@code channelsLast}.
     */
    public record Layout(int height, int width, int paddedHeight, int paddedWidth, List<Integer> factors,
                         boolean channelsLast) {
        public Layout {
            factors = List.copyOf(factors);
        }

        /** A plain (unpacked, unpadded) map. */
        public static Layout plain(int height, int width, boolean channelsLast) {
            return new Layout(height, width, height, width, List.of(), channelsLast);
        }

        /** Product of the factors: a dilation d on the original map is d / factor on the packed one. */
        public int factor() {
            int f = 1;
            for (int x : factors) {
                f *= x;
            }
            return f;
        }

        public boolean isPlain() {
            return factors.isEmpty() && paddedHeight == height && paddedWidth == width;
        }

        /** True if the padded region is non-empty (a mask is needed before spatial convs). */
        public boolean padded() {
            return paddedHeight != height || paddedWidth != width;
        }

        /** Spatial size of each packed sub-image. */
        public int packedHeight() {
            return paddedHeight / factor();
        }

        public int packedWidth() {
            return paddedWidth / factor();
        }

        Layout pack(int f) {
            if (packedHeight() % f != 0 || packedWidth() % f != 0) {
                throw new IllegalStateException("packed size " + packedHeight() + "x" + packedWidth()
                        + " not divisible by " + f);
            }
            List<Integer> fs = new ArrayList<>(factors);
            fs.add(f);
            return new Layout(height, width, paddedHeight, paddedWidth, fs, channelsLast);
        }
    }

    /** Smallest multiple of m that is >= v. */
    static int roundUp(int v, int m) {
        return (v + m - 1) / m * m;
    }

    /**
     * Enters the packed domain: zero-pads a plain map x ([N, C, H, W], or [N, H, W, C] when {@code channelsLast}) at
     * the bottom/right to multiples of {@code multiple} (the total factor it will be packed by), without packing yet.
     */
    public static Packed enter(SDVariable x, int channels, int height, int width, int multiple, boolean channelsLast) {
        int ph = roundUp(height, multiple);
        int pw = roundUp(width, multiple);
        SDVariable y = x;
        if (ph != height || pw != width) {
            SameDiff sd = x.getSameDiff();
            int[] none = {0, 0};
            int[] bottom = {0, ph - height};
            int[] right = {0, pw - width};
            int[][] pads = channelsLast ? new int[][]{none, bottom, right, none} : new int[][]{none, none, bottom, right};
            y = sd.nn().pad(x, sd.constant(Nd4j.createFromArray(pads)), PadMode.CONSTANT, 0.0);
        }
        return new Packed(y, channels, new Layout(height, width, ph, pw, List.of(), channelsLast));
    }

    /**
     * A packed feature map and its layout. A channels-last map may be held as rows [N*ph*pw, C] ({@code asRows}; see
     * {@link Layers#rows}): {@link #rows()} and {@link #map()} give either form.
     */
    public record Packed(SDVariable x, int channels, Layout layout, boolean asRows) {
        public Packed(SDVariable x, int channels, Layout layout) {
            this(x, channels, layout, false);
        }

        /** Packs further by f (the packed sub-image size must be divisible by f). */
        public Packed pack(int f) {
            if (f == 1) {
                return this;
            }
            Layout next = layout.pack(f);
            // toBatch starts with a reshape that takes rows as well as a map
            return new Packed(toBatch(x, channels, layout.packedHeight(), layout.packedWidth(), f, layout.channelsLast()),
                    channels, next);
        }

        /** Same layout, another map (e.g. after per-pixel ops or a 1x1 conv changing channels). */
        public Packed with(SDVariable y, int newChannels) {
            return new Packed(y, newChannels, layout);
        }

        /** Same layout, another map given as rows (channels last only). */
        public Packed withRows(SDVariable y, int newChannels) {
            return new Packed(y, newChannels, layout, true);
        }

        /** The map as rows [N*ph*pw, C] (channels last only): x itself, or a reshaped copy. */
        public SDVariable rows() {
            return asRows ? x : Layers.rows(x, channels);
        }

        /** The map in its axis order: x itself, or rows reshaped to [N, ph, pw, C]. */
        public SDVariable map() {
            return asRows ? x.reshape(-1, layout.packedHeight(), layout.packedWidth(), channels) : x;
        }

        /**
         * x with the padded region set to zero (before a spatial conv). Returns x itself when nothing is padded. The
         * mask is a graph constant.
         */
        public SDVariable masked() {
            if (!layout.padded()) {
                return map();
            }
            SameDiff sd = x.getSameDiff();
            int f = layout.factor();
            int ph = layout.packedHeight();
            int pw = layout.packedWidth();
            INDArray m = mask(layout, x.dataType());
            // a broadcasting product: training graphs drop the (slow, useless) mask gradient of its backward
            if (layout.channelsLast()) {
                // the reshape takes rows as well as a map
                SDVariable mask = sd.constant(m.reshape(f * f, 1, ph, pw, 1));
                return x.reshape(f * f, -1, ph, pw, channels).mul(mask).reshape(-1, ph, pw, channels);
            }
            SDVariable mask = sd.constant(m.reshape(f * f, 1, 1, ph, pw));
            return x.reshape(f * f, -1, channels, ph, pw).mul(mask).reshape(-1, channels, ph, pw);
        }

        /** Back to a plain map of the valid size, in the same axis order (unpacks and crops). */
        public SDVariable unpack() {
            List<Integer> fs = layout.factors();
            // fromBatch starts with a reshape that takes rows as well as a map
            SDVariable y = fs.isEmpty() ? map() : x;
            int h = layout.packedHeight();
            int w = layout.packedWidth();
            boolean last = layout.channelsLast();
            for (int i = fs.size() - 1; i >= 0; i--) {
                int f = fs.get(i);
                y = fromBatch(y, channels, h, w, f, last);
                h *= f;
                w *= f;
            }
            if (layout.padded()) {
                SDIndex rows = SDIndex.interval(0, layout.height());
                SDIndex cols = SDIndex.interval(0, layout.width());
                y = last ? y.get(SDIndex.all(), rows, cols, SDIndex.all()) : y.get(SDIndex.all(), SDIndex.all(), rows, cols);
            }
            return y;
        }
    }

    /** The 0/1 valid-region mask in packed layout, [f*f, 1, H/f, W/f] (f = total factor). */
    static INDArray mask(Layout l, DataType dt) {
        INDArray m = Nd4j.zeros(dt, 1, 1, l.paddedHeight(), l.paddedWidth());
        m.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, l.height()),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, l.width())).assign(1.0);
        int h = l.paddedHeight();
        int w = l.paddedWidth();
        for (int f : l.factors()) {
            m = toBatch(m, h, w, f);
            h /= f;
            w /= f;
        }
        return m;
    }

    /**
     * [N, C, H, W] -> [f*f*N, C, H/f, W/f], batch index (py*f + px)*N + n; channels last: [N, H, W, C] ->
     * [f*f*N, H/f, W/f, C], same batch index.
     */
    public static SDVariable toBatch(SDVariable x, int channels, int h, int w, int f, boolean channelsLast) {
        int hb = h / f;
        int wb = w / f;
        if (channelsLast) {
            return x.reshape(-1, hb, f, wb, f, channels).permute(2, 4, 0, 1, 3, 5).reshape(-1, hb, wb, channels);
        }
        return x.reshape(-1, channels, hb, f, wb, f).permute(3, 5, 0, 1, 2, 4).reshape(-1, channels, hb, wb);
    }

    /** Inverse of {@link #toBatch(SDVariable, int, int, int, int, boolean)}. */
    public static SDVariable fromBatch(SDVariable x, int channels, int hb, int wb, int f, boolean channelsLast) {
        if (channelsLast) {
            return x.reshape(f, f, -1, hb, wb, channels).permute(2, 3, 0, 4, 1, 5).reshape(-1, hb * f, wb * f, channels);
        }
        return x.reshape(f, f, -1, channels, hb, wb).permute(2, 3, 4, 0, 5, 1).reshape(-1, channels, hb * f, wb * f);
    }

    /** Array version of {@link #toBatch(SDVariable, int, int, int, int)} (returns a new c-order array). */
    public static INDArray toBatch(INDArray x, int h, int w, int f) {
        long n = x.size(0);
        long c = x.size(1);
        return x.dup('c').reshape('c', n, c, h / f, f, w / f, f).permute(3, 5, 0, 1, 2, 4).dup('c')
                .reshape('c', f * f * n, c, h / f, w / f);
    }
}
