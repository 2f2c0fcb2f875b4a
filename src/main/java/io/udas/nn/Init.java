package io.udas.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Weight initialisers. Every sampler draws from ND4J's global RNG ({@link Nd4j#getRandom()}), so seeding it
 * ({@code Nd4j.getRandom().setSeed(seed)}) before building a network makes the initial weights reproducible.
 *
 * <p>{@code fanIn}/{@code fanOut} follow PyTorch's {@code _calculate_fan_in_and_fan_out} on the PyTorch weight layout:
 * for a conv weight [out, in, kH, kW] fan_in = in*kH*kW and fan_out = out*kH*kW; for a transposed conv weight
 * [in, out, kH, kW] fan_in = out*kH*kW and fan_out = in*kH*kW.
 */
@FunctionalInterface
public interface Init {

    /** Samples an array of the given shape. */
    INDArray sample(DataType dataType, long fanIn, long fanOut, long... shape);

    /** N(0, std^2). */
    static Init normal(double std) {
        return (dt, fanIn, fanOut, shape) -> Nd4j.randn(dt, shape).muli(std);
    }

    /** N(mean, std^2). */
    static Init normal(double mean, double std) {
        return (dt, fanIn, fanOut, shape) -> Nd4j.randn(dt, shape).muli(std).addi(mean);
    }

    /** U(-bound, bound). */
    static Init uniform(double bound) {
        return (dt, fanIn, fanOut, shape) -> Nd4j.rand(dt, shape).muli(2 * bound).subi(bound);
    }

    /** Kaiming normal, mode fan_out, ReLU gain: N(0, 2/fan_out); the ResNet/DeepLab-v2 convention (sqrt(2/(k*k*out))). */
    static Init kaimingNormalFanOut() {
        return (dt, fanIn, fanOut, shape) -> Nd4j.randn(dt, shape).muli(Math.sqrt(2.0 / fanOut));
    }

    /** Kaiming normal, mode fan_in, ReLU gain: N(0, 2/fan_in). */
    static Init kaimingNormalFanIn() {
        return (dt, fanIn, fanOut, shape) -> Nd4j.randn(dt, shape).muli(Math.sqrt(2.0 / fanIn));
    }

    /**
     * PyTorch's default for conv weights and biases: kaiming_uniform(a=sqrt(5)) for weights and U(+-1/sqrt(fan_in))
     * for biases reduce to the same U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
     */
    static Init torchDefault() {
        return (dt, fanIn, fanOut, shape) -> {
            double bound = fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0.0;
            return Nd4j.rand(dt, shape).muli(2 * bound).subi(bound);
        };
    }

    /** All elements = value (draws nothing from the RNG). */
    static Init constant(double value) {
        return (dt, fanIn, fanOut, shape) -> Nd4j.valueArrayOf(shape, value, dt);
    }

    static Init zeros() {
        return (dt, fanIn, fanOut, shape) -> Nd4j.zeros(dt, shape);
    }

    static Init ones() {
        return (dt, fanIn, fanOut, shape) -> Nd4j.ones(dt, shape);
    }
}
