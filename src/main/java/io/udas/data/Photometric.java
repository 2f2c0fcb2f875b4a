package io.udas.data;

import io.udas.config.AugmentConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * Image-only colour jitter (torchvision ColorJitter semantics: brightness, contrast, saturation, hue, in
 * that order) and Gaussian blur, on planar BGR 0..255 images.
 *
 * <p>All four jitters are linear in the pixel, so they are composed into one 3x3 matrix plus offset and
 * applied in a single pass, clamping once at the end (torchvision clamps after each step; the
 * difference only shows on saturated pixels). Hue rotates the chroma plane of YIQ, a linear stand-in
 * for the HSV hue shift.
 */
public final class Photometric {
    /** Luma weights in BGR order. */
    private static final double[] GREY = {0.114, 0.587, 0.299};

    private final double brightness;
    private final double contrast;
    private final double saturation;
    private final double hue;
    private final double blurProb;
    private final double sigmaMin;
    private final double sigmaMax;

    /**
     * @param brightness factor range [max(0, 1 - b), 1 + b]; likewise contrast and saturation
     * @param hue        shift in [-hue, hue] of a full turn (at most 0.5)
     * @param blurProb   probability of a Gaussian blur with sigma uniform in [sigmaMin, sigmaMax] pixels
     */
    public Photometric(double brightness, double contrast, double saturation, double hue, double blurProb,
                       double sigmaMin, double sigmaMax) {
        this.brightness = brightness;
        this.contrast = contrast;
        this.saturation = saturation;
        this.hue = hue;
        this.blurProb = blurProb;
        this.sigmaMin = sigmaMin;
        this.sigmaMax = sigmaMax;
    }

    public static Photometric of(AugmentConfig a) {
        return new Photometric(a.brightness, a.contrast, a.saturation, a.hue, a.blurProb, a.blurSigmaMin,
                a.blurSigmaMax);
    }

    /** Brightness, contrast and saturation jitter of {@code strength}, hue a quarter of it, no blur. */
    public static Photometric jitter(double strength) {
        return new Photometric(strength, strength, strength, Math.min(0.5, strength / 4), 0, 0.1, 0.1);
    }

    public boolean enabled() {
        return brightness > 0 || contrast > 0 || saturation > 0 || hue > 0 || blurProb > 0;
    }

    private static double factor(double strength, SplittableRandom rnd) {
        return strength > 0 ? Math.max(0, 1 - strength) + rnd.nextDouble() * (1 + strength - Math.max(0, 1 - strength)) : 1;
    }

    /** Jitters the planar [3,h,w] image at {@code off} of {@code img} in place. */
    public void apply(float[] img, int off, int h, int w, SplittableRandom rnd) {
        if (!enabled()) {
            return;
        }
        int n = h * w;
        double fb = factor(brightness, rnd);
        double fc = factor(contrast, rnd);
        double fs = factor(saturation, rnd);
        double dh = hue > 0 ? (rnd.nextDouble() * 2 - 1) * hue : 0;
        boolean blur = blurProb > 0 && rnd.nextDouble() < blurProb;
        double sigma = blur ? sigmaMin + (sigmaMax - sigmaMin) * rnd.nextDouble() : 0;
        if (fb != 1 || fc != 1 || fs != 1 || dh != 0) {
            colour(img, off, n, fb, fc, fs, dh);
        }
        if (blur) {
            blur(img, off, h, w, sigma);
        }
    }

    private static void colour(float[] img, int off, int n, double fb, double fc, double fs, double dh) {
        // Affine map M x + t, built step by step; contrast needs the mean grey of the image so far.
        double[][] m = {{fb, 0, 0}, {0, fb, 0}, {0, 0, fb}};
        double[] t = new double[3];
        if (fc != 1) {
            double[] mean = new double[3];
            for (int c = 0; c < 3; c++) {
                double sum = 0;
                for (int i = off + c * n, end = i + n; i < end; i++) {
                    sum += img[i];
                }
                mean[c] = sum / n;
            }
            double mu = 0;
            for (int c = 0; c < 3; c++) {
                double v = t[c];
                for (int k = 0; k < 3; k++) {
                    v += m[c][k] * mean[k];
                }
                mu += GREY[c] * v;
            }
            for (int c = 0; c < 3; c++) {
                for (int k = 0; k < 3; k++) {
                    m[c][k] *= fc;
                }
                t[c] = fc * t[c] + (1 - fc) * mu;
            }
        }
        if (fs != 1) {
            double[][] s = new double[3][3];
            for (int c = 0; c < 3; c++) {
                for (int k = 0; k < 3; k++) {
                    s[c][k] = (c == k ? fs : 0) + (1 - fs) * GREY[k];
                }
            }
            m = mul(s, m);
            t = mul(s, t);
        }
        if (dh != 0) {
            double[][] r = hueRotation(dh * 2 * Math.PI);
            m = mul(r, m);
            t = mul(r, t);
        }
        int b = off;
        int g = off + n;
        int rr = off + 2 * n;
        float m00 = (float) m[0][0], m01 = (float) m[0][1], m02 = (float) m[0][2];
        float m10 = (float) m[1][0], m11 = (float) m[1][1], m12 = (float) m[1][2];
        float m20 = (float) m[2][0], m21 = (float) m[2][1], m22 = (float) m[2][2];
        float t0 = (float) t[0], t1 = (float) t[1], t2 = (float) t[2];
        for (int i = 0; i < n; i++) {
            float x0 = img[b + i];
            float x1 = img[g + i];
            float x2 = img[rr + i];
            img[b + i] = clamp(m00 * x0 + m01 * x1 + m02 * x2 + t0);
            img[g + i] = clamp(m10 * x0 + m11 * x1 + m12 * x2 + t1);
            img[rr + i] = clamp(m20 * x0 + m21 * x1 + m22 * x2 + t2);
        }
    }

    /** Rotation by {@code angle} of the I/Q chroma plane, expressed on BGR vectors. */
    private static double[][] hueRotation(double angle) {
        // RGB -> YIQ (NTSC) and back; reorder columns/rows for BGR.
        double[][] toYiq = {{0.299, 0.587, 0.114}, {0.596, -0.274, -0.322}, {0.211, -0.523, 0.312}};
        double[][] fromYiq = {{1, 0.956, 0.621}, {1, -0.272, -0.647}, {1, -1.106, 1.703}};
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double[][] rot = {{1, 0, 0}, {0, cos, -sin}, {0, sin, cos}};
        double[][] rgb = mul(fromYiq, mul(rot, toYiq));
        double[][] bgr = new double[3][3];
        for (int c = 0; c < 3; c++) {
            for (int k = 0; k < 3; k++) {
                bgr[c][k] = rgb[2 - c][2 - k];
            }
        }
        return bgr;
    }

    private static double[][] mul(double[][] a, double[][] b) {
        double[][] o = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                o[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
            }
        }
        return o;
    }

    private static double[] mul(double[][] a, double[] v) {
        double[] o = new double[3];
        for (int i = 0; i < 3; i++) {
            o[i] = a[i][0] * v[0] + a[i][1] * v[1] + a[i][2] * v[2];
        }
        return o;
    }

    private static float clamp(float v) {
        return v < 0 ? 0 : Math.min(v, 255f);
    }

    /** Separable Gaussian blur (radius 3 sigma, edges replicated), per channel, in place. */
    static void blur(float[] img, int off, int h, int w, double sigma) {
        int r = Math.max(1, (int) Math.ceil(3 * sigma));
        float[] k = new float[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            sum += k[i + r] = (float) Math.exp(-i * i / (2 * sigma * sigma));
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= (float) sum;
        }
        float[] tmp = new float[h * w];
        float[] line = new float[w + 2 * r];
        for (int c = 0; c < 3; c++) {
            int p = off + c * h * w;
            for (int y = 0; y < h; y++) {
                int row = p + y * w;
                for (int x = -r; x < w + r; x++) {
                    line[x + r] = img[row + Math.min(w - 1, Math.max(0, x))];
                }
                // Tap-outer loops keep the inner loop a contiguous multiply-add the JIT vectorises.
                int o = y * w;
                java.util.Arrays.fill(tmp, o, o + w, 0f);
                for (int j = 0; j < k.length; j++) {
                    float kj = k[j];
                    for (int x = 0; x < w; x++) {
                        tmp[o + x] += kj * line[x + j];
                    }
                }
            }
            // Vertical pass row by row, likewise.
            for (int y = 0; y < h; y++) {
                int row = p + y * w;
                java.util.Arrays.fill(img, row, row + w, 0f);
                for (int j = 0; j < k.length; j++) {
                    int src = Math.min(h - 1, Math.max(0, y + j - r)) * w;
                    float kj = k[j];
                    for (int x = 0; x < w; x++) {
                        img[row + x] += kj * tmp[src + x];
                    }
                }
            }
        }
    }

    /**
     * Jitters each image of a batch [N,3,H,W] (BGR 0..255), image n with a draw from
     * {@code (seed, n)}; returns a new array (for example the mixed images of CutMix).
     */
    public INDArray apply(INDArray images, long seed) {
        long[] s = images.shape();
        if (s.length != 4 || s[1] != 3) {
            throw new IllegalArgumentException("expected images [N,3,H,W], got " + java.util.Arrays.toString(s));
        }
        int h = (int) s[2];
        int w = (int) s[3];
        float[] data = Nd4j.toFlattened('c', images).castTo(DataType.FLOAT).toFloatVector();
        for (int i = 0; i < s[0]; i++) {
            apply(data, i * 3 * h * w, h, w, new SplittableRandom(Seeds.derive(seed, i)));
        }
        return Nd4j.create(data, s, 'c').castTo(images.dataType());
    }
}
