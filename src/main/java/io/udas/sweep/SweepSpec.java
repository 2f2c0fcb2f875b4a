package io.udas.sweep;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sweep file ({@code hyperparam-search/*.yaml}), bound strictly like the run configs: snake_case keys,
 * unknown keys are errors. {@link SweepFile} loads and validates it.
 */
public class SweepSpec {
    /** Sweep name (default: the file name); names the default output folder and the Kubernetes Job. */
    public String name;
    /** The run config every trial starts from (a stage config or a whole-pipeline config). */
    public String base;
    /** What each trial runs: {@code train} or {@code pipeline}. */
    public String command = "pipeline";
    /** The sweep folder (default runs/sweeps/{name}); trials go to {output_dir}/trials/NNN. */
    public String outputDir;
    public Search search = new Search();
    public Budget budget = new Budget();
    public Score score = new Score();
    /** Trials at once (default: one per GPU, 1 without GPUs). */
    public Integer parallel;
    /** {@code auto} (nvidia-smi -L / CUDA_VISIBLE_DEVICES), {@code none}, a count, or a list of device ids. */
    public JsonNode gpus;
    public TrialSettings trial = new TrialSettings();
    /** Fixed {@code key.sub: value} overrides of every trial. */
    public LinkedHashMap<String, JsonNode> overrides = new LinkedHashMap<>();
    /** The searched parameters, in order: config key (or a free label for named override sets) to its space. */
    public LinkedHashMap<String, ParamSpec> params = new LinkedHashMap<>();
    /** Parameter combinations not to run, each a partial assignment {param: value, ...}. */
    public List<LinkedHashMap<String, JsonNode>> exclude = new ArrayList<>();
    public Report report = new Report();
    public K8s k8s = new K8s();

    public enum Kind { GRID, RANDOM }

    public enum Mode { MAX, MIN }

    public enum ParamType { CONTINUOUS, INTEGER, DISCRETE }

    public enum Scale { LINEAR, LOG }

    public static class Search {
        public Kind kind = Kind.GRID;
        /** Grid points per continuous parameter (and at most this many per integer range): Arbiter's discretisation count. */
        public int gridPoints = 3;
        /** Seed of random search: the same seed gives the same candidates (and lets a sweep resume). */
        public long seed = 1;
    }

    public static class Budget {
        /** At most this many trials (required for random search; a grid is cut to its first max_trials). */
        public Integer maxTrials;
        /** Wall time after which no new trial starts, e.g. "36h", "90m", 3600 (seconds). */
        public JsonNode maxTime;
    }

    public static class Score {
        /** The file a trial writes, relative to its run folder. */
        public String file = "summary.json";
        /** Dotted key of the score inside that JSON file. */
        public String key = "score";
        public Mode mode = Mode.MAX;
        /** Scores are fractions: reports show them in percent (mIoU 0.584 -> 58.4). */
        public boolean percent = true;
    }

    public static class TrialSettings {
        /** Per-trial wall-time limit (the trial's process tree is killed), e.g. "8h"; none when absent. */
        public JsonNode timeout;
        /** JVM options of each trial's java process (default: the -Xmx/-Xms/-D options of this JVM). */
        public List<String> jvmArgs;
        /** How long a timed-out trial gets between SIGTERM and SIGKILL. */
        public JsonNode killGrace;
    }

    /** One searched parameter. */
    public static class ParamSpec {
        /** continuous, integer or discrete (default: discrete when values are given, else continuous). */
        public ParamType type;
        public Double min;
        public Double max;
        public Scale scale = Scale.LINEAR;
        /**
         * Discrete values: a list of values of the config key, or a mapping label -> override set
         * ({key: value, ...}; the reserved keys {@code command} and {@code base} change the trial's command and base config).
         */
        public JsonNode values;
    }

    public static class Report {
        /** An optional curve over one parameter, one line per value of another (the thesis' SL-vs-UDAS figure). */
        public Curve curve;
    }

    public static class Curve {
        /** The parameter on the x axis (e.g. data.labeled_target). */
        public String x;
        /** The parameter whose values are the lines (e.g. method); absent: one line. */
        public String series;
        /** The run the changes are relative to: {@code max} (the largest x, the full-label run) or an x value. */
        public JsonNode reference;
        public String xLabel;
        public String title;
    }

    public static class K8s {
        public String image = "udas:cuda";
        /** Shared volume (PersistentVolumeClaim) holding the sweep folder. */
        public String pvc = "udas-runs";
        public String mountPath = "/runs";
        /** The udas jar inside the image, and the working directory (where configs/ and hyperparam-search/ are). */
        public String jar = "/app/udas.jar";
        public String workdir = "/app";
        /** Job name (default udas-sweep-{name}). */
        public String jobName;
        public String namespace;
        /** Pods at once (default: every trial). */
        public Integer parallelism;
        /** Pod failures the Job tolerates (default: the number of trials). Failed trials do not fail their pod. */
        public Integer backoffLimit;
        public String cpu = "8";
        public String memory = "48Gi";
        public int gpusPerTrial = 1;
        /** Heap of the small sweep process in the pod (the trial itself is a child JVM with trial.jvm_args). */
        public String sweepHeap = "512m";
        public Map<String, String> nodeSelector;
        public String imagePullPolicy;
    }
}
