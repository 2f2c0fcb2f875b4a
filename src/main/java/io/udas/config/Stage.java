package io.udas.config;

/** What {@code train} runs with a config. */
public enum Stage { SUPERVISED, CYCLEGAN, UDA, STUDENT }
