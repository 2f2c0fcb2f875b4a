package io.udas.data;

/** Plain-array resampling with pixel-centre alignment (the OpenCV / align_corners=false convention). */
final class Resample {
    private Resample() {
    }

    /** Nearest-neighbour resize of a row-major map: destination pixel centre -> the source pixel containing it. */
    static int[] nearest(int[] src, int sh, int sw, int dh, int dw) {
        int[] xs = new int[dw];
        for (int x = 0; x < dw; x++) {
            xs[x] = Math.min(sw - 1, (int) ((x + 0.5) * sw / dw));
        }
        int[] out = new int[dh * dw];
        for (int y = 0; y < dh; y++) {
            int row = Math.min(sh - 1, (int) ((y + 0.5) * sh / dh)) * sw;
            int o = y * dw;
            for (int x = 0; x < dw; x++) {
                out[o + x] = src[row + xs[x]];
            }
        }
        return out;
    }
}
