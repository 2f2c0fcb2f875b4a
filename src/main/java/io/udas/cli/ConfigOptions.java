package io.udas.cli;

import io.udas.config.ConfigLoader;
import io.udas.config.RunConfig;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

import java.nio.file.Path;
import java.util.List;

/** The options every config-driven command shares: {@code --config FILE} and repeatable {@code --set key=value}. */
final class ConfigOptions {
    private ConfigOptions() {
    }

    static Options add(Options o, boolean required) {
        o.addOption(Option.builder("c").longOpt("config").hasArg().argName("FILE").required(required)
                .desc("YAML run config (see configs/)").build());
        o.addOption(Option.builder().longOpt("set").hasArg().argName("KEY=VALUE")
                .desc("override a config key, e.g. --set train.iterations=200 (repeatable)").build());
        return o;
    }

    static RunConfig load(CommandLine cl) {
        return loadFrom(cl, "config");
    }

    /** The config named by option {@code option}, with the --set overrides applied. */
    static RunConfig loadFrom(CommandLine cl, String option) {
        List<String> sets = cl.hasOption("set") ? List.of(cl.getOptionValues("set")) : List.of();
        return ConfigLoader.load(Path.of(cl.getOptionValue(option)), sets);
    }
}
