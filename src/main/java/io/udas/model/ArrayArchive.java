package io.udas.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.udas.util.AtomicFiles;
import io.udas.util.Json;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Named arrays plus a JSON manifest in one zip file. Arrays are stored as {@code <name>.npy} entries,
 * so the file is also a NumPy {@code .npz} ({@code numpy.load} reads the weights directly); the
 * manifest is the entry {@code udas.json}. Written atomically (temp file + rename).
 */
public final class ArrayArchive {
    public static final String MANIFEST = "udas.json";

    private ArrayArchive() {
    }

    /** What an archive holds. */
    public record Content(ObjectNode manifest, Map<String, INDArray> arrays) {
    }

    public static void write(Path file, JsonNode manifest, Map<String, INDArray> arrays) {
        AtomicFiles.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            // Stored, not deflated: float weights barely compress and deflate would dominate save time.
            zip.setLevel(0);
            zip.putNextEntry(new ZipEntry(MANIFEST));
            zip.write(Json.pretty(manifest).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zip.closeEntry();
            for (var e : arrays.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                zip.write(Nd4j.toNpyByteArray(e.getValue()));
                zip.closeEntry();
            }
            zip.finish();
        });
    }

    /** Reads an archive or a plain NumPy {@code .npz} (the manifest is then empty). */
    public static Content read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UncheckedIOException(new IOException(file + ": file not found"));
        }
        ObjectNode manifest = Json.MAPPER.createObjectNode();
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            boolean any = false;
            while ((e = zip.getNextEntry()) != null) {
                any = true;
                byte[] bytes = zip.readAllBytes();
                String n = e.getName();
                if (n.equals(MANIFEST)) {
                    manifest = (ObjectNode) Json.MAPPER.readTree(bytes);
                } else if (n.endsWith(".npy")) {
                    arrays.put(n.substring(0, n.length() - 4), readNpy(file, n, bytes));
                }
            }
            if (!any) {
                throw new IOException(file + ": not a zip/npz archive");
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(file + ": cannot read: " + ex.getMessage(), ex);
        }
        return new Content(manifest, arrays);
    }

    private static INDArray readNpy(Path file, String entry, byte[] bytes) throws IOException {
        if (bytes.length < 10 || bytes[0] != (byte) 0x93 || bytes[1] != 'N') {
            throw new IOException(file + ": entry " + entry + " is not a .npy array");
        }
        // ND4J keeps a pointer into the buffer it is given; copy so the array owns its memory.
        return Nd4j.createNpyFromByteArray(bytes).dup();
    }
}
