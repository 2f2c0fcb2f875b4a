package io.udas.data;

import io.udas.config.Size;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * Image files through OpenCV (fast native PNG/JPEG; BGR like the Caffe-era models). The file is read
 * by Java first so that a missing file and a corrupt one give different messages.
 */
public final class ImageCodec {
    private ImageCodec() {
    }

    /** A decoded image, planar BGR [3,H,W] in 0..255. */
    public record Planar(int height, int width, float[] data) {
    }

    /** A decoded (and possibly resized) image and the size stored in its file. */
    public record Decoded(Planar image, int fileHeight, int fileWidth) {
    }

    /**
     * Decodes {@code file} to planar BGR floats, resized bilinearly to {@code size} when given (in OpenCV,
     * on the 8-bit image, so a 2048x1024 image never exists as floats).
     */
    public static Decoded readBgr(Path file, Size size) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new BadFileException(file + ": image file not found");
        } catch (IOException e) {
            throw new BadFileException(file + ": cannot read image: " + e.getMessage());
        }
        try (Mat buf = new Mat(1, bytes.length, CV_8UC1); Mat img = decode(buf, bytes)) {
            if (img.empty() || img.type() != CV_8UC3) {
                throw new BadFileException(file + ": not a decodable image (corrupt or unsupported format)");
            }
            if (size == null || (size.height == img.rows() && size.width == img.cols())) {
                return new Decoded(toPlanar(img), img.rows(), img.cols());
            }
            try (Mat small = new Mat();
                 org.bytedeco.opencv.opencv_core.Size dsize = new org.bytedeco.opencv.opencv_core.Size(size.width,
                         size.height)) {
                resize(img, small, dsize, 0, 0, INTER_LINEAR);
                return new Decoded(toPlanar(small), img.rows(), img.cols());
            }
        }
    }

    private static Mat decode(Mat buf, byte[] bytes) {
        buf.data().put(bytes);
        return imdecode(buf, IMREAD_COLOR);
    }

    private static Planar toPlanar(Mat img) {
        int h = img.rows();
        int w = img.cols();
        int n = h * w;
        byte[] px = new byte[n * 3];
        // imdecode and resize allocate their results, which are therefore continuous.
        img.data().get(px);
        float[] out = new float[n * 3];
        for (int i = 0, j = 0; i < n; i++, j += 3) {
            out[i] = px[j] & 0xff;
            out[n + i] = px[j + 1] & 0xff;
            out[2 * n + i] = px[j + 2] & 0xff;
        }
        return new Planar(h, w, out);
    }

    /** Encodes planar BGR floats (0..255, rounded and clamped) as a PNG. */
    public static byte[] encodePng(int height, int width, float[] bgr) {
        int n = height * width;
        byte[] px = new byte[n * 3];
        for (int i = 0, j = 0; i < n; i++, j += 3) {
            px[j] = toByte(bgr[i]);
            px[j + 1] = toByte(bgr[n + i]);
            px[j + 2] = toByte(bgr[2 * n + i]);
        }
        try (Mat img = new Mat(height, width, CV_8UC3); BytePointer out = new BytePointer()) {
            img.data().put(px);
            if (!imencode(".png", img, out)) {
                throw new IllegalStateException("OpenCV could not encode a PNG");
            }
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }

    /** Writes one image [3,H,W] (or [1,3,H,W]) BGR 0..255 as a PNG, atomically. */
    public static void writePng(Path file, INDArray bgr) {
        long[] s = bgr.shape();
        int h = (int) s[s.length - 2];
        int w = (int) s[s.length - 1];
        float[] data = bgr.reshape(3L * h * w).toFloatVector();
        io.udas.util.AtomicFiles.writeBytes(file, encodePng(h, w, data));
    }

    private static byte toByte(float v) {
        int i = Math.round(v);
        return (byte) (i < 0 ? 0 : Math.min(i, 255));
    }
}
