package io.udas.config;

/** Adversarial objective: BCE-with-logits (vanilla) or least squares (LSGAN). */
public enum GanLoss { BCE, LSGAN }
