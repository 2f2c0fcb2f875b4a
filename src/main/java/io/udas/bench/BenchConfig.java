package io.udas.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link Bench} measures. Defaults: DeepLab-v2 ResNet-101 at 161x161 and 321x321, batch 1, 2 warm-up and 5 timed
 * repetitions, every case, the fast graph. A quick configuration for tests: {@link #tiny()}.
 */
public final class BenchConfig {
    /** Segmenter train step + forward. */
    public static final String SEG = "seg";
    /** Output-space adversarial UDA iteration. */
    public static final String UDA = "uda";
    /** CycleGAN iteration. */
    public static final String CYCLEGAN = "cyclegan";
    /** Data pipeline throughput. */
    public static final String DATA = "data";
    public static final List<String> ALL_CASES = List.of(SEG, UDA, CYCLEGAN, DATA);

    public int depth = 101;
    public double width = 1.0;
    public int numClasses = 19;
    public List<Integer> sizes = new ArrayList<>(List.of(161, 321));
    public int batch = 1;
    public int warmup = 2;
    /** Most warm-up runs: past {@link #warmup}, they go on while the JIT is still compiling. */
    public int maxWarmup = 10;
    public int repeats = 5;
    public Set<String> cases = new LinkedHashSet<>(ALL_CASES);
    /** true: the builders' default fast graph; false: the reference graph (dilated convs, separate BN ops). */
    public boolean fast = true;
    public int udaSize = 321;
    public int cycleganSize = 256;
    public int ngf = 64;
    public int ndf = 64;
    public int generatorBlocks = 9;
    public int dataHeight = 360;
    public int dataWidth = 640;
    public int dataBatch = 1;
    public int dataBatches = 20;
    public int dataThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
    /** Python with torch for the side-by-side reference, or null for none. */
    public String torchPython;
    /** Threads PyTorch may use (default: ND4J's OpenMP threads). */
    public int torchThreads = -1;
    /** Per-op profile of the largest segmenter train step. */
    public boolean profile;
    /** Rows of the printed profile table (the JSON keeps at least 40). */
    public int profileRows = 25;
    public Path json;

    /** A configuration that runs in seconds (ResNet-18 at 1/16 width, 33x33, tiny CycleGAN, tiny data). */
    public static BenchConfig tiny() {
        BenchConfig c = new BenchConfig();
        c.depth = 18;
        c.width = 1.0 / 16;
        c.numClasses = 5;
        c.sizes = new ArrayList<>(List.of(33));
        c.warmup = 1;
        c.maxWarmup = 1;
        c.repeats = 2;
        c.udaSize = 33;
        c.cycleganSize = 32;
        c.ngf = 4;
        c.ndf = 4;
        c.generatorBlocks = 1;
        c.dataHeight = 36;
        c.dataWidth = 64;
        c.dataBatches = 2;
        c.dataThreads = 1;
        return c;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("depth", depth);
        m.put("width", width);
        m.put("num_classes", numClasses);
        m.put("sizes", sizes);
        m.put("batch", batch);
        m.put("warmup", warmup);
        m.put("max_warmup", maxWarmup);
        m.put("repeats", repeats);
        m.put("cases", List.copyOf(cases));
        m.put("graph", fast ? "fast" : "reference");
        m.put("uda_size", udaSize);
        m.put("cyclegan_size", cycleganSize);
        m.put("ngf", ngf);
        m.put("ndf", ndf);
        m.put("generator_blocks", generatorBlocks);
        m.put("data_size", List.of(dataHeight, dataWidth));
        m.put("data_batch", dataBatch);
        m.put("data_batches", dataBatches);
        m.put("data_threads", dataThreads);
        m.put("torch_python", torchPython);
        m.put("profile_rows", profileRows);
        return m;
    }
}
