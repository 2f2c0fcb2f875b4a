package io.udas.config;

/** Which stages the whole-experiment pipeline runs. */
public class PipelineConfig implements Validatable {
    /** Where the UDA stage starts from. */
    public enum UdaInit {
        /** train.init as configured (e.g. ImageNet weights), or a fresh model: the reference setting. */
        CONFIG,
        /** The source-only model on the translated source (the "Style transfer" stage): a warm start. */
        STYLE_TRANSFER
    }

    /** CycleGAN training and translation of the source; off = UDA trains on the raw source. */
    public boolean cyclegan = true;
    /** The source-only baseline on the raw source ("No adaptation"). */
    public boolean sourceOnly = true;
    /** The source-only model on the translated source ("Style transfer"); needs cyclegan. */
    public boolean styleTransfer = true;
    public boolean uda = true;
    public boolean selfTraining = true;
    public UdaInit udaInit = UdaInit.CONFIG;

    @Override
    public void validate(Validator v) {
        v.check(uda || !selfTraining, "self_training", "needs uda: true (the UDA model is the first teacher)");
        v.require("uda_init", udaInit);
        v.check(udaInit != UdaInit.STYLE_TRANSFER || (cyclegan && styleTransfer && uda), "uda_init",
                "style_transfer needs cyclegan: true and style_transfer: true");
    }
}
