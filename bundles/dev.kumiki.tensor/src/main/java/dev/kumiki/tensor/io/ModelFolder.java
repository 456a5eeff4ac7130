package dev.kumiki.tensor.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.TensorInfo;

/**
 * A Hugging Face model folder: {@code config.json} and its weights, either one {@code model.safetensors} or shards
 * listed by {@code model.safetensors.index.json}. Opening reads the headers of all shards (cheap: they are mapped,
 * not read) and checks that the index and the shards agree.
 */
public final class ModelFolder implements AutoCloseable {
    public static final String CONFIG = "config.json";
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path dir;
    private final Optional<ModelConfig> config;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> owner;

    private ModelFolder(Path dir, Optional<ModelConfig> config, List<SafetensorsFile> shards,
            Map<String, SafetensorsFile> owner) {
        this.dir = dir;
        this.config = config;
        this.shards = shards;
        this.owner = owner;
    }

    /**
     * Opens the model in {@code dir}.
     *
     * @throws TensorFormatException naming the file and the problem when the folder is not a usable model
     */
    public static ModelFolder open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "no such model folder");
        }
        Path root = dir.toAbsolutePath().normalize();
        Optional<ModelConfig> config = Files.exists(root.resolve(CONFIG))
                ? Optional.of(ModelConfig.read(root.resolve(CONFIG)))
                : Optional.empty();
        List<SafetensorsFile> shards = new ArrayList<>();
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        try {
            if (Files.exists(root.resolve(INDEX))) {
                Map<String, String> weightMap = weightMap(root.resolve(INDEX));
                Map<String, SafetensorsFile> byFile = new LinkedHashMap<>();
                for (Map.Entry<String, String> e : weightMap.entrySet()) {
                    SafetensorsFile shard = byFile.get(e.getValue());
                    if (shard == null) {
                        Path file = shardPath(root, e.getValue());
                        if (!Files.exists(file)) {
                            throw new TensorFormatException(root.resolve(INDEX) + " puts tensor '" + e.getKey()
                                    + "' in " + e.getValue() + ", which is not in the folder; the download is "
                                    + "incomplete");
                        }
                        shard = SafetensorsFile.open(file);
                        shards.add(shard);
                        byFile.put(e.getValue(), shard);
                    }
                    if (shard.info(e.getKey()).isEmpty()) {
                        throw new TensorFormatException(root.resolve(INDEX) + " puts tensor '" + e.getKey() + "' in "
                                + e.getValue() + ", but that file has no such tensor");
                    }
                    owner.put(e.getKey(), shard);
                }
            } else if (Files.exists(root.resolve(SINGLE))) {
                SafetensorsFile single = SafetensorsFile.open(root.resolve(SINGLE));
                shards.add(single);
                for (String name : single.names()) {
                    owner.put(name, single);
                }
            } else {
                String found;
                try (Stream<Path> files = Files.list(root)) {
                    found = files.map(p -> p.getFileName().toString()).sorted().limit(12).toList().toString();
                }
                boolean pickle = found.contains(".bin") || found.contains(".pt");
                throw new TensorFormatException(root + " has neither " + SINGLE + " nor " + INDEX + " (found "
                        + found + ")" + (pickle ? "; Kumiki reads safetensors only: convert the PyTorch .bin "
                                + "weights to safetensors first" : ""));
            }
        } catch (IOException | RuntimeException e) {
            shards.forEach(SafetensorsFile::close);
            throw e;
        }
        return new ModelFolder(root, config, List.copyOf(shards), Collections.unmodifiableMap(owner));
    }

    private static Map<String, String> weightMap(Path index) throws IOException {
        JsonNode root = InputFiles.readJson(index, "safetensors index");
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new TensorFormatException(index + ": has no weight_map object (tensor name -> shard file)");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new TensorFormatException(index + ": weight_map entry '" + e.getKey()
                        + "' must name a shard file, found " + e.getValue());
            }
            weightMap.put(e.getKey(), e.getValue().asText());
        }
        return weightMap;
    }

    /** A shard named by an index, refused when the name would leave the model folder. */
    private static Path shardPath(Path root, String name) throws TensorFormatException {
        Path file = root.resolve(name).normalize();
        if (name.isBlank() || Path.of(name).isAbsolute() || !file.startsWith(root) || file.equals(root)) {
            throw new TensorFormatException(root.resolve(INDEX) + " names shard '" + name
                    + "', which is outside the model folder; shards must be files in " + root);
        }
        return file;
    }

    public Path dir() {
        return dir;
    }

    public Optional<ModelConfig> config() {
        return config;
    }

    /** Tensor names: index order for sharded models, header order for one file. */
    public List<String> names() {
        return List.copyOf(owner.keySet());
    }

    public boolean has(String name) {
        return owner.containsKey(name);
    }

    public Optional<TensorInfo> info(String name) {
        SafetensorsFile f = owner.get(name);
        return f == null ? Optional.empty() : f.info(name);
    }

    /**
     * @throws IllegalArgumentException when the model has no such tensor
     */
    public MappedTensor tensor(String name) {
        SafetensorsFile f = owner.get(name);
        if (f == null) {
            throw new IllegalArgumentException(dir + " has no tensor '" + name + "'");
        }
        return f.tensor(name);
    }

    /** The {@code __metadata__} of the first shard. */
    public Map<String, String> metadata() {
        return shards.isEmpty() ? Map.of() : shards.get(0).metadata();
    }

    /** Total bytes of tensor data. */
    public long byteSize() {
        return owner.keySet().stream().mapToLong(n -> info(n).orElseThrow().byteSize()).sum();
    }

    /** The first weight file that changed on disk since the model was opened, described ({@link SafetensorsFile#changed()}). */
    public Optional<String> changed() {
        for (SafetensorsFile f : shards) {
            Optional<String> c = f.changed();
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }
}
