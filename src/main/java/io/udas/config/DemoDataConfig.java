package io.udas.config;

/** The procedural two-domain demo dataset (generated when the data folder is missing). */
public class DemoDataConfig implements Validatable {
    public String root = "demo-data";
    public int height = 128;
    public int width = 256;
    public int sourceImages = 300;
    public int targetTrain = 300;
    public int targetVal = 60;
    public long seed = 7;

    @Override
    public void validate(Validator v) {
        v.require("root", root);
        v.positive("height", height);
        v.positive("width", width);
        v.positive("source_images", sourceImages);
        v.positive("target_train", targetTrain);
        v.positive("target_val", targetVal);
    }
}
