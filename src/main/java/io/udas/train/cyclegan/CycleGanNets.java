package io.udas.train.cyclegan;

import io.udas.config.CycleGanConfig;
import io.udas.nn.Network;
import io.udas.nn.PatchDiscriminator;
import io.udas.nn.ResnetGenerator;
import io.udas.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The four CycleGAN networks as weight stores (state-dict name to live array): G (source to target), F (target to
 * source), D_X (judges source images) and D_Y (judges target images). Graphs are views built on these arrays with
 * {@link Scope#bound}, so every graph sees every update without copying.
 *
 * <p>Correspondence with pytorch-CycleGAN: G = netG_A, F = netG_B, D_Y = netD_A, D_X = netD_B (A = source).
 */
public final class CycleGanNets {
    public static final String G = "G";
    public static final String F = "F";
    public static final String D_X = "D_X";
    public static final String D_Y = "D_Y";

    private final GeneratorSpec generator;
    private final int ndf;
    private final int nLayersD;
    private final Map<String, INDArray> g = new LinkedHashMap<>();
    private final Map<String, INDArray> f = new LinkedHashMap<>();
    private final Map<String, INDArray> dX = new LinkedHashMap<>();
    private final Map<String, INDArray> dY = new LinkedHashMap<>();

    /** Freshly initialised networks; {@code seed} fixes the weights (N(0, 0.02), as the reference). */
    public CycleGanNets(CycleGanConfig cfg, long seed) {
        this.generator = GeneratorSpec.of(cfg);
        this.ndf = cfg.ndf;
        this.nLayersD = cfg.nLayersD;
        Nd4j.getRandom().setSeed(seed);
        // Shapes do not depend on the input size: build once, small, to create the arrays in a fixed order.
        int s = 3 << nLayersD;
        s += (4 - s % 4) % 4;
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 3, s, s);
        generator(sd, G + ".", g, x, s, s);
        generator(sd, F + ".", f, x, s, s);
        discriminator(sd, D_X + ".", dX, x);
        discriminator(sd, D_Y + ".", dY, x);
    }

    public GeneratorSpec generatorSpec() {
        return generator;
    }

    /** Weights of one network by name ({@link #G}, {@link #F}, {@link #D_X}, {@link #D_Y}). */
    public Map<String, INDArray> weights(String net) {
        return switch (net) {
            case G -> g;
            case F -> f;
            case D_X -> dX;
            case D_Y -> dY;
            default -> throw new IllegalArgumentException("no network " + net);
        };
    }

    /**
     * Applies the generator with weights {@code store} to {@code input} [N, 3, h, w] in {@code sd}, its variables
     * named {@code prefix + state-dict name}: created on the store's arrays the first time, reused after that.
     */
    public Network generator(SameDiff sd, String prefix, Map<String, INDArray> store, SDVariable input, int h, int w) {
        return generator.build(sd, prefix, store, input, h, w);
    }

    /** Applies a PatchGAN discriminator, like {@link #generator}. */
    public Network discriminator(SameDiff sd, String prefix, Map<String, INDArray> store, SDVariable input) {
        PatchDiscriminator.Spec spec = new PatchDiscriminator.Spec().ndf(ndf).nLayers(nLayersD);
        return PatchDiscriminator.build(scope(sd, prefix, store), spec, input);
    }

    static Scope scope(SameDiff sd, String prefix, Map<String, INDArray> store) {
        boolean exists = sd.variables().stream().anyMatch(v -> v.name().startsWith(prefix + "model."));
        return exists ? Scope.reusing(sd, prefix, DataType.FLOAT)
                : Scope.bound(sd, prefix, DataType.FLOAT, store);
    }
}
