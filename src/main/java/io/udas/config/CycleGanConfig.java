package io.udas.config;

/** Stage 1: CycleGAN style transfer (reference defaults of the public implementation). */
public class CycleGanConfig implements Validatable {
    public int ngf = 64;
    public int ndf = 64;
    /** Residual blocks of the generator: 9 for 256px and up, 6 for small images. */
    public int nBlocks = 9;
    /** Strided layers of the PatchGAN discriminator (3 = the 70x70 PatchGAN; crops of at least 3 * 2^n_layers_d px). */
    public int nLayersD = 3;
    public GanLoss ganLoss = GanLoss.LSGAN;
    public double lambdaCyc = 10;
    /** Identity loss weight as a fraction of lambda_cyc. */
    public double lambdaId = 0.5;
    public int poolSize = 50;
    public double lr = 2e-4;
    public double beta1 = 0.5;
    public double beta2 = 0.999;
    public int iterations = 1000;
    /** Iteration from which the LR decays linearly to zero (constant before). */
    public int decayStart = 500;
    /** Images are resized to this width (keeping aspect), then randomly cropped to crop. */
    public int loadWidth = 1024;
    public Size crop = new Size(360, 360);
    /** Random horizontal flip of the training crops (the reference implementation's default). */
    public boolean flip = true;
    public int sampleEvery = 100;
    public int checkpointEvery = 500;
    public int logEvery = 10;
    /** Size at which translate applies G (null: the source dataset's resize or native size). */
    public Size translateSize;

    @Override
    public void validate(Validator v) {
        v.positive("ngf", ngf);
        v.positive("ndf", ndf);
        v.positive("n_blocks", nBlocks);
        v.require("gan_loss", ganLoss);
        v.nonNegative("lambda_cyc", lambdaCyc);
        v.nonNegative("lambda_id", lambdaId);
        v.nonNegative("pool_size", poolSize);
        v.positive("lr", lr);
        v.range("beta1", beta1, 0, 1);
        v.range("beta2", beta2, 0, 1);
        v.positive("iterations", iterations);
        v.range("decay_start", decayStart, 0, iterations);
        v.positive("load_width", loadWidth);
        v.positive("n_layers_d", nLayersD);
        v.section("crop", crop);
        if (crop != null) {
            v.check(crop.height % 4 == 0 && crop.width % 4 == 0, "crop",
                    "the generator needs height and width that are multiples of 4, got " + crop);
            int min = 3 << Math.min(nLayersD, 12);
            v.check(crop.height >= min && crop.width >= min, "crop",
                    "a " + nLayersD + "-layer PatchGAN needs crops of at least " + min + "x" + min + ", got " + crop);
        }
        v.positive("sample_every", sampleEvery);
        v.positive("checkpoint_every", checkpointEvery);
        v.positive("log_every", logEvery);
        v.optionalSection("translate_size", translateSize);
    }
}
