package io.udas.train.cyclegan;

import io.udas.config.Size;
import io.udas.data.BadFileException;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Pixel plumbing between the data package (planar BGR, 0..255) and the CycleGAN generators (planar RGB in [-1, 1]),
 * on plain float arrays [3, H, W].
 */
public final class GanImages {
    private GanImages() {
    }

    /** Planar BGR 0..255 to planar RGB in [-1, 1]. */
    public static float[] bgrToGan(float[] bgr, int h, int w) {
        int n = h * w;
        float[] out = new float[3 * n];
        for (int c = 0; c < 3; c++) {
            int src = (2 - c) * n;
            int dst = c * n;
            for (int i = 0; i < n; i++) {
                out[dst + i] = bgr[src + i] / 127.5f - 1f;
            }
        }
        return out;
    }

    /** Planar RGB in [-1, 1] to planar BGR 0..255 (clamped). */
    public static float[] ganToBgr(float[] rgb, int h, int w) {
        int n = h * w;
        float[] out = new float[3 * n];
        for (int c = 0; c < 3; c++) {
            int src = (2 - c) * n;
            int dst = c * n;
            for (int i = 0; i < n; i++) {
                float v = (rgb[src + i] + 1f) * 127.5f;
                out[dst + i] = v < 0 ? 0 : Math.min(v, 255f);
            }
        }
        return out;
    }

    /** The window [y0, y0+ch) x [x0, x0+cw) of a planar image, mirrored left-right when {@code flip}. */
    public static float[] crop(float[] img, int h, int w, int y0, int x0, int ch, int cw, boolean flip) {
        if (y0 < 0 || x0 < 0 || y0 + ch > h || x0 + cw > w) {
            throw new IllegalArgumentException("crop " + cw + "x" + ch + " at (" + x0 + ", " + y0 + ") outside " + w + "x" + h);
        }
        float[] out = new float[3 * ch * cw];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < ch; y++) {
                int src = (c * h + y0 + y) * w + x0;
                int dst = (c * ch + y) * cw;
                if (flip) {
                    for (int x = 0; x < cw; x++) {
                        out[dst + x] = img[src + cw - 1 - x];
                    }
                } else {
                    System.arraycopy(img, src, out, dst, cw);
                }
            }
        }
        return out;
    }

    /** The smallest multiple of 4 that is at least {@code v}. */
    public static int roundUp4(int v) {
        return (v + 3) & ~3;
    }

    /**
     * Extends a planar image at its bottom and right edge to {@code ph} x {@code pw} by reflection (the mirror image
     * without repeating the edge pixel, like the generator's own padding); needs {@code ph - h < h} and
     * {@code pw - w < w}.
     */
    public static float[] reflectPad(float[] img, int h, int w, int ph, int pw) {
        if (ph == h && pw == w) {
            return img;
        }
        if (ph < h || pw < w || ph - h >= h || pw - w >= w) {
            throw new IllegalArgumentException("cannot reflect-pad " + w + "x" + h + " to " + pw + "x" + ph);
        }
        float[] out = new float[3 * ph * pw];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < ph; y++) {
                int sy = y < h ? y : 2 * (h - 1) - y;
                int src = (c * h + sy) * w;
                int dst = (c * ph + y) * pw;
                System.arraycopy(img, src, out, dst, w);
                for (int x = w; x < pw; x++) {
                    out[dst + x] = img[src + 2 * (w - 1) - x];
                }
            }
        }
        return out;
    }

    /**
     * The size at which a training image of {@code h} x {@code w} is loaded: width {@code loadWidth} with the aspect
     * kept, enlarged (aspect still kept) where needed so that the crop fits.
     */
    public static Size loadSize(int h, int w, int loadWidth, Size crop) {
        double s = Math.max((double) loadWidth / w, Math.max((double) crop.height / h, (double) crop.width / w));
        int lw = Math.max(crop.width, (int) Math.round(w * s));
        int lh = Math.max(crop.height, (int) Math.round(h * s));
        return new Size(lh, lw);
    }

    /** Width and height from an image file's header, without decoding the pixels. */
    public static Size fileSize(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadFileException(file + ": image file not found");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new BadFileException(file + ": not a decodable image (unknown format)");
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                return new Size(r.getHeight(0), r.getWidth(0));
            } finally {
                r.dispose();
            }
        } catch (IOException e) {
            throw new BadFileException(file + ": not a decodable image (" + e.getMessage() + ")");
        }
    }
}
