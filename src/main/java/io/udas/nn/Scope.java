package io.udas.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A naming scope inside a SameDiff graph, plus the record of the parameters a builder created.
 *
 * <p>Names are built PyTorch-state-dict style: {@code prefix + path + "." + local}, e.g. the root scope with prefix
 * {@code "seg."} and child {@code "layer1.0"} names its conv weight {@code seg.layer1.0.conv1.weight}.
 *
 * <p>Trainable parameters are SameDiff VARIABLEs; non-trainable ones (frozen BN) are CONSTANTs: they get no gradient
 * from {@code calculateGradients} (asking for one returns no entry) and {@code fit} never updates them, yet their values
 * can still be replaced by name ({@code sd.getVariable(name).setArray(..)} / {@code sd.setArrayForVariable(..)}).
 *
 * <p>In reuse mode ({@link #reusing}) a parameter that already exists in the graph is returned as is (shape checked)
 * instead of being created, so the same network can be applied to several inputs with shared weights.
 */
public final class Scope {

    private final SameDiff sd;
    private final String rootPrefix;
    private final String path;
    private final DataType dataType;
    private final boolean reuse;
    private final List<String> trainable;
    private final List<String> frozen;
    private final Map<String, INDArray> store;

    private Scope(SameDiff sd, String rootPrefix, String path, DataType dataType, boolean reuse,
                  List<String> trainable, List<String> frozen, Map<String, INDArray> store) {
        this.sd = sd;
        this.rootPrefix = rootPrefix == null ? "" : rootPrefix;
        this.path = path;
        this.dataType = dataType;
        this.reuse = reuse;
        this.trainable = trainable;
        this.frozen = frozen;
        this.store = store;
    }

    /** A root scope creating new parameters of the given floating type. Prefix may be "" or e.g. "seg.". */
    public static Scope of(SameDiff sd, String prefix, DataType dataType) {
        return new Scope(sd, prefix, "", dataType, false, new ArrayList<>(), new ArrayList<>(), null);
    }

    /**
     * A root scope bound to a weight store keyed by prefix-free state-dict names: a parameter found in
     * the store is created on that very array (SameDiff keeps the reference, so updates made through
     * the store or through any graph built on it are seen by all), one not found is initialised and
     * added to the store. ({@code SDVariable.setArray} would copy instead.)
     */
    public static Scope bound(SameDiff sd, String prefix, DataType dataType, Map<String, INDArray> store) {
        return new Scope(sd, prefix, "", dataType, false, new ArrayList<>(), new ArrayList<>(), store);
    }

    /** A root scope with ND4J's default floating type. */
    public static Scope of(SameDiff sd, String prefix) {
        return of(sd, prefix, Nd4j.defaultFloatingPointType());
    }

    /** A root scope that reuses parameters already in the graph (creating only missing ones). */
    public static Scope reusing(SameDiff sd, String prefix, DataType dataType) {
        return new Scope(sd, prefix, "", dataType, true, new ArrayList<>(), new ArrayList<>(), null);
    }

    /** A reusing root scope with ND4J's default floating type. */
    public static Scope reusing(SameDiff sd, String prefix) {
        return reusing(sd, prefix, Nd4j.defaultFloatingPointType());
    }

    /** A child scope: names get {@code name + "."} appended to the current path. Shares the parameter record. */
    public Scope child(String name) {
        return new Scope(sd, rootPrefix, path + name + ".", dataType, reuse, trainable, frozen, store);
    }

    public SameDiff sd() {
        return sd;
    }

    public DataType dataType() {
        return dataType;
    }

    public String prefix() {
        return rootPrefix;
    }

    public boolean isReuse() {
        return reuse;
    }

    /** Full graph name of a local name in this scope. */
    public String name(String local) {
        return rootPrefix + path + local;
    }

    /** A trainable parameter (VARIABLE), initialised by {@code init} unless reused. */
    public SDVariable param(String local, Init init, long fanIn, long fanOut, long... shape) {
        String n = name(local);
        SDVariable v = existing(n, shape, VariableType.VARIABLE);
        if (v == null) {
            v = sd.var(n, stored(local, shape, () -> init.sample(dataType, fanIn, fanOut, shape)));
        }
        trainable.add(n);
        return v;
    }

    /** A non-trainable parameter / buffer (CONSTANT) with the given value unless reused. */
    public SDVariable buffer(String local, Init init, long... shape) {
        String n = name(local);
        SDVariable v = existing(n, shape, VariableType.CONSTANT);
        if (v == null) {
            v = sd.constant(n, stored(local, shape, () -> init.sample(dataType, 0, 0, shape)));
        }
        frozen.add(n);
        return v;
    }

    /** The store's array for this parameter (shape-checked), or a fresh one that joins the store. */
    private INDArray stored(String local, long[] shape, java.util.function.Supplier<INDArray> fresh) {
        if (store == null) {
            return fresh.get();
        }
        String key = path + local;
        INDArray arr = store.get(key);
        if (arr == null) {
            arr = fresh.get();
            store.put(key, arr);
        } else if (!Arrays.equals(arr.shape(), shape)) {
            throw new IllegalStateException("weight " + key + " has shape " + Arrays.toString(arr.shape())
                    + " but the network expects " + Arrays.toString(shape));
        }
        return arr;
    }

    private SDVariable existing(String n, long[] shape, VariableType type) {
        if (!sd.hasVariable(n)) {
            return null;
        }
        if (!reuse) {
            throw new IllegalStateException("Variable '" + n + "' already exists in the graph (use a different prefix, or Scope.reusing to share weights)");
        }
        SDVariable v = sd.getVariable(n);
        if (v.getVariableType() != type) {
            throw new IllegalStateException("Variable '" + n + "' exists with type " + v.getVariableType() + ", expected " + type);
        }
        INDArray arr = v.getArr();
        if (arr != null && !Arrays.equals(arr.shape(), shape)) {
            throw new IllegalStateException("Variable '" + n + "' exists with shape " + Arrays.toString(arr.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return v;
    }

    /** Names of trainable parameters created or reused through this scope tree, in creation order. */
    public List<String> trainable() {
        return Collections.unmodifiableList(trainable);
    }

    /** Names of non-trainable parameters created or reused through this scope tree, in creation order. */
    public List<String> frozen() {
        return Collections.unmodifiableList(frozen);
    }

    /**
     * Gives {@code v} the name {@code prefix + key} if it is free, otherwise {@code prefix + key + "_" + i} with the
     * smallest free i (so repeated applications of a reused network get distinct output names).
     */
    public SDVariable nameOutput(SDVariable v, String key) {
        String base = rootPrefix + key;
        String n = base;
        for (int i = 1; sd.hasVariable(n); i++) {
            n = base + "_" + i;
        }
        return v.rename(n);
    }
}
