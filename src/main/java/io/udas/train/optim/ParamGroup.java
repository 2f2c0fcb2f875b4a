package io.udas.train.optim;

import java.util.List;

/**
 * Variables that share one optimiser and LR multiplier (e.g. backbone vs head, segmenter vs
 * discriminator). A training step updates only the groups it names, so one network can stay frozen
 * while gradients flow through it.
 */
public record ParamGroup(String name, List<String> variables, Optimizer optimizer, double lrMult) {
}
