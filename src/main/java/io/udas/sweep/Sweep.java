package io.udas.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.udas.config.ConfigException;
import io.udas.config.ConfigLoader;
import io.udas.config.RunConfig;
import io.udas.config.Validator;
import io.udas.sweep.SweepSpec.Kind;
import io.udas.sweep.SweepSpec.ParamSpec;
import io.udas.sweep.SweepSpec.ParamType;
import io.udas.sweep.SweepSpec.Scale;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A loaded, validated sweep file and its plan. Loading is strict like the run configs: an unknown key, a
 * wrong type or an inconsistent parameter is a {@link ConfigException} naming the sweep file and the key.
 */
public final class Sweep {
    static final Set<String> COMMANDS = Set.of("train", "pipeline");
    /** The sweep sets this per trial; sweep files must not. */
    static final String OUTPUT_DIR = "output_dir";
    /** Random search draws at most this many candidates per wanted trial when exclusions reject some. */
    private static final int MAX_DRAWS_PER_TRIAL = 1000;

    public final Path file;
    public final SweepSpec spec;
    public final String name;
    final List<Param> params;
    final List<String> fixedOverrides;
    final List<Map<String, String>> excludes;
    public final Duration maxTime;
    public final Duration timeout;
    public final Duration killGrace;

    private Sweep(Path file, SweepSpec spec, List<Param> params, List<String> fixedOverrides,
                  List<Map<String, String>> excludes, Duration maxTime, Duration timeout, Duration killGrace) {
        this.file = file;
        this.spec = spec;
        this.name = spec.name;
        this.params = params;
        this.fixedOverrides = fixedOverrides;
        this.excludes = excludes;
        this.maxTime = maxTime;
        this.timeout = timeout;
        this.killGrace = killGrace;
    }

    public static Sweep load(Path file) {
        return load(file, List.of());
    }

    /**
     * Loads and validates a sweep file; {@code extraSets} ({@code key=value}) are appended to its fixed overrides.
     */
    public static Sweep load(Path file, List<String> extraSets) {
        String where = file.toString();
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(where + ": sweep file not found");
        }
        JsonNode tree;
        try {
            tree = ConfigLoader.yaml().readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(where + ": not valid YAML: " + ConfigLoader.firstLine(e.getMessage()));
        }
        if (tree == null || !tree.isObject()) {
            throw new ConfigException(where + ": expected a mapping of sweep keys at the top level");
        }
        SweepSpec spec;
        try {
            spec = ConfigLoader.yaml().treeToValue((ObjectNode) tree, SweepSpec.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException(where + ": " + ConfigLoader.describe(e));
        }
        if (spec.name == null) {
            spec.name = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        }
        return validate(file, spec, extraSets);
    }

    private static Sweep validate(Path file, SweepSpec s, List<String> extraSets) {
        Validator v = new Validator();
        v.check(s.name.matches("[A-Za-z0-9._-]+"), "name", "expected letters, digits, '.', '_' or '-', got '" + s.name + "'");
        v.require("base", s.base);
        v.oneOf("command", s.command, COMMANDS);
        v.require("search", s.search);
        v.require("budget", s.budget);
        v.require("score", s.score);
        v.require("trial", s.trial);
        v.require("report", s.report);
        v.require("k8s", s.k8s);
        if (!v.errors().isEmpty()) {
            throw fail(file, v);
        }
        v.require("search.kind", s.search.kind);
        v.check(s.search.gridPoints >= 1, "search.grid_points", "expected a value >= 1, got " + s.search.gridPoints);
        if (s.budget.maxTrials != null) {
            v.check(s.budget.maxTrials >= 1, "budget.max_trials", "expected a value >= 1, got " + s.budget.maxTrials);
        } else if (s.search.kind == Kind.RANDOM) {
            v.check(false, "budget.max_trials", "required for search.kind: random");
        }
        Duration maxTime = duration(v, "budget.max_time", s.budget.maxTime);
        Duration timeout = duration(v, "trial.timeout", s.trial.timeout);
        Duration grace = duration(v, "trial.kill_grace", s.trial.killGrace);
        v.require("score.file", s.score.file);
        v.require("score.key", s.score.key);
        v.require("score.mode", s.score.mode);
        if (s.parallel != null) {
            v.check(s.parallel >= 1, "parallel", "expected a value >= 1, got " + s.parallel);
        }
        try {
            Gpus.parseSetting(s.gpus);
        } catch (IllegalArgumentException e) {
            v.check(false, "gpus", e.getMessage());
        }
        List<String> fixed = new ArrayList<>();
        s.overrides.forEach((k, val) -> {
            checkKey(v, "overrides." + k, k);
            fixed.add(k + "=" + Values.text(val));
        });
        for (String set : extraSets) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(file + ": --set '" + set + "': expected key.sub=value");
            }
            checkKey(v, "--set " + set.substring(0, eq), set.substring(0, eq).trim());
            fixed.add(set);
        }
        v.check(!s.params.isEmpty(), "params", "at least one parameter is required");
        List<Param> params = new ArrayList<>();
        s.params.forEach((n, p) -> {
            Param param = param(v, n, p);
            if (param != null) {
                params.add(param);
            }
        });
        Set<String> names = s.params.keySet();
        List<Map<String, String>> excludes = new ArrayList<>();
        for (int i = 0; i < s.exclude.size(); i++) {
            Map<String, String> e = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> en : s.exclude.get(i).entrySet()) {
                v.check(names.contains(en.getKey()), "exclude[" + i + "]." + en.getKey(), "not a parameter of params");
                e.put(en.getKey(), Values.text(en.getValue()));
            }
            v.check(!e.isEmpty(), "exclude[" + i + "]", "expected {param: value, ...}");
            excludes.add(e);
        }
        if (s.report.curve != null) {
            SweepSpec.Curve c = s.report.curve;
            v.check(c.x != null && names.contains(c.x), "report.curve.x", "expected one of the params " + names);
            v.check(c.series == null || names.contains(c.series), "report.curve.series", "expected one of the params " + names);
            v.check(c.series == null || !c.series.equals(c.x), "report.curve.series", "must differ from report.curve.x");
            v.check(c.reference == null || c.reference.isNumber()
                            || (c.reference.isTextual() && c.reference.textValue().equals("max")),
                    "report.curve.reference", "expected max or an x value");
        }
        SweepSpec.K8s k = s.k8s;
        v.require("k8s.image", k.image);
        v.require("k8s.pvc", k.pvc);
        v.require("k8s.mount_path", k.mountPath);
        v.require("k8s.jar", k.jar);
        v.check(k.parallelism == null || k.parallelism >= 1, "k8s.parallelism", "expected a value >= 1");
        v.check(k.backoffLimit == null || k.backoffLimit >= 0, "k8s.backoff_limit", "expected a value >= 0");
        v.check(k.gpusPerTrial >= 0, "k8s.gpus_per_trial", "expected a value >= 0");
        if (!v.errors().isEmpty()) {
            throw fail(file, v);
        }
        return new Sweep(file, s, List.copyOf(params), List.copyOf(fixed), List.copyOf(excludes), maxTime, timeout,
                grace == null ? Duration.ofSeconds(10) : grace);
    }

    private static void checkKey(Validator v, String where, String key) {
        v.check(!key.isBlank() && !key.contains("="), where, "expected a config key such as uda.lambda_adv");
        v.check(!key.trim().equals(OUTPUT_DIR), where, "output_dir is set by the sweep (trials/NNN)");
    }

    private static Param param(Validator root, String name, ParamSpec p) {
        Validator v = root.at("params." + name);
        if (p == null) {
            v.check(false, "type", "expected {type: ..., ...} or {values: [...]}");
            return null;
        }
        checkKey(root, "params." + name, name);
        ParamType type = p.type != null ? p.type : (p.values != null ? ParamType.DISCRETE : ParamType.CONTINUOUS);
        int before = root.errors().size();
        if (type == ParamType.DISCRETE) {
            v.check(p.min == null && p.max == null, "min", "min/max are for continuous or integer parameters");
            v.check(p.scale == Scale.LINEAR, "scale", "scale is for continuous parameters");
            if (p.values == null || p.values.isNull()) {
                v.check(false, "values", "required for a discrete parameter");
            } else if (p.values.isArray()) {
                v.check(!p.values.isEmpty(), "values", "expected at least one value");
            } else if (p.values.isObject()) {
                v.check(!p.values.isEmpty(), "values", "expected at least one label");
                Iterator<Map.Entry<String, JsonNode>> it = p.values.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    JsonNode set = e.getValue();
                    if (set == null || set.isNull()) {
                        continue;
                    }
                    if (!set.isObject()) {
                        v.check(false, "values." + e.getKey(), "expected a mapping of overrides {key: value, ...}");
                        continue;
                    }
                    Iterator<Map.Entry<String, JsonNode>> kv = set.fields();
                    while (kv.hasNext()) {
                        Map.Entry<String, JsonNode> o = kv.next();
                        String where = "values." + e.getKey() + "." + o.getKey();
                        if (o.getKey().equals(Param.COMMAND)) {
                            v.check(o.getValue().isTextual() && COMMANDS.contains(o.getValue().textValue()), where,
                                    "expected one of " + COMMANDS);
                        } else if (o.getKey().equals(Param.BASE)) {
                            v.check(o.getValue().isTextual() && !o.getValue().textValue().isBlank(), where,
                                    "expected a config file path");
                        } else {
                            checkKey(v, where, o.getKey());
                        }
                    }
                }
            } else {
                v.check(false, "values", "expected a list of values or a mapping label -> overrides");
            }
        } else {
            v.check(p.values == null, "values", "values are for discrete parameters (type: discrete)");
            if (p.min == null || p.max == null) {
                v.check(p.min != null, "min", "required for a " + type.name().toLowerCase() + " parameter");
                v.check(p.max != null, "max", "required for a " + type.name().toLowerCase() + " parameter");
            } else {
                v.check(p.max >= p.min, "max", "expected max >= min");
                if (type == ParamType.CONTINUOUS) {
                    v.check(p.max > p.min, "max", "expected max > min (use a discrete value for a constant)");
                    if (p.scale == Scale.LOG) {
                        v.check(p.min > 0, "min", "scale: log needs min > 0, got " + p.min);
                    }
                } else {
                    v.check(p.scale == Scale.LINEAR, "scale", "scale: log is only for continuous parameters");
                    v.check(p.min == Math.rint(p.min) && p.max == Math.rint(p.max)
                                    && Math.abs(p.min) < Integer.MAX_VALUE && Math.abs(p.max) < Integer.MAX_VALUE,
                            "min", "integer parameters need integer min and max");
                }
            }
        }
        if (root.errors().size() != before) {
            return null;
        }
        if (type == ParamType.DISCRETE) {
            return p.values.isArray() ? Param.list(name, p.values) : Param.named(name, p.values);
        }
        return Param.range(name, type, p.min, p.max, p.scale);
    }

    private static Duration duration(Validator v, String key, JsonNode n) {
        try {
            return Durations.parse(n);
        } catch (IllegalArgumentException e) {
            v.check(false, key, e.getMessage());
            return null;
        }
    }

    private static ConfigException fail(Path file, Validator v) {
        return new ConfigException(file + ": " + String.join("; ", v.errors()));
    }

    /** Names of the searched parameters, in order. */
    public List<String> paramNames() {
        return params.stream().map(p -> p.name).toList();
    }

    Param param(String name) {
        return params.stream().filter(p -> p.name.equals(name)).findFirst().orElse(null);
    }

    /** The sweep folder: {@code output_dir} or runs/sweeps/{name}. */
    public Path defaultOutputDir() {
        return spec.outputDir != null ? resolvePath(spec.outputDir) : Path.of("runs", "sweeps", name);
    }

    /**
     * A path from the sweep file: relative paths are relative to the working directory (like the run configs'
     * data roots), and to the sweep file's folder when they do not exist there.
     */
    Path resolvePath(String p) {
        Path q = Path.of(p);
        if (q.isAbsolute() || Files.exists(q)) {
            return q;
        }
        Path dir = file.toAbsolutePath().getParent();
        Path r = dir == null ? q : dir.resolve(p).normalize();
        return Files.exists(r) ? r : q;
    }

    /**
     * The trials of this sweep, generated by Arbiter's grid or random search generator over the parameter
     * spaces, without excluded combinations, cut to budget.max_trials. Deterministic for a given sweep file.
     */
    public List<Trial> plan() {
        List<String> names = paramNames();
        @SuppressWarnings("rawtypes")
        List<ParameterSpace> leaves = params.stream().map(Param::leaf).collect(Collectors.toList());
        SearchSpace space = new SearchSpace(names, leaves);
        Integer max = spec.budget.maxTrials;
        List<Trial> out = new ArrayList<>();
        CandidateGenerator gen;
        long draws;
        if (spec.search.kind == Kind.GRID) {
            gen = new GridSearchCandidateGenerator(space, spec.search.gridPoints,
                    GridSearchCandidateGenerator.Mode.Sequential, null);
            draws = Long.MAX_VALUE;
        } else {
            gen = new RandomSearchGenerator(space, null);
            gen.setRngSeed(spec.search.seed);
            draws = (long) max * MAX_DRAWS_PER_TRIAL;
        }
        // The grid generator is finite (hasMoreCandidates turns false); random search is not, so the loop is
        // bounded by max_trials, never by Arbiter's termination conditions.
        while (gen.hasMoreCandidates() && draws-- > 0 && (max == null || out.size() < max)) {
            Candidate<?> c = gen.getCandidate();
            if (c.getException() != null) {
                throw new ConfigException(file + ": cannot generate candidate " + c.getIndex() + ": "
                        + c.getException().getMessage());
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> leafValues = (Map<String, Object>) c.getValue();
            Trial t = trial(out.size(), leafValues);
            if (!excluded(t)) {
                out.add(t);
            }
        }
        return out;
    }

    private Trial trial(int index, Map<String, Object> leafValues) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> overrides = new ArrayList<>(fixedOverrides);
        String command = spec.command;
        String base = spec.base;
        for (Param p : params) {
            Param.Value val = p.value(leafValues.get(p.name));
            values.put(p.name, val.text());
            overrides.addAll(val.overrides());
            if (val.command() != null) {
                command = val.command();
            }
            if (val.base() != null) {
                base = val.base();
            }
        }
        return new Trial(index, values, overrides, command, resolvePath(base).toString());
    }

    boolean excluded(Trial t) {
        for (Map<String, String> e : excludes) {
            boolean all = true;
            for (Map.Entry<String, String> en : e.entrySet()) {
                all &= Values.same(t.values().get(en.getKey()), en.getValue());
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /** The overrides a trial's process gets: the trial's own, then output_dir. */
    static List<String> launchOverrides(Trial t, Path runDir) {
        List<String> sets = new ArrayList<>(t.overrides());
        sets.add(OUTPUT_DIR + "=" + Values.text(Values.textNode(runDir.toString())));
        return sets;
    }

    /**
     * Loads and validates the run config a trial will use, so that a bad key fails before anything is launched.
     *
     * @throws ConfigException naming the sweep file, the trial and the base config's key
     */
    public RunConfig validate(Trial t, Path runDir) {
        try {
            return ConfigLoader.load(Path.of(t.base()), launchOverrides(t, runDir));
        } catch (ConfigException e) {
            throw new ConfigException(file + ": trial " + t.id() + " (" + t.describe() + "): " + e.getMessage());
        }
    }
}
