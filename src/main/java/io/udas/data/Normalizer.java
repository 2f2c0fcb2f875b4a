package io.udas.data;

import io.udas.config.InputNormConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Turns pipeline images (BGR, 0..255) into what the model expects: its channel order, minus its mean,
 * divided by its std (both given in the model's channel order, 0..255 units); and back for
 * visualisation. Works on [N,3,H,W] batches and single [3,H,W] images.
 */
public final class Normalizer {
    private final boolean rgb;
    private final float[] mean;
    private final float[] std;

    public Normalizer(InputNormConfig cfg) {
        this.rgb = cfg.channelOrder == InputNormConfig.ChannelOrder.RGB;
        this.mean = new float[3];
        this.std = new float[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = cfg.mean.get(c).floatValue();
            std[c] = cfg.std.get(c).floatValue();
        }
    }

    /** The mean colour in BGR order (the colour that normalises to 0). */
    public float[] meanBgr() {
        return rgb ? new float[]{mean[2], mean[1], mean[0]} : mean.clone();
    }

    /** Model input from BGR 0..255 images; the argument is left unchanged. */
    public INDArray normalize(INDArray bgr) {
        INDArray x = rgb ? swapRedBlue(bgr) : bgr.dup();
        int dim = x.rank() - 3;
        Broadcast.sub(x, Nd4j.createFromArray(mean).castTo(x.dataType()), x, dim);
        Broadcast.div(x, Nd4j.createFromArray(std).castTo(x.dataType()), x, dim);
        return x;
    }

    /** BGR 0..255 images from model input (unclamped); the argument is left unchanged. */
    public INDArray denormalize(INDArray input) {
        INDArray x = input.dup();
        int dim = x.rank() - 3;
        Broadcast.mul(x, Nd4j.createFromArray(std).castTo(x.dataType()), x, dim);
        Broadcast.add(x, Nd4j.createFromArray(mean).castTo(x.dataType()), x, dim);
        return rgb ? swapRedBlue(x) : x;
    }

    /** A copy with channels 0 and 2 exchanged (BGR <-> RGB). */
    private static INDArray swapRedBlue(INDArray x) {
        int dim = x.rank() - 3;
        return Nd4j.concat(dim, channel(x, 2), channel(x, 1), channel(x, 0));
    }

    private static INDArray channel(INDArray x, int c) {
        INDArrayIndex[] idx = new INDArrayIndex[x.rank()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = NDArrayIndex.all();
        }
        idx[x.rank() - 3] = NDArrayIndex.interval(c, c + 1);
        return x.get(idx);
    }
}
