package io.udas.config;

/** Training-time augmentation; geometric parts act on image and label with the same random draw. */
public class AugmentConfig implements Validatable {
    /** Random crop size; labels are padded with 255 where the crop leaves the image. */
    public Size crop;
    public double scaleMin = 1.0;
    public double scaleMax = 1.0;
    public boolean flip = true;
    /** Pad the image with the model's mean colour (0 after normalisation) where the crop leaves it; false = black. */
    public boolean padWithMean = true;
    /** Photometric jitter strengths (0 = off), image only. */
    public double brightness = 0;
    public double contrast = 0;
    public double saturation = 0;
    public double hue = 0;
    /** Probability of a Gaussian blur with sigma uniform in [blur_sigma_min, blur_sigma_max]. */
    public double blurProb = 0;
    public double blurSigmaMin = 0.1;
    public double blurSigmaMax = 2.0;

    @Override
    public void validate(Validator v) {
        v.optionalSection("crop", crop);
        v.positive("scale_min", scaleMin);
        v.check(scaleMax >= scaleMin, "scale_max", "expected >= scale_min (" + scaleMin + "), got " + scaleMax);
        v.nonNegative("brightness", brightness);
        v.nonNegative("contrast", contrast);
        v.nonNegative("saturation", saturation);
        v.range("hue", hue, 0, 0.5);
        v.range("blur_prob", blurProb, 0, 1);
        v.positive("blur_sigma_min", blurSigmaMin);
        v.check(blurSigmaMax >= blurSigmaMin, "blur_sigma_max", "expected >= blur_sigma_min");
    }
}
