package dev.kumiki.tensor.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonGenerator;

import dev.kumiki.tensor.TensorInfo;

/**
 * Writes one {@code .safetensors} file whose tensors are known up front. The file is created under a temporary name
 * ({@code NAME.partial}) with its header, filled tensor by tensor with positional writes (from any thread, in any
 * order) through {@link #write(String, long, MemorySegment)}; {@link #commit()} checks that every byte arrived and
 * renames it to its real name. Closing without committing deletes it, so a half-written file never carries a model's
 * name. (Positional writes, not a writable mapping: filling fresh file pages through a mapping faults on every page
 * and runs several times slower.)
 * {@snippet :
 * try (SafetensorsWriter out = SafetensorsWriter.create(target, infos, Map.of("format", "pt"))) {
 *     for (TensorInfo t : infos) {
 *         out.write(t.name(), 0, bytesOf(t));
 *     }
 *     out.commit();
 * }
 * }
 */
public final class SafetensorsWriter implements AutoCloseable {
    private final Path target;
    private final Path partial;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, long[]> offsets;
    private final Map<String, AtomicLong> written;
    private boolean committed;

    private SafetensorsWriter(Path target, Path partial, FileChannel channel, long dataStart,
            Map<String, long[]> offsets) {
        this.target = target;
        this.partial = partial;
        this.channel = channel;
        this.dataStart = dataStart;
        this.offsets = offsets;
        this.written = new LinkedHashMap<>();
        offsets.keySet().forEach(n -> written.put(n, new AtomicLong()));
    }

    /** The temporary name a file has while it is written. */
    public static Path partialName(Path target) {
        return target.resolveSibling(target.getFileName() + ".partial");
    }

    /**
     * Creates {@code target}'s temporary file for {@code tensors} (laid out in this order) and writes its header.
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
        Path partial = partialName(target);
        FileChannel channel;
        try {
            channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw failure("cannot create", partial, e);
        }
        try {
            ByteBuffer start = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            start.putLong(header.length).put(header).flip();
            writeFully(channel, start, 0);
            return new SafetensorsWriter(target, partial, channel, 8 + header.length, offsets);
        } catch (IOException e) {
            channel.close();
            Files.deleteIfExists(partial);
            throw failure("cannot write", partial, e);
        } catch (RuntimeException e) {
            channel.close();
            Files.deleteIfExists(partial);
            throw e;
        }
    }

    /** An I/O error that names the file (the JDK's messages for a full disk or a failing device do not). */
    static IOException failure(String what, Path file, IOException e) {
        if (e instanceof java.nio.channels.ClosedByInterruptException
                || e instanceof java.nio.channels.AsynchronousCloseException) {
            return e; // cancelled, not failed
        }
        String reason = OutputFolder.describe(e);
        return new IOException(what + " " + file + ": " + (reason.startsWith(file.toString()) ? reason.substring(
                file.toString().length()).replaceFirst("^: ", "") : reason), e);
    }

    private static void writeFully(FileChannel channel, ByteBuffer bytes, long position) throws IOException {
        long at = position;
        while (bytes.hasRemaining()) {
            at += channel.write(bytes, at);
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

    /**
     * Writes {@code bytes} (little-endian tensor data) at byte {@code byteOffset} of tensor {@code name}. Safe from
     * several threads at once; every byte of every tensor must be written once before {@link #commit()}.
     *
     * @throws IllegalArgumentException when the tensor does not exist or the bytes run past its end
     */
    public void write(String name, long byteOffset, MemorySegment bytes) throws IOException {
        long[] range = offsets.get(name);
        if (range == null) {
            throw new IllegalArgumentException(target + " has no tensor '" + name + "'");
        }
        if (byteOffset < 0 || byteOffset + bytes.byteSize() > range[1] - range[0]) {
            throw new IllegalArgumentException("bytes [" + byteOffset + ", " + (byteOffset + bytes.byteSize())
                    + ") do not fit tensor '" + name + "' of " + (range[1] - range[0]) + " bytes");
        }
        // byte buffers view native memory and byte[] only: other heap arrays go through a byte[] copy
        boolean direct = bytes.isNative() || bytes.heapBase().map(b -> b instanceof byte[]).orElse(false);
        long done = 0;
        while (done < bytes.byteSize()) {
            long n = Math.min(bytes.byteSize() - done, direct ? 1L << 30 : 1L << 20);
            MemorySegment piece = bytes.asSlice(done, n);
            ByteBuffer buffer = direct ? piece.asByteBuffer() : ByteBuffer.wrap(piece.toArray(ValueLayout.JAVA_BYTE));
            try {
                writeFully(channel, buffer, dataStart + range[0] + byteOffset + done);
            } catch (IOException e) {
                throw failure("cannot write", partial, e);
            }
            done += n;
        }
        written.get(name).addAndGet(bytes.byteSize());
    }

    public Path target() {
        return target;
    }

    /**
     * Gives the file its real name (replacing an older file of that name). Like mergekit and Hugging Face, Kumiki
     * leaves writing the pages to disk to the kernel instead of waiting for it: a process that dies cannot leave a
     * half-written file under the real name, and nothing waits for the disk.
     */
    public void commit() throws IOException {
        if (committed) {
            return;
        }
        for (Map.Entry<String, long[]> e : offsets.entrySet()) {
            long expected = e.getValue()[1] - e.getValue()[0];
            if (written.get(e.getKey()).get() != expected) {
                throw new IllegalStateException("tensor '" + e.getKey() + "' of " + target + " got "
                        + written.get(e.getKey()).get() + " of its " + expected + " bytes; the file is not complete");
            }
        }
        try {
            channel.close();
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw failure("cannot complete", target, e);
        }
        committed = true;
    }

    /** Deletes the temporary file unless {@link #commit()} succeeded. */
    @Override
    public void close() throws IOException {
        if (!committed) {
            channel.close();
            Files.deleteIfExists(partial);
        }
    }

}
