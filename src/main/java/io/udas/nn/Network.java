package io.udas.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a network builder returns: where the network lives, its input, its named outputs and its parameters, so that a
 * trainer can form parameter groups without knowing the network's internals.
 *
 * @param sd        the graph
 * @param prefix    the name prefix of every variable of this network ("" for none)
 * @param input     the input variable (a placeholder created by the builder, or the variable passed in)
 * @param outputs   named outputs, main output first (keys are builder-specific, see each builder's constants)
 * @param trainable trainable parameter names (SameDiff VARIABLEs), creation order
 * @param frozen    non-trainable parameter names (SameDiff CONSTANTs, e.g. frozen BN), creation order
 * @param head      subset of {@code trainable} that forms the "head" (e.g. DeepLab's classifiers, LR x10); may be empty
 */
public record Network(SameDiff sd, String prefix, SDVariable input, Map<String, SDVariable> outputs,
                      List<String> trainable, List<String> frozen, List<String> head) {

    public Network {
        outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        trainable = List.copyOf(trainable);
        frozen = List.copyOf(frozen);
        head = List.copyOf(head);
    }

    /** The main output (the first one). */
    public SDVariable output() {
        return outputs.values().iterator().next();
    }

    /** A named output; throws if there is none with that key. */
    public SDVariable output(String key) {
        SDVariable v = outputs.get(key);
        if (v == null) {
            throw new IllegalArgumentException("No output '" + key + "'; have " + outputs.keySet());
        }
        return v;
    }

    /** Trainable names that are not in the head, creation order. */
    public List<String> backbone() {
        Set<String> h = Set.copyOf(head);
        List<String> out = new ArrayList<>();
        for (String n : trainable) {
            if (!h.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /** Total number of elements of the named variables' current arrays. */
    public long paramCount(Collection<String> names) {
        long n = 0;
        for (String name : names) {
            INDArray a = sd.getVariable(name).getArr();
            n += a.length();
        }
        return n;
    }

    /** Number of trainable scalars. */
    public long trainableParamCount() {
        return paramCount(trainable);
    }
}
