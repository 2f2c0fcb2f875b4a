package io.udas.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Kubernetes Indexed Job for a sweep: {@code completions} = the number of trials, one completion index per
 * trial; each pod runs {@code udas sweep --config F --trial-index $(UDAS_TRIAL_INDEX) --out <shared volume>},
 * i.e. exactly its trial, and writes {@code trials/NNN/result.json} on the shared volume; {@code sweep --collect}
 * merges them. The YAML is written with Jackson from maps.
 */
final class K8sJob {
    /** The pod's copy of the completion index (an env var from the Job's annotation, so $(..) expands in args). */
    static final String INDEX_ENV = "UDAS_TRIAL_INDEX";
    static final String INDEX_ANNOTATION = "metadata.annotations['batch.kubernetes.io/job-completion-index']";

    private K8sJob() {
    }

    static Map<String, Object> manifest(Sweep sweep, int trials, String sweepFileArg, List<String> extraSets,
                                        String image, String pvc) {
        SweepSpec.K8s k = sweep.spec.k8s;
        String name = k.jobName != null ? k.jobName : dnsName("udas-sweep-" + sweep.name);
        String img = image != null ? image : k.image;
        String claim = pvc != null ? pvc : k.pvc;
        String sweepDir = k.mountPath.replaceAll("/+$", "") + "/sweeps/" + sweep.name;

        Map<String, Object> labels = map("app", "udas", "udas-sweep", dnsName(sweep.name));
        Map<String, Object> meta = map("name", name);
        if (k.namespace != null) {
            meta.put("namespace", k.namespace);
        }
        meta.put("labels", labels);

        List<Object> command = List.of("java", "-Xmx" + k.sweepHeap, "-jar", k.jar);
        List<Object> args = new ArrayList<>(List.of("sweep", "--config", sweepFileArg, "--out", sweepDir,
                "--trial-index", "$(" + INDEX_ENV + ")"));
        for (String s : extraSets) {
            args.add("--set");
            args.add(s);
        }
        Map<String, Object> limits = new LinkedHashMap<>();
        if (k.gpusPerTrial > 0) {
            limits.put("nvidia.com/gpu", k.gpusPerTrial);
        }
        limits.put("memory", k.memory);
        Map<String, Object> container = new LinkedHashMap<>();
        container.put("name", "trial");
        container.put("image", img);
        if (k.imagePullPolicy != null) {
            container.put("imagePullPolicy", k.imagePullPolicy);
        }
        if (k.workdir != null) {
            container.put("workingDir", k.workdir);
        }
        container.put("command", command);
        container.put("args", args);
        container.put("env", List.of(map("name", INDEX_ENV, "valueFrom",
                map("fieldRef", map("fieldPath", INDEX_ANNOTATION)))));
        container.put("resources", map("requests", map("cpu", k.cpu, "memory", k.memory), "limits", limits));
        container.put("volumeMounts", List.of(map("name", "runs", "mountPath", k.mountPath)));

        Map<String, Object> podSpec = new LinkedHashMap<>();
        podSpec.put("restartPolicy", "Never");
        if (k.nodeSelector != null && !k.nodeSelector.isEmpty()) {
            podSpec.put("nodeSelector", new LinkedHashMap<>(k.nodeSelector));
        }
        podSpec.put("containers", List.of(container));
        podSpec.put("volumes", List.of(map("name", "runs", "persistentVolumeClaim", map("claimName", claim))));

        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("completionMode", "Indexed");
        spec.put("completions", trials);
        spec.put("parallelism", Math.min(trials, k.parallelism != null ? k.parallelism : trials));
        spec.put("backoffLimit", k.backoffLimit != null ? k.backoffLimit : trials);
        spec.put("template", map("metadata", map("labels", labels), "spec", podSpec));

        Map<String, Object> job = new LinkedHashMap<>();
        job.put("apiVersion", "batch/v1");
        job.put("kind", "Job");
        job.put("metadata", meta);
        job.put("spec", spec);
        return job;
    }

    static String yaml(Sweep sweep, int trials, String sweepFileArg, List<String> extraSets, String image, String pvc) {
        ObjectMapper m = new ObjectMapper(new YAMLFactory()
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));
        try {
            return m.writeValueAsString(manifest(sweep, trials, sweepFileArg, extraSets, image, pvc));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the Job manifest", e);
        }
    }

    /** A DNS-1123 label: lower case, digits and '-', at most 63 characters. */
    static String dnsName(String s) {
        String n = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
        if (n.length() > 63) {
            n = n.substring(0, 63).replaceAll("-+$", "");
        }
        return n.isEmpty() ? "udas-sweep" : n;
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
