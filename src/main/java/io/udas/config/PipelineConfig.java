package io.udas.config;

/** Which stages the whole-experiment pipeline runs. */
public class PipelineConfig implements Validatable {
    public boolean cyclegan = true;
    public boolean sourceOnly = true;
    public boolean uda = true;
    public boolean selfTraining = true;

    @Override
    public void validate(Validator v) {
        v.check(uda || !selfTraining, "self_training", "needs uda: true (the UDA model is the first teacher)");
    }
}
