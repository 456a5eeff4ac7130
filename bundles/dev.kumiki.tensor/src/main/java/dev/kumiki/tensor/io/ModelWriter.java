package dev.kumiki.tensor.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.tensor.TensorInfo;

/**
 * Writes a model's weights into a folder as Hugging Face does: one {@code model.safetensors}, or shards
 * {@code model-00001-of-0000N.safetensors} of at most {@code shardBytes} each plus
 * {@code model.safetensors.index.json}. Shards are filled under temporary names, from any number of threads;
 * {@link #commit()} checks them, renames them and writes the index last, so an interrupted write never leaves something that looks like a complete model.
 */
public final class ModelWriter implements AutoCloseable, TensorSink {
    /** mergekit's and Hugging Face's default shard size: 5 GB. */
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;

    private static final Pattern OUR_FILES = Pattern.compile(
            "model(-\\d{5}-of-\\d{5})?\\.safetensors|model\\.safetensors\\.index\\.json");

    private final Path dir;
    private final List<SafetensorsWriter> shards;
    private final Map<String, SafetensorsWriter> owner;
    private final long totalBytes;
    private boolean committed;

    private ModelWriter(Path dir, List<SafetensorsWriter> shards, Map<String, SafetensorsWriter> owner,
            long totalBytes) {
        this.dir = dir;
        this.shards = shards;
        this.owner = owner;
        this.totalBytes = totalBytes;
    }

    /** How {@code tensors} (in this order) fall into shards of at most {@code shardBytes} (a tensor never splits). */
    public static List<List<TensorInfo>> plan(List<TensorInfo> tensors, long shardBytes) {
        if (shardBytes <= 0) {
            throw new IllegalArgumentException("shard size must be > 0 bytes, was " + shardBytes);
        }
        List<List<TensorInfo>> plan = new ArrayList<>();
        List<TensorInfo> current = new ArrayList<>();
        long size = 0;
        for (TensorInfo t : tensors) {
            if (!current.isEmpty() && size + t.byteSize() > shardBytes) {
                plan.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(t);
            size += t.byteSize();
        }
        if (!current.isEmpty() || plan.isEmpty()) {
            plan.add(current);
        }
        return plan;
    }

    /** Creates the folder if needed and the (temporary) shard files for {@code tensors}. */
    public static ModelWriter create(Path dir, List<TensorInfo> tensors, long shardBytes, Map<String, String> metadata)
            throws IOException {
        Files.createDirectories(dir);
        List<List<TensorInfo>> plan = plan(tensors, shardBytes);
        List<SafetensorsWriter> shards = new ArrayList<>();
        Map<String, SafetensorsWriter> owner = new LinkedHashMap<>();
        try {
            for (int i = 0; i < plan.size(); i++) {
                String name = plan.size() == 1 ? ModelFolder.SINGLE
                        : String.format("model-%05d-of-%05d.safetensors", i + 1, plan.size());
                SafetensorsWriter shard = SafetensorsWriter.create(dir.resolve(name), plan.get(i), metadata);
                shards.add(shard);
                for (TensorInfo t : plan.get(i)) {
                    owner.put(t.name(), shard);
                }
            }
        } catch (IOException | RuntimeException e) {
            for (SafetensorsWriter s : shards) {
                s.close();
            }
            throw e;
        }
        long total = tensors.stream().mapToLong(TensorInfo::byteSize).sum();
        return new ModelWriter(dir, List.copyOf(shards), owner, total);
    }

    /** Writes bytes of tensor {@code name}: see {@link SafetensorsWriter#write(String, long, MemorySegment)}. */
    public void write(String name, long byteOffset, MemorySegment bytes) throws IOException {
        SafetensorsWriter shard = owner.get(name);
        if (shard == null) {
            throw new IllegalArgumentException("the model written to " + dir + " has no tensor '" + name + "'");
        }
        shard.write(name, byteOffset, bytes);
    }

    /** The files the model will have: shard names and, when sharded, the index. */
    public List<Path> files() {
        List<Path> files = new ArrayList<>(shards.stream().map(SafetensorsWriter::target).toList());
        if (shards.size() > 1) {
            files.add(dir.resolve(ModelFolder.INDEX));
        }
        return files;
    }

    /**
     * Renames the shards to their real names, writes the index, and removes weight files of an earlier model in the
     * same folder that the new one does not have.
     */
    public void commit() throws IOException {
        if (committed) {
            return;
        }
        for (SafetensorsWriter s : shards) {
            s.commit();
        }
        if (shards.size() > 1) {
            ObjectNode index = SafetensorsFile.JSON.createObjectNode();
            index.putObject("metadata").put("total_size", totalBytes);
            ObjectNode map = index.putObject("weight_map");
            owner.forEach((name, shard) -> map.put(name, shard.target().getFileName().toString()));
            Path target = dir.resolve(ModelFolder.INDEX);
            Path partial = SafetensorsWriter.partialName(target);
            SafetensorsFile.JSON.writerWithDefaultPrettyPrinter().writeValue(partial.toFile(), index);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        Set<Path> keep = new HashSet<>(files());
        try (DirectoryStream<Path> old = Files.newDirectoryStream(dir,
                p -> OUR_FILES.matcher(p.getFileName().toString()).matches() && !keep.contains(p))) {
            for (Path p : old) {
                Files.deleteIfExists(p);
            }
        }
        committed = true;
    }

    /** Deletes the temporary files unless {@link #commit()} succeeded. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsWriter s : shards) {
            try {
                s.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
