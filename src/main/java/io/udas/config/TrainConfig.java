package io.udas.config;

/** Segmenter optimisation (SGD + poly LR, DeepLab-v2 reference defaults) and the run's cadence. */
public class TrainConfig implements Validatable {
    /** What the supervised stage learns from. */
    public enum TrainOn {
        /** Labeled source images: the "No adaptation" / source-only baseline. */
        SOURCE,
        /** The labeled target subset ({@code data.labeled_target} images): the SL baseline. */
        TARGET
    }

    public TrainOn on = TrainOn.SOURCE;
    public int iterations = 1000;
    public int batchSize = 1;
    public double lr = 2.5e-4;
    public double momentum = 0.9;
    public double weightDecay = 5e-4;
    /** Poly decay lr * (1 - i/iterations)^poly_power. */
    public double polyPower = 0.9;
    /** LR multiplier of the classifier head (ASPP). */
    public double headLrMult = 10;
    public int logEvery = 10;
    public int checkpointEvery = 500;
    /** Evaluate on target val every N iterations (0 = only at the end). */
    public int evalEvery = 500;
    /** Optional model file to initialise from (imported ImageNet weights, an earlier stage's model). */
    public String init;

    @Override
    public void validate(Validator v) {
        v.require("on", on);
        v.positive("iterations", iterations);
        v.positive("batch_size", batchSize);
        v.positive("lr", lr);
        v.range("momentum", momentum, 0, 1);
        v.nonNegative("weight_decay", weightDecay);
        v.nonNegative("poly_power", polyPower);
        v.positive("head_lr_mult", headLrMult);
        v.positive("log_every", logEvery);
        v.positive("checkpoint_every", checkpointEvery);
        v.nonNegative("eval_every", evalEvery);
    }
}
