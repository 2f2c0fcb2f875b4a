package io.udas.data;

import io.udas.config.Size;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * Scale, then crop, then horizontal flip: one resampling pass for image (bilinear) and label (nearest)
 * with the same geometry, and its inverse for probability maps (pseudo-labels fuse views made with
 * it in the original geometry).
 *
 * <p>Coordinates use pixel centres: original x maps to scaled {@code (x + 0.5) * scaledW / W - 0.5}.
 * The crop window lies at {@code (y0, x0) >= 0} in the scaled image; where it reaches past the scaled
 * image the view is padding (image: a pad colour, label: 255). The flip mirrors the crop window.
 */
public final class GeometricTransform {
    private final int height;
    private final int width;
    private final int scaledH;
    private final int scaledW;
    private final int y0;
    private final int x0;
    private final int outH;
    private final int outW;
    private final boolean flip;

    /**
     * @param height  original height
     * @param width   original width
     * @param scaledH height after scaling
     * @param scaledW width after scaling
     * @param y0      crop top in the scaled image
     * @param x0      crop left in the scaled image
     * @param outH    view height
     * @param outW    view width
     * @param flip    mirror the view horizontally
     */
    public GeometricTransform(int height, int width, int scaledH, int scaledW, int y0, int x0, int outH, int outW,
                              boolean flip) {
        if (height <= 0 || width <= 0 || scaledH <= 0 || scaledW <= 0 || outH <= 0 || outW <= 0 || y0 < 0 || x0 < 0) {
            throw new IllegalArgumentException("bad geometric transform " + height + "x" + width + " -> " + scaledH
                    + "x" + scaledW + " crop " + y0 + "," + x0 + " " + outH + "x" + outW);
        }
        this.height = height;
        this.width = width;
        this.scaledH = scaledH;
        this.scaledW = scaledW;
        this.y0 = y0;
        this.x0 = x0;
        this.outH = outH;
        this.outW = outW;
        this.flip = flip;
    }

    public static GeometricTransform identity(int height, int width) {
        return new GeometricTransform(height, width, height, width, 0, 0, height, width, false);
    }

    /** The whole image scaled by {@code scale} (a pseudo-label view), optionally flipped. */
    public static GeometricTransform scaled(int height, int width, double scale, boolean flip) {
        int sh = Math.max(1, (int) Math.round(height * scale));
        int sw = Math.max(1, (int) Math.round(width * scale));
        return new GeometricTransform(height, width, sh, sw, 0, 0, sh, sw, flip);
    }

    /**
     * A training draw: scale uniform in [scaleMin, scaleMax], a uniformly placed crop of {@code crop}
     * (null = the original size), flip with probability 1/2 when {@code flip}.
     */
    public static GeometricTransform random(int height, int width, double scaleMin, double scaleMax, Size crop,
                                            boolean flip, SplittableRandom rnd) {
        double s = scaleMax > scaleMin ? scaleMin + (scaleMax - scaleMin) * rnd.nextDouble() : scaleMin;
        int sh = Math.max(1, (int) Math.round(height * s));
        int sw = Math.max(1, (int) Math.round(width * s));
        int ch = crop != null ? crop.height : height;
        int cw = crop != null ? crop.width : width;
        int y = sh > ch ? rnd.nextInt(sh - ch + 1) : 0;
        int x = sw > cw ? rnd.nextInt(sw - cw + 1) : 0;
        boolean f = flip && rnd.nextBoolean();
        return new GeometricTransform(height, width, sh, sw, y, x, ch, cw, f);
    }

    public int outHeight() {
        return outH;
    }

    public int outWidth() {
        return outW;
    }

    /** Scaled-image column of view column {@code ox}, or -1 where the view is padding. */
    private int scaledCol(int ox) {
        int sx = x0 + (flip ? outW - 1 - ox : ox);
        return sx < scaledW ? sx : -1;
    }

    private int scaledRow(int oy) {
        int sy = y0 + oy;
        return sy < scaledH ? sy : -1;
    }

    /**
     * Resamples a planar [3,H,W] image into {@code dst} at {@code off} (a [3,outH,outW] block), bilinear
     * with edge clamping; padding gets {@code pad[c]}.
     */
    void applyImage(float[] src, float[] dst, int off, float[] pad) {
        int[] xa = new int[outW];
        int[] xb = new int[outW];
        float[] wx = new float[outW];
        for (int ox = 0; ox < outW; ox++) {
            int sx = scaledCol(ox);
            if (sx < 0) {
                xa[ox] = -1;
                continue;
            }
            double fx = Math.min(width - 1, Math.max(0, (sx + 0.5) * width / scaledW - 0.5));
            xa[ox] = (int) fx;
            xb[ox] = Math.min(xa[ox] + 1, width - 1);
            wx[ox] = (float) (fx - xa[ox]);
        }
        int plane = height * width;
        int outPlane = outH * outW;
        for (int oy = 0; oy < outH; oy++) {
            int sy = scaledRow(oy);
            double fy = sy < 0 ? 0 : Math.min(height - 1, Math.max(0, (sy + 0.5) * height / scaledH - 0.5));
            int ya = (int) fy;
            int yb = Math.min(ya + 1, height - 1);
            float wy = (float) (fy - ya);
            for (int c = 0; c < 3; c++) {
                int o = off + c * outPlane + oy * outW;
                if (sy < 0) {
                    java.util.Arrays.fill(dst, o, o + outW, pad[c]);
                    continue;
                }
                int ra = c * plane + ya * width;
                int rb = c * plane + yb * width;
                for (int ox = 0; ox < outW; ox++) {
                    int a = xa[ox];
                    if (a < 0) {
                        dst[o + ox] = pad[c];
                        continue;
                    }
                    int b = xb[ox];
                    float w = wx[ox];
                    float top = src[ra + a] + w * (src[ra + b] - src[ra + a]);
                    float bot = src[rb + a] + w * (src[rb + b] - src[rb + a]);
                    dst[o + ox] = top + wy * (bot - top);
                }
            }
        }
    }

    /**
     * Resamples a row-major [H,W] label map into {@code dst} at {@code off}, nearest (always one of the
     * image's bilinear neighbours, so image and label stay aligned); padding gets 255.
     */
    void applyLabel(int[] src, float[] dst, int off) {
        int[] xs = new int[outW];
        for (int ox = 0; ox < outW; ox++) {
            int sx = scaledCol(ox);
            xs[ox] = sx < 0 ? -1 : Math.min(width - 1, (int) ((sx + 0.5) * width / scaledW));
        }
        for (int oy = 0; oy < outH; oy++) {
            int sy = scaledRow(oy);
            int o = off + oy * outW;
            if (sy < 0) {
                java.util.Arrays.fill(dst, o, o + outW, Cityscapes.IGNORE);
                continue;
            }
            int row = Math.min(height - 1, (int) ((sy + 0.5) * height / scaledH)) * width;
            for (int ox = 0; ox < outW; ox++) {
                dst[o + ox] = xs[ox] < 0 ? Cityscapes.IGNORE : src[row + xs[ox]];
            }
        }
    }

    /** A transformed image [3,outH,outW] and label [outH,outW] (null when no label was given). */
    public record View(INDArray image, INDArray label) {
    }

    /**
     * Applies the transform to an image [3,H,W] or [1,3,H,W] (BGR 0..255) and an optional label [H,W]
     * or [1,H,W] (trainIds); image padding is {@code pad} (BGR), label padding 255.
     */
    public View apply(INDArray image, INDArray label, float[] pad) {
        float[] src = flat(image, 3L * height * width, "image");
        float[] img = new float[3 * outH * outW];
        applyImage(src, img, 0, pad);
        INDArray lbl = null;
        if (label != null) {
            float[] l = flat(label, (long) height * width, "label");
            int[] li = new int[l.length];
            for (int i = 0; i < l.length; i++) {
                li[i] = Math.round(l[i]);
            }
            float[] out = new float[outH * outW];
            applyLabel(li, out, 0);
            lbl = Nd4j.create(out, new long[]{outH, outW}, 'c');
        }
        return new View(Nd4j.create(img, new long[]{3, outH, outW}, 'c'), lbl);
    }

    /** A probability map brought back to the original geometry, and where the view saw the original. */
    public record Inverse(INDArray probs, INDArray valid) {
    }

    /**
     * Maps per-class maps [C,h,w] (or [1,C,h,w]) made on the view back to the original HxW. The maps may
     * have any resolution of the view (e.g. logits at stride 8); they are sampled bilinearly inside the
     * part of the view that shows the image. Original pixels the view did not cover get 0 in every class
     * and 0 in {@code valid} (1 elsewhere), so a max-confidence fusion ignores them.
     */
    public Inverse invert(INDArray maps) {
        long[] s = maps.shape();
        if (s.length < 3 || (s.length == 4 && s[0] != 1) || s.length > 4) {
            throw new IllegalArgumentException("expected maps [C,h,w] or [1,C,h,w], got " + java.util.Arrays.toString(s));
        }
        int c = (int) s[s.length - 3];
        int mh = (int) s[s.length - 2];
        int mw = (int) s[s.length - 1];
        float[] src = flat(maps, (long) c * mh * mw, "maps");
        Axis ax = axis(width, scaledW, x0, outW, mw, flip);
        Axis ay = axis(height, scaledH, y0, outH, mh, false);
        float[] out = new float[c * height * width];
        float[] valid = new float[height * width];
        int plane = height * width;
        int mplane = mh * mw;
        for (int y = 0; y < height; y++) {
            if (ay.a[y] < 0) {
                continue;
            }
            int ra = ay.a[y] * mw;
            int rb = ay.b[y] * mw;
            float wy = ay.w[y];
            for (int x = 0; x < width; x++) {
                int a = ax.a[x];
                if (a < 0) {
                    continue;
                }
                int b = ax.b[x];
                float w = ax.w[x];
                int o = y * width + x;
                valid[o] = 1;
                for (int k = 0; k < c; k++) {
                    int m = k * mplane;
                    float top = src[m + ra + a] + w * (src[m + ra + b] - src[m + ra + a]);
                    float bot = src[m + rb + a] + w * (src[m + rb + b] - src[m + rb + a]);
                    out[k * plane + o] = top + wy * (bot - top);
                }
            }
        }
        return new Inverse(Nd4j.create(out, new long[]{c, height, width}, 'c'),
                Nd4j.create(valid, new long[]{height, width}, 'c'));
    }

    /** Per original coordinate along one axis: the two map indices (a = -1: not covered) and the weight. */
    private record Axis(int[] a, int[] b, float[] w) {
    }

    private static Axis axis(int size, int scaled, int start, int out, int map, boolean mirrored) {
        // View positions that show the image (the rest is padding), before mirroring.
        int covered = Math.min(out, scaled - start);
        double r = (double) map / out;
        int firstView = mirrored ? out - covered : 0;
        double lo = Math.max(0, (firstView + 0.5) * r - 0.5);
        double hi = Math.min(map - 1, (firstView + covered - 0.5) * r - 0.5);
        int[] a = new int[size];
        int[] b = new int[size];
        float[] w = new float[size];
        for (int i = 0; i < size; i++) {
            double sc = (i + 0.5) * scaled / size - 0.5;
            int nearest = (int) Math.floor(sc + 0.5) - start;
            if (nearest < 0 || nearest >= covered) {
                a[i] = -1;
                continue;
            }
            double v = sc - start;
            if (mirrored) {
                v = out - 1 - v;
            }
            double m = Math.min(hi, Math.max(lo, (v + 0.5) * r - 0.5));
            a[i] = (int) m;
            b[i] = Math.min(a[i] + 1, map - 1);
            w[i] = (float) (m - a[i]);
        }
        return new Axis(a, b, w);
    }

    private static float[] flat(INDArray x, long expected, String what) {
        if (x.length() != expected) {
            throw new IllegalArgumentException(what + " has " + x.length() + " values, expected " + expected
                    + " for a " + what + " of this transform's size");
        }
        return Nd4j.toFlattened('c', x).castTo(DataType.FLOAT).toFloatVector();
    }

    @Override
    public String toString() {
        return height + "x" + width + " -> scale " + scaledH + "x" + scaledW + " crop (" + y0 + "," + x0 + ") "
                + outH + "x" + outW + (flip ? " flipped" : "");
    }
}
