package dev.kumiki.tensor.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonGenerator;

import dev.kumiki.tensor.TensorInfo;

/**
 * Writes one {@code .safetensors} file whose tensors are known up front. The file is created under a temporary name
 * ({@code NAME.partial}) with its final size, memory-mapped, and filled tensor by tensor through
 * {@link #data(String)}; {@link #commit()} flushes it and renames it to its real name. Closing without committing
 * deletes it, so a half-written file never carries a model's name.
 * {@snippet :
 * try (SafetensorsWriter out = SafetensorsWriter.create(target, infos, Map.of("format", "pt"))) {
 *     for (TensorInfo t : infos) {
 *         fill(out.data(t.name()));
 *     }
 *     out.commit();
 * }
 * }
 */
public final class SafetensorsWriter implements AutoCloseable {
    private final Path target;
    private final Path partial;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, long[]> offsets;
    private boolean committed;

    private SafetensorsWriter(Path target, Path partial, Arena arena, MemorySegment data, Map<String, long[]> offsets) {
        this.target = target;
        this.partial = partial;
        this.arena = arena;
        this.data = data;
        this.offsets = offsets;
    }

    /** The temporary name a file has while it is written. */
    public static Path partialName(Path target) {
        return target.resolveSibling(target.getFileName() + ".partial");
    }

    /**
     * Creates {@code target}'s temporary file with room for {@code tensors} (laid out in this order) and writes its
     * header.
     *
     * @throws IllegalArgumentException for duplicate names or {@code __metadata__} used as a tensor name
     */
    public static SafetensorsWriter create(Path target, List<TensorInfo> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, long[]> offsets = new LinkedHashMap<>();
        long at = 0;
        for (TensorInfo t : tensors) {
            if (t.name().equals("__metadata__")) {
                throw new IllegalArgumentException("a tensor cannot be named __metadata__");
            }
            long size = t.byteSize();
            if (offsets.putIfAbsent(t.name(), new long[] {at, at + size}) != null) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' is listed twice for " + target);
            }
            at += size;
        }
        byte[] header = header(tensors, offsets, metadata);
        long total = 8 + header.length + at;
        Path partial = partialName(target);
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment file = channel.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
            file.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, header.length);
            MemorySegment.copy(MemorySegment.ofArray(header), 0, file, 8, header.length);
            return new SafetensorsWriter(target, partial, arena, file.asSlice(8 + header.length), offsets);
        } catch (IOException | RuntimeException e) {
            arena.close();
            Files.deleteIfExists(partial);
            throw e;
        }
    }

    /** The header: JSON in tensor order, padded with spaces to a multiple of 8 bytes as the reference writer does. */
    private static byte[] header(List<TensorInfo> tensors, Map<String, long[]> offsets, Map<String, String> metadata)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = SafetensorsFile.JSON.getFactory().createGenerator(bytes)) {
            g.writeStartObject();
            if (!metadata.isEmpty()) {
                g.writeObjectFieldStart("__metadata__");
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    g.writeStringField(m.getKey(), m.getValue());
                }
                g.writeEndObject();
            }
            for (TensorInfo t : tensors) {
                g.writeObjectFieldStart(t.name());
                g.writeStringField("dtype", t.dtype().safetensorsName());
                g.writeArrayFieldStart("shape");
                for (long d : t.shape().dims()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                long[] range = offsets.get(t.name());
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(range[0]);
                g.writeNumber(range[1]);
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        while (bytes.size() % 8 != 0) {
            bytes.write(' ');
        }
        return bytes.toByteArray();
    }

    /** Where tensor {@code name}'s bytes go (little-endian), to be filled completely before {@link #commit()}. */
    public MemorySegment data(String name) {
        long[] range = offsets.get(name);
        if (range == null) {
            throw new IllegalArgumentException(target + " has no tensor '" + name + "'");
        }
        return data.asSlice(range[0], range[1] - range[0]);
    }

    public Path target() {
        return target;
    }

    /** Flushes the file to disk and gives it its real name (replacing an older file of that name). */
    public void commit() throws IOException {
        if (committed) {
            return;
        }
        data.force();
        arena.close();
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        committed = true;
    }

    /** Deletes the temporary file unless {@link #commit()} succeeded. */
    @Override
    public void close() throws IOException {
        if (!committed) {
            if (arena.scope().isAlive()) {
                arena.close();
            }
            Files.deleteIfExists(partial);
        }
    }

}
