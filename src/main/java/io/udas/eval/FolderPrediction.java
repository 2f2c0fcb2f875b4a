package io.udas.eval;

import io.udas.config.DatasetConfig;
import io.udas.config.Layout;
import io.udas.config.Size;
import io.udas.data.Dataset;
import io.udas.data.ImageCodec;
import io.udas.data.LabelPng;
import io.udas.data.Normalizer;
import io.udas.data.Sample;
import io.udas.model.Predictor;
import io.udas.model.SegmentationModel;
import io.udas.nn.Resize;
import io.udas.util.AtomicFiles;
import io.udas.util.Progress;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Runs a model over a folder of images: trainId PNGs, Cityscapes-colour PNGs and, on request, raw
 * float32 logits [C, H, W] at the image's resolution as {@code .npy} (for ensembles and
 * cross-framework checks). Normalisation comes from the model's own config.
 */
public final class FolderPrediction {
    private FolderPrediction() {
    }

    /** @param size network input size, or null to run each image at its own size */
    public static int run(SegmentationModel model, Path input, Path output, Size size, boolean logits) {
        DatasetConfig dc = new DatasetConfig();
        dc.layout = Layout.FOLDER;
        dc.root = input.toString();
        Dataset images = Dataset.open("input", dc, false);
        Predictor predictor = new Predictor(model);
        Normalizer norm = new Normalizer(model.config().input);
        int n = 0;
        try (Progress progress = Progress.start("predict", images.size(), 0)) {
            for (Sample s : images.samples()) {
                String name = s.id().replaceFirst("\\.[A-Za-z]+$", "");
                ImageCodec.Decoded d = ImageCodec.readBgr(s.image(), size);
                var p = d.image();
                INDArray x = Nd4j.create(p.data(), new long[]{1, 3, p.height(), p.width()});
                INDArray out = predictor.logits(norm.normalize(x));
                if (out.size(2) != d.fileHeight() || out.size(3) != d.fileWidth()) {
                    out = Resize.bilinear(out, d.fileHeight(), d.fileWidth(), model.config().alignCorners);
                }
                int[] labels = Nd4j.argMax(out, 1).reshape(-1).toIntVector();
                try {
                    LabelPng.writeGrey(output.resolve(name + ".png"), d.fileHeight(), d.fileWidth(), labels);
                    LabelPng.writeColor(output.resolve(name + "_color.png"), d.fileHeight(), d.fileWidth(), labels);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write predictions of " + s.image() + ": " + e.getMessage(), e);
                }
                if (logits) {
                    INDArray chw = out.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).castTo(
                            org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c');
                    AtomicFiles.writeBytes(output.resolve(name + ".npy"), Nd4j.toNpyByteArray(chw));
                }
                progress.stepTo(++n, s.id());
            }
        }
        return n;
    }
}
