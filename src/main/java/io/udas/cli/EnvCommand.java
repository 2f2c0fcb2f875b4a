package io.udas.cli;

import io.udas.util.Gpu;
import io.udas.util.Platform;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code env}: backend, threads, CPU features and versions. */
final class EnvCommand implements Command {
    @Override
    public String name() {
        return "env";
    }

    @Override
    public String summary() {
        return "show the ND4J backend, devices, threads and versions";
    }

    @Override
    public Options options() {
        return new Options();
    }

    @Override
    public int run(CommandLine cl) {
        // The GPU verdict comes first and never starts ND4J, so an unusable GPU is reported, not crashed on.
        Gpu.Verdict verdict = Gpu.verdict();
        Gpu.describe(verdict).forEach((k, v) -> System.out.printf("%-12s %s%n", k, v));
        if (!verdict.ok()) {
            System.err.println("udas env: " + verdict.message());
            return Main.FAILED;
        }
        Platform.describe().forEach((k, v) -> System.out.printf("%-12s %s%n", k, v));
        return Main.OK;
    }
}
