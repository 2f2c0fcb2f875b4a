package io.udas.train.cyclegan;

import io.udas.data.ImageCodec;
import io.udas.util.AtomicFiles;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;

/**
 * A PNG grid of generator images (each [1, 3, h, w] RGB in [-1, 1], all one size), rows of equal length separated
 * by a white gap of {@value #GAP} px. The CycleGAN trainer writes two rows: real source, G(source), F(G(source)); and
 * real target, F(target), G(F(target)).
 */
public final class SampleGrid {
    static final int GAP = 2;

    private SampleGrid() {
    }

    /** Writes the grid to {@code file} atomically. */
    public static void write(Path file, List<List<INDArray>> rows) {
        AtomicFiles.writeBytes(file, encode(rows));
    }

    static byte[] encode(List<List<INDArray>> rows) {
        long[] s = rows.get(0).get(0).shape();
        int h = (int) s[2];
        int w = (int) s[3];
        int cols = rows.get(0).size();
        int gh = rows.size() * h + (rows.size() - 1) * GAP;
        int gw = cols * w + (cols - 1) * GAP;
        float[] grid = new float[3 * gh * gw];
        java.util.Arrays.fill(grid, 255f);
        for (int r = 0; r < rows.size(); r++) {
            List<INDArray> row = rows.get(r);
            if (row.size() != cols) {
                throw new IllegalArgumentException("sample grid rows differ in length");
            }
            for (int c = 0; c < cols; c++) {
                float[] bgr = GanImages.ganToBgr(row.get(c).reshape(3L * h * w).toFloatVector(), h, w);
                int oy = r * (h + GAP);
                int ox = c * (w + GAP);
                for (int ch = 0; ch < 3; ch++) {
                    for (int y = 0; y < h; y++) {
                        System.arraycopy(bgr, (ch * h + y) * w, grid, (ch * gh + oy + y) * gw + ox, w);
                    }
                }
            }
        }
        return ImageCodec.encodePng(gh, gw, grid);
    }
}
