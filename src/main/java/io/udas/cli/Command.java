package io.udas.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** A sub-command of {@code udas}: its options and what it runs. Commands only parse and delegate. */
public interface Command {
    String name();

    /** One line for the command list. */
    String summary();

    /** Example invocations shown under --help. */
    default String examples() {
        return "";
    }

    Options options();

    /** Runs the command; returns the process exit code. */
    int run(CommandLine cl) throws Exception;
}
