package dev.kumiki.tensor.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.TensorInfo;

/**
 * One {@code .safetensors} file, memory-mapped whole (files beyond 2 GiB included) and validated strictly when
 * opened: header length bounds, well-formed JSON, known dtypes, byte sizes matching shapes, offsets inside the
 * file and not overlapping. Tensors are slices of the mapping; nothing is copied onto the heap.
 * {@snippet :
 * try (SafetensorsFile file = SafetensorsFile.open(Path.of("model.safetensors"))) {
 *     MappedTensor q = file.tensor("model.layers.0.self_attn.q_proj.weight");
 * }
 * }
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The largest header the safetensors format allows (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** For writing JSON in this package; reading goes through {@link InputFiles}. */
    static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> infos;
    private final Map<String, long[]> offsets;
    private final Map<String, String> metadata;
    private long mappedSize;
    private java.nio.file.attribute.FileTime mappedTime;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, Map<String, TensorInfo> infos,
            Map<String, long[]> offsets, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.infos = infos;
        this.offsets = offsets;
        this.metadata = metadata;
    }

    /**
     * Maps and validates {@code path}.
     *
     * @throws TensorFormatException when the file is not valid safetensors, naming what is wrong
     * @throws IOException           when it cannot be read
     */
    public static SafetensorsFile open(Path path) throws IOException {
        InputFiles.requireFile(path, "safetensors file"); // a named pipe would block in open()
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            java.nio.file.attribute.FileTime time = java.nio.file.Files.getLastModifiedTime(path);
            if (size < 8) {
                throw new TensorFormatException(path + ": " + size + " bytes is too short for safetensors "
                        + "(it starts with an 8-byte header length); the file is truncated or not safetensors");
            }
            MemorySegment file;
            try {
                file = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            } catch (IOException e) {
                // e.g. "No such device" (ENODEV) on a file system that cannot map files
                throw new IOException("cannot map " + path + " into memory: " + OutputFolder.describe(e)
                        + "; copy the model to a local disk", e);
            }
            long headerLength = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > size - 8) {
                throw new TensorFormatException(path + ": header length " + Long.toUnsignedString(headerLength)
                        + " is impossible for a file of " + size + " bytes (it must be 2.." + Math.min(MAX_HEADER_BYTES,
                                size - 8) + "); the file is truncated or not safetensors");
            }
            byte[] header = file.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = file.asSlice(8 + headerLength);
            SafetensorsFile opened = parse(path, arena, header, data);
            opened.mappedSize = size;
            opened.mappedTime = time;
            return opened;
        } catch (NoSuchFileException e) {
            arena.close();
            throw new NoSuchFileException(path.toString(), null, "no such safetensors file");
        } catch (java.nio.file.FileSystemException e) {
            arena.close();
            throw new IOException("cannot read " + path + ": " + OutputFolder.describe(e), e);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static SafetensorsFile parse(Path path, Arena arena, byte[] header, MemorySegment data)
            throws TensorFormatException {
        JsonNode root;
        try {
            root = InputFiles.parseJson(new String(header, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new TensorFormatException(path + ": the header is not valid JSON (" + JsonProblems.describe(e) + ")");
        }
        if (root == null || !root.isObject()) {
            throw new TensorFormatException(path + ": the header must be a JSON object of tensors");
        }
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        Map<String, long[]> offsets = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            String name = entry.getKey();
            JsonNode node = entry.getValue();
            if (name.equals("__metadata__")) {
                if (!node.isObject()) {
                    throw new TensorFormatException(path + ": __metadata__ must map strings to strings");
                }
                for (Map.Entry<String, JsonNode> m : node.properties()) {
                    if (!m.getValue().isTextual()) {
                        throw new TensorFormatException(path + ": __metadata__ value of '" + m.getKey()
                                + "' must be a string, found " + m.getValue().getNodeType());
                    }
                    metadata.put(m.getKey(), m.getValue().asText());
                }
                continue;
            }
            String where = path + ": tensor '" + name + "'";
            if (!node.isObject()) {
                throw new TensorFormatException(where + " must be an object with dtype, shape and data_offsets");
            }
            JsonNode dtypeNode = node.get("dtype");
            if (dtypeNode == null || !dtypeNode.isTextual()) {
                throw new TensorFormatException(where + " has no dtype");
            }
            DType dtype = DType.ofSafetensorsName(dtypeNode.asText()).orElseThrow(() -> new TensorFormatException(
                    where + " has dtype '" + dtypeNode.asText() + "', which Kumiki cannot read (it reads "
                            + String.join(", ", java.util.Arrays.stream(DType.values())
                                    .map(DType::safetensorsName).toList())
                            + "); convert the model to one of those"));
            Shape shape = shape(where, node.get("shape"));
            long[] range = longPair(where, node.get("data_offsets"));
            TensorInfo info = new TensorInfo(name, dtype, shape);
            long expected;
            try {
                expected = info.byteSize();
            } catch (ArithmeticException e) {
                throw new TensorFormatException(where + " has an impossibly large shape " + shape);
            }
            if (range[0] < 0 || range[1] < range[0]) {
                throw new TensorFormatException(where + " has data_offsets [" + range[0] + ", " + range[1]
                        + "]; they must be 0 <= begin <= end");
            }
            if (range[1] - range[0] != expected) {
                throw new TensorFormatException(where + " (" + dtype.safetensorsName() + " " + shape + ") needs "
                        + expected + " bytes but its data_offsets [" + range[0] + ", " + range[1] + "] span "
                        + (range[1] - range[0]));
            }
            if (range[1] > data.byteSize()) {
                throw new TensorFormatException(where + " has data_offsets [" + range[0] + ", " + range[1]
                        + "] beyond the " + data.byteSize() + " bytes of data in the file; the file is truncated");
            }
            infos.put(name, info);
            offsets.put(name, range);
        }
        List<String> byStart = new ArrayList<>(offsets.keySet());
        byStart.sort(Comparator.comparingLong((String n) -> offsets.get(n)[0]).thenComparingLong(n -> offsets.get(n)[1]));
        for (int i = 1; i < byStart.size(); i++) {
            long[] prev = offsets.get(byStart.get(i - 1));
            long[] cur = offsets.get(byStart.get(i));
            if (cur[0] < prev[1]) {
                throw new TensorFormatException(path + ": tensors '" + byStart.get(i - 1) + "' [" + prev[0] + ", "
                        + prev[1] + "] and '" + byStart.get(i) + "' [" + cur[0] + ", " + cur[1] + "] overlap");
            }
        }
        return new SafetensorsFile(path, arena, data, Collections.unmodifiableMap(infos),
                Collections.unmodifiableMap(offsets), Collections.unmodifiableMap(metadata));
    }

    private static Shape shape(String where, JsonNode node) throws TensorFormatException {
        if (node == null || !node.isArray()) {
            throw new TensorFormatException(where + " has no shape array");
        }
        long[] dims = new long[node.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = node.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new TensorFormatException(where + " has shape " + node + "; dimensions must be integers >= 0");
            }
            dims[i] = d.asLong();
        }
        try {
            return Shape.of(dims);
        } catch (ArithmeticException e) {
            throw new TensorFormatException(where + " has an impossibly large shape " + node);
        }
    }

    private static long[] longPair(String where, JsonNode node) throws TensorFormatException {
        if (node == null || !node.isArray() || node.size() != 2 || !node.get(0).isIntegralNumber()
                || !node.get(1).isIntegralNumber() || !node.get(0).canConvertToLong()
                || !node.get(1).canConvertToLong()) {
            throw new TensorFormatException(where + " needs data_offsets [begin, end] as two integers, found " + node);
        }
        return new long[] {node.get(0).asLong(), node.get(1).asLong()};
    }

    public Path path() {
        return path;
    }

    /** Tensor names in header order. */
    public List<String> names() {
        return List.copyOf(infos.keySet());
    }

    public Map<String, TensorInfo> infos() {
        return infos;
    }

    public Optional<TensorInfo> info(String name) {
        return Optional.ofNullable(infos.get(name));
    }

    /** The {@code __metadata__} of the header (empty when there is none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * The tensor's bytes, a slice of the mapping.
     *
     * @throws IllegalArgumentException when there is no such tensor
     */
    public MappedTensor tensor(String name) {
        TensorInfo info = infos.get(name);
        if (info == null) {
            throw new IllegalArgumentException(path + " has no tensor '" + name + "'");
        }
        long[] range = offsets.get(name);
        return new MappedTensor(info, data.asSlice(range[0], range[1] - range[0]));
    }

    /**
     * What changed in the file since it was mapped, if it did: a file that shrinks under a mapping makes reads of the
     * lost pages fail, and one rewritten in place gives other bytes than the header described. Cheap (one stat).
     */
    public Optional<String> changed() {
        long now;
        java.nio.file.attribute.FileTime time;
        try {
            now = java.nio.file.Files.size(path);
            time = java.nio.file.Files.getLastModifiedTime(path);
        } catch (IOException e) {
            return Optional.of(path + " changed while it was being read (" + OutputFolder.describe(e) + ")");
        }
        if (now != mappedSize) {
            return Optional.of(path + " changed while it was being read (it is now " + now + " bytes, expected "
                    + mappedSize + "); another program is writing or truncating it: let it finish, then run again");
        }
        if (!time.equals(mappedTime)) {
            return Optional.of(path + " changed while it was being read (modified at " + time + ", after it was "
                    + "opened); another program is writing it: let it finish, then run again");
        }
        return Optional.empty();
    }

    /** Unmaps the file; tensors taken from it must not be used afterwards. */
    @Override
    public void close() {
        arena.close();
    }
}
