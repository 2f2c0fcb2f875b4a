package io.udas.cli;

import java.util.List;

/** The registry of sub-commands, in the order --help lists them. */
final class Commands {
    private Commands() {
    }

    static List<Command> all() {
        return List.of(new PipelineCommand(), new TrainCommand(), new TranslateCommand(), new PseudoLabelCommand(),
                new EvaluateCommand(), new PredictCommand(), new ImportWeightsCommand(), new SweepCommand(), new BenchCommand(),
                new DemoDataCommand(), new EnvCommand());
    }
}
