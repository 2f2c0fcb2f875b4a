package io.udas.config;

import java.nio.file.Path;

/** The root of a run config: one schema for every stage and the whole pipeline. */
public class RunConfig implements Validatable {
    /** Run name (default: the config file name). */
    public String name;
    public Stage stage;
    /** Fixes data order, augmentation and initialisation. */
    public long seed = 42;
    /** Where the run writes (default: runs/{name}). */
    public String outputDir;
    public DataConfig data = new DataConfig();
    /** Optional: generate the demo dataset here if the data folders are missing. */
    public DemoDataConfig demo;
    public ModelConfig model = new ModelConfig();
    public TrainConfig train = new TrainConfig();
    public AugmentConfig augment = new AugmentConfig();
    public EvalConfig eval = new EvalConfig();
    public UdaConfig uda = new UdaConfig();
    public CycleGanConfig cyclegan = new CycleGanConfig();
    public PseudoLabelConfig pseudo = new PseudoLabelConfig();
    public StudentConfig student = new StudentConfig();
    public PipelineConfig pipeline = new PipelineConfig();

    @Override
    public void validate(Validator v) {
        v.section("data", data);
        v.optionalSection("demo", demo);
        v.section("model", model);
        v.section("train", train);
        v.section("augment", augment);
        v.section("eval", eval);
        v.section("uda", uda);
        v.section("cyclegan", cyclegan);
        v.section("pseudo", pseudo);
        v.section("student", student);
        v.section("pipeline", pipeline);
        if (stage == Stage.SUPERVISED) {
            if (train.on == TrainConfig.TrainOn.SOURCE) {
                v.check(data.source != null, "data.source", "required key is missing (train.on: source)");
            } else {
                v.check(data.labeledTarget > 0, "data.labeled_target",
                        "expected > 0 for train.on: target (the SL baseline trains on the labeled target subset)");
            }
        }
        if (stage != null && stage != Stage.CYCLEGAN) {
            v.check(augment.crop != null, "augment.crop", "required key is missing (training crops)");
        }
    }

    public Path outputPath() {
        return Path.of(outputDir != null ? outputDir : "runs/" + name);
    }
}
