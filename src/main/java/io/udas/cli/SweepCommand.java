package io.udas.cli;

import io.udas.sweep.Sweep;
import io.udas.sweep.SweepRunner;
import io.udas.sweep.Trial;
import io.udas.sweep.TrialResult;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.OptionGroup;
import org.apache.commons.cli.Options;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code sweep}: hyperparameter sweeps over run configs (hyperparam-search/*.yaml). Each trial is a child
 * {@code udas train|pipeline} process; results.csv, report.md and plots land in the sweep folder.
 */
public final class SweepCommand implements Command {
    /** System property naming the trial processes' main class (for tests with a fake trainer). */
    public static final String MAIN_PROPERTY = "udas.sweep.main";

    @Override
    public String name() {
        return "sweep";
    }

    @Override
    public String summary() {
        return "hyperparameter sweep: grid/random search, one child process per trial, resumable, report + plots";
    }

    @Override
    public String examples() {
        return """
                  udas sweep --config hyperparam-search/demo-threshold.yaml
                  udas sweep --config hyperparam-search/lambda-adv-cm.yaml --dry-run
                  udas sweep --config hyperparam-search/lambda-adv-cm.yaml --set train.iterations=20000 --parallel 4
                  udas sweep --config hyperparam-search/data-dependency.yaml --emit k8s --image registry/udas:cuda --pvc runs
                  udas sweep --config hyperparam-search/data-dependency.yaml --trial-index 3 --out /runs/sweeps/data-dependency
                  udas sweep --config hyperparam-search/data-dependency.yaml --collect --out /mnt/runs/sweeps/data-dependency
                """;
    }

    @Override
    public Options options() {
        Options o = new Options();
        o.addOption(Option.builder("c").longOpt("config").hasArg().argName("FILE").required()
                .desc("sweep file (see hyperparam-search/)").build());
        o.addOption(Option.builder().longOpt("set").hasArg().argName("KEY=VALUE")
                .desc("extra fixed run-config override for every trial, e.g. --set train.iterations=200 (repeatable)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR")
                .desc("sweep folder (default: the sweep file's output_dir, else runs/sweeps/<name>)").build());
        o.addOption(Option.builder().longOpt("parallel").hasArg().argName("N")
                .desc("trials at once (default: the sweep file's parallel, else one per GPU)").build());
        o.addOption(Option.builder().longOpt("retry-failed").desc("also re-run failed and timed-out trials").build());
        o.addOption(Option.builder().longOpt("no-plots").desc("do not write PNG plots").build());
        OptionGroup mode = new OptionGroup();
        mode.addOption(Option.builder().longOpt("dry-run")
                .desc("plan the trials, validate every trial's run config, print the commands; run nothing").build());
        mode.addOption(Option.builder().longOpt("trial-index").hasArg().argName("N")
                .desc("run only trial N and write trials/NNN/result.json (Kubernetes Indexed Job pods)").build());
        mode.addOption(Option.builder().longOpt("emit").hasArg().argName("k8s")
                .desc("write a Kubernetes Indexed Job manifest (one completion index per trial)").build());
        mode.addOption(Option.builder().longOpt("collect")
                .desc("merge per-trial result files into results.csv, then write the report and plots").build());
        o.addOptionGroup(mode);
        o.addOption(Option.builder().longOpt("from").hasArg().argName("DIR")
                .desc("with --collect: a sweep folder to read trials/NNN from (default: the sweep folder)").build());
        o.addOption(Option.builder().longOpt("emit-to").hasArg().argName("FILE")
                .desc("with --emit: the manifest file (default: <sweep folder>/k8s-job.yaml)").build());
        o.addOption(Option.builder().longOpt("image").hasArg().argName("IMAGE")
                .desc("with --emit: container image (default: k8s.image, udas:cuda)").build());
        o.addOption(Option.builder().longOpt("pvc").hasArg().argName("NAME")
                .desc("with --emit: shared volume claim for the sweep folder (default: k8s.pvc)").build());
        return o;
    }

    @Override
    public int run(CommandLine cl) {
        List<String> sets = cl.hasOption("set") ? List.of(cl.getOptionValues("set")) : List.of();
        String fileArg = cl.getOptionValue("config");
        Sweep sweep = Sweep.load(Path.of(fileArg), sets);
        SweepRunner.Options opt = new SweepRunner.Options();
        if (cl.hasOption("out")) {
            opt.outputDir = Path.of(cl.getOptionValue("out"));
        }
        if (cl.hasOption("parallel")) {
            opt.parallel = positive(cl.getOptionValue("parallel"), "--parallel");
        }
        opt.retryFailed = cl.hasOption("retry-failed");
        opt.plots = !cl.hasOption("no-plots");
        opt.mainClass = System.getProperty(MAIN_PROPERTY);
        SweepRunner runner = new SweepRunner(sweep, opt);

        if (cl.hasOption("dry-run")) {
            runner.validateAll();
            System.out.printf("%s: %d trials, all run configs valid; sweep folder %s%n", fileArg, runner.plan().size(), runner.dir());
            for (Trial t : runner.plan()) {
                StringBuilder sb = new StringBuilder("  " + t.id() + ": udas " + t.command() + " --config " + t.base());
                t.overrides().forEach(s -> sb.append(" --set ").append(s));
                sb.append(" --set output_dir=").append(runner.dir().resolve("trials").resolve(t.id()));
                System.out.println(sb);
            }
            return Main.OK;
        }
        if (cl.hasOption("trial-index")) {
            String v = cl.getOptionValue("trial-index");
            int index;
            try {
                index = Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--trial-index: expected a number, got '" + v + "'");
            }
            TrialResult r = runner.runIndex(index);
            // A failed trial is a recorded result, not a pod failure (that would make Kubernetes retry it, or end the Job).
            return r.status() == TrialResult.Status.RUNNING ? Main.FAILED : Main.OK;
        }
        if (cl.hasOption("emit")) {
            String what = cl.getOptionValue("emit");
            if (!what.equals("k8s")) {
                throw new IllegalArgumentException("--emit: only k8s is supported, got '" + what + "'");
            }
            Path to = cl.hasOption("emit-to") ? Path.of(cl.getOptionValue("emit-to")) : null;
            Path f = runner.emitK8s(to, podPath(fileArg), sets, cl.getOptionValue("image"), cl.getOptionValue("pvc"));
            System.out.printf("wrote %s: Indexed Job with %d completions (one per trial)%n", f, runner.plan().size());
            System.out.printf("  kubectl apply -f %s%n  then: udas sweep --config %s --collect --out <shared volume>/sweeps/%s%n",
                    f, fileArg, sweep.name);
            return Main.OK;
        }
        if (cl.hasOption("collect")) {
            runner.collect(cl.hasOption("from") ? Path.of(cl.getOptionValue("from")) : null);
            return Main.OK;
        }
        SweepRunner.Outcome o = runner.run();
        boolean anyFinished = o.ok() + o.noScore() + o.failed() + o.timeout() > 0;
        return anyFinished && o.ok() + o.noScore() == 0 ? Main.FAILED : Main.OK;
    }

    /** The sweep file as the pods see it: relative to the image's working directory where possible. */
    private static String podPath(String fileArg) {
        Path p = Path.of(fileArg);
        if (!p.isAbsolute()) {
            return p.normalize().toString();
        }
        Path cwd = Path.of("").toAbsolutePath();
        if (p.startsWith(cwd)) {
            return cwd.relativize(p).toString();
        }
        System.err.println("udas sweep: warning: " + fileArg + " is an absolute path; the pods need it at the same path");
        return fileArg;
    }

    private static int positive(String v, String opt) {
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(opt + ": expected a number >= 1, got '" + v + "'");
    }
}
