package io.udas.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps a PyTorch state dict (saved with {@code numpy.savez}) onto a model's arrays by name. Conv
 * weights arrive as [out, in, kH, kW] and are permuted once to SameDiff's [kH, kW, in, out] (the
 * layout whose backward pass works in M2.1). Nothing is guessed: missing, unexpected and wrong-shape
 * tensors are reported by name.
 */
public final class WeightImport {
    private WeightImport() {
    }

    /** What an import matched and what it could not. */
    public record Report(List<String> loaded, List<String> missing, List<String> unexpected, List<String> wrongShape) {
        public boolean complete() {
            return missing.isEmpty() && unexpected.isEmpty() && wrongShape.isEmpty();
        }

        public String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append("loaded ").append(loaded.size()).append(" tensors");
            if (!missing.isEmpty()) {
                sb.append("; missing (kept initialised) ").append(missing.size()).append(": ").append(abbreviate(missing));
            }
            if (!unexpected.isEmpty()) {
                sb.append("; unexpected (ignored) ").append(unexpected.size()).append(": ").append(abbreviate(unexpected));
            }
            if (!wrongShape.isEmpty()) {
                sb.append("; wrong shape ").append(wrongShape.size()).append(": ").append(abbreviate(wrongShape));
            }
            return sb.toString();
        }

        private static String abbreviate(List<String> names) {
            return names.size() <= 12 ? String.join(", ", names)
                    : String.join(", ", names.subList(0, 12)) + ", ... (" + (names.size() - 12) + " more)";
        }
    }

    /**
     * Copies every state-dict tensor whose name and shape fit into {@code target} (in place).
     * PyTorch-only bookkeeping ({@code *.num_batches_tracked}) and a {@code module.} prefix left by
     * DataParallel are dropped first.
     */
    public static Report apply(Map<String, INDArray> stateDict, Map<String, INDArray> target) {
        Map<String, INDArray> source = new LinkedHashMap<>();
        stateDict.forEach((k, v) -> {
            if (!k.endsWith("num_batches_tracked")) {
                source.put(k.startsWith("module.") ? k.substring(7) : k, v);
            }
        });
        List<String> loaded = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (var e : source.entrySet()) {
            INDArray dst = target.get(e.getKey());
            if (dst == null) {
                unexpected.add(e.getKey());
                continue;
            }
            INDArray src = toSameDiffLayout(e.getValue(), dst.shape());
            if (src == null) {
                wrong.add(e.getKey() + " " + Arrays.toString(e.getValue().shape()) + " vs " + Arrays.toString(dst.shape()));
                continue;
            }
            dst.assign(src.castTo(dst.dataType()));
            loaded.add(e.getKey());
        }
        List<String> missing = new ArrayList<>();
        for (String name : target.keySet()) {
            if (!source.containsKey(name)) {
                missing.add(name);
            }
        }
        return new Report(loaded, missing, unexpected, wrong);
    }

    /** The tensor in the target's layout, or null if it cannot have that shape. */
    static INDArray toSameDiffLayout(INDArray src, long[] dstShape) {
        if (Arrays.equals(src.shape(), dstShape) && src.rank() != 4) {
            return src;
        }
        if (src.rank() == 4 && dstShape.length == 4) {
            // PyTorch conv [out, in, kH, kW] -> [kH, kW, in, out].
            INDArray p = src.permute(2, 3, 1, 0);
            if (Arrays.equals(p.shape(), dstShape)) {
                return p;
            }
            return null;
        }
        if (src.length() == 1 && dstShape.length == 0) {
            return src.reshape();
        }
        return Arrays.equals(src.shape(), dstShape) ? src : null;
    }
}
