package io.udas.data;

import io.udas.util.AtomicFiles;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The labeled target subset ({@code data.labeled_target} images, chosen by {@code data.subset_seed}).
 * Each image gets a rank from a hash of (seed, its id) and the N best ranked are taken: the choice does
 * not depend on listing order, and a smaller N's subset is a prefix of a larger N's (same seed).
 */
public final class LabeledSubset {
    /** The file in the run folder listing the chosen images, in the form {@code DatasetConfig.list} reads. */
    public static final String FILE = "labeled_target.txt";

    private LabeledSubset() {
    }

    /** The ids of the chosen images, best rank first. */
    public static List<String> choose(Dataset dataset, int n, long seed) {
        if (n > 0 && !dataset.labeled()) {
            throw new DataException(dataset.name() + ": has no labels, but data.labeled_target = " + n
                    + " needs labeled images");
        }
        if (n > dataset.size()) {
            throw new DataException(dataset.name() + ": data.labeled_target = " + n + " but it has only "
                    + dataset.size() + " images");
        }
        return dataset.samples().stream().map(Sample::id)
                .sorted(Comparator.comparingLong((String id) -> rank(seed, id)).thenComparing(id -> id))
                .limit(n).toList();
    }

    /**
     * Chooses the subset and writes its list to {@code runDir/labeled_target.txt} (empty for N = 0).
     *
     * @return the subset, or empty for N = 0
     */
    public static Optional<Dataset> select(Dataset dataset, int n, long seed, Path runDir) {
        List<String> ids = choose(dataset, n, seed);
        StringBuilder sb = new StringBuilder();
        for (String id : ids) {
            sb.append(id).append('\n');
        }
        AtomicFiles.writeString(runDir.resolve(FILE), sb.toString());
        return ids.isEmpty() ? Optional.empty() : Optional.of(dataset.select(ids, dataset.name() + "[labeled " + n + "]"));
    }

    private static long rank(long seed, String id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return Seeds.derive(seed, h);
    }
}
