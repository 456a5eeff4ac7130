package dev.kumiki.tensor.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Collection;
import java.util.Optional;

import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * Reads of memory-mapped tensors that survive the file shrinking under the mapping. Reading a lost page raises SIGBUS:
 * HotSpot turns it into an {@link InternalError} inside its guarded copy routines ({@link MemorySegment#copy}), but a
 * JIT-compiled vector load straight from the mapping takes the whole process down. So every read of a mapping that
 * feeds kernels goes through here: bytes are copied out of the mapping into a small buffer (which stays in cache)
 * first, and the kernels read the copy. {@link #faulted} turns the error into one naming the file that changed.
 * <p>
 * An instance holds one buffer and is for one thread at a time.
 * {@snippet :
 * MappedReads reads = new MappedReads(kernels);
 * try {
 *     reads.load(tensor, 0, values, 0, n);
 * } catch (InternalError e) {
 *     throw MappedReads.faulted(e, "tensor " + name, "it was not read", List.of(model));
 * }
 * }
 */
public final class MappedReads {
    /** Bytes copied out of a mapping at a time (a multiple of every element size). */
    public static final long PIECE = 1 << 22;

    private final Kernels kernels;
    private final long minimum;
    private MemorySegment buffer;

    /**
     * @param kernels the kernels that convert the copied bytes to float32
     * @param minimum bytes the buffer has at least once allocated (so that it does not grow call by call)
     */
    public MappedReads(Kernels kernels, long minimum) {
        this.kernels = kernels;
        this.minimum = Math.min(Math.max(minimum, 64), PIECE);
    }

    /** With a buffer sized on first use. */
    public MappedReads(Kernels kernels) {
        this(kernels, 64);
    }

    /**
     * Copies through {@code buffer} (a native segment the caller keeps, e.g. for the next reader on the same thread:
     * a fresh buffer per reader is fresh pages to fault in), and through a larger one of its own when a copy needs
     * more.
     */
    public MappedReads(Kernels kernels, MemorySegment buffer) {
        this(kernels, Math.max(64, buffer.byteSize()));
        this.buffer = buffer;
    }

    /**
     * Loads {@code n} elements of {@code t} from element {@code from} on as float32 into {@code dst[off..off+n)},
     * through copies of at most {@link #PIECE} bytes.
     *
     * @throws InternalError when the mapping faults (the file shrank, or its disk failed): see {@link #faulted}
     */
    public void load(MappedTensor t, long from, float[] dst, int off, int n) {
        long width = t.info().dtype().bytes();
        int step = (int) (PIECE / width);
        for (int done = 0; done < n; done += step) {
            int count = Math.min(step, n - done);
            MemorySegment piece = copy(t.data(), (from + done) * width, count * width);
            kernels.load(piece, t.info().dtype(), 0, dst, off + done, count);
        }
    }

    /**
     * Copies {@code bytes} (at most {@link #PIECE}) of {@code src} from {@code offset} on into this reader's buffer.
     *
     * @return the copy, valid until the next call
     * @throws InternalError when the mapping faults: see {@link #faulted}
     */
    public MemorySegment copy(MemorySegment src, long offset, long bytes) {
        if (bytes > PIECE) {
            throw new IllegalArgumentException(bytes + " bytes at once, more than " + PIECE);
        }
        if (buffer == null || buffer.byteSize() < bytes) {
            buffer = Arena.ofAuto().allocate(Math.max(bytes, minimum), 64);
        }
        MemorySegment.copy(src, offset, buffer, 0, bytes);
        return buffer.asSlice(0, bytes);
    }

    /**
     * Reads the whole tensor {@code name} of {@code model} as float32 values.
     *
     * @throws IOException naming the file when it changed while it was read, or the tensor when it does not fit an
     *         array or is not floating point
     */
    public static float[] readAll(ModelFolder model, String name, Kernels kernels) throws IOException {
        MappedTensor t = model.tensor(name);
        long n = t.info().shape().elements();
        if (n > Integer.MAX_VALUE - 8 || !t.info().dtype().isFloatingPoint()) {
            throw new IOException(name + " (" + t.info().dtype() + ", " + n + " elements) cannot be read as "
                    + "float32 values in one piece");
        }
        float[] values = new float[(int) n];
        try {
            new MappedReads(kernels, n * t.info().dtype().bytes()).load(t, 0, values, 0, (int) n);
        } catch (InternalError e) {
            throw faulted(e, "tensor " + name + " of " + model.dir(), "tensor " + name + " was not read",
                    java.util.List.of(model));
        }
        return values;
    }

    /**
     * The error for a fault while reading mappings of {@code models}: the file that changed, as
     * {@link SafetensorsFile#changed()} says, followed by {@code stopped}; or, when no file changed (a failing
     * disk), the fault itself. The fault is the cause either way.
     *
     * @param what what was being read, e.g. "the inputs of model.norm.weight"
     * @param stopped what did not happen because of it, e.g. "the merge stopped at model.norm.weight and wrote nothing"
     */
    public static IOException faulted(InternalError e, String what, String stopped, Collection<ModelFolder> models) {
        IOException io = changed(stopped, models).orElseGet(() -> new IOException("reading " + what + " failed: "
                + e.getMessage() + " (an input file changed or its disk failed while it was read)"));
        io.initCause(e);
        return io;
    }

    /** The first of {@code models} whose file changed since it was opened, described, followed by {@code stopped}. */
    public static Optional<IOException> changed(String stopped, Collection<ModelFolder> models) {
        for (ModelFolder m : models) {
            Optional<String> changed = m == null ? Optional.empty() : m.changed();
            if (changed.isPresent()) {
                return Optional.of(new IOException(changed.get() + "; " + stopped));
            }
        }
        return Optional.empty();
    }
}
