package io.udas.config;

/** An image size in pixels; YAML form {@code {height: 360, width: 640}}. */
public class Size implements Validatable {
    public int height;
    public int width;

    public Size() {
    }

    public Size(int height, int width) {
        this.height = height;
        this.width = width;
    }

    @Override
    public void validate(Validator v) {
        v.positive("height", height);
        v.positive("width", width);
    }

    @Override
    public String toString() {
        return width + "x" + height;
    }
}
