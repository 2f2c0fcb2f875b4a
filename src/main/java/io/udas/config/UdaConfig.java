package io.udas.config;

/** Stage 2: output-space adversarial adaptation with CutMix on labeled target images. */
public class UdaConfig implements Validatable {
    public double lambdaAdv = 1e-3;
    /** CutMix loss weight; the term is off when no labeled target images exist. */
    public double lambdaCm = 1.0;
    /** Strength of the brightness / contrast / saturation jitter of the CutMix image (hue: a quarter of it). */
    public double cmJitter = 0.2;
    public GanLoss ganLoss = GanLoss.BCE;
    /** Discriminator base width (64 in the reference) and its Adam settings. */
    public int discNdf = 64;
    public double discLr = 1e-4;
    public double discBeta1 = 0.9;
    public double discBeta2 = 0.99;
    /** Softmax temperature of the outputs the discriminator sees (source and target, both players' steps). */
    public double temperature = 1.0;
    /**
     * Target pixels whose max probability (at temperature 1) is below this are masked out of the
     * adversarial term (0 = off): each discriminator output patch is weighted by the fraction of
     * confident pixels in its 32x32 input cell, and the term is the weighted mean over patches.
     */
    public double confidenceMask = 0.0;
    /** AdaptSegNet multi-level: an auxiliary output on layer3 with its own discriminator. */
    public boolean auxEnabled = false;
    public double auxLambdaAdv = 2e-4;
    public double auxSegWeight = 0.1;

    @Override
    public void validate(Validator v) {
        v.nonNegative("lambda_adv", lambdaAdv);
        v.nonNegative("lambda_cm", lambdaCm);
        v.range("cm_jitter", cmJitter, 0, 1);
        v.require("gan_loss", ganLoss);
        v.positive("disc_ndf", discNdf);
        v.positive("disc_lr", discLr);
        v.range("disc_beta1", discBeta1, 0, 1);
        v.range("disc_beta2", discBeta2, 0, 1);
        v.positive("temperature", temperature);
        v.range("confidence_mask", confidenceMask, 0, 1);
        v.nonNegative("aux_lambda_adv", auxLambdaAdv);
        v.nonNegative("aux_seg_weight", auxSegWeight);
    }
}
