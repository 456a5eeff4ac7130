package dev.kumiki.merge;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A thread's buffers for the tensors it merges one after the other, whichever merge they belong to: the copy of mapped
 * input pieces ({@link dev.kumiki.tensor.io.MappedReads}) and the scratch the output is converted into. Kept for the
 * next tensor rather than allocated per tensor: each fresh native buffer is fresh pages, and on the VMs this was
 * measured their faults made reading a small model's 39 tensors take 27 ms against 0.2 ms through one kept buffer (an
 * evolutionary search merges thousands of small models in memory). Native, not heap arrays: the Vector API reads
 * native segments with its intrinsics and heap {@code byte[]} segments without. A job uses them only while it runs,
 * and a thread runs one job at a time; they go with the thread.
 */
final class JobBuffers {
    /** Bytes of the buffers at first: a chunk of the widest type. */
    private static final long INITIAL = (long) Merger.DEFAULT_CHUNK * 8;
    private static final ThreadLocal<JobBuffers> OF_THREAD = ThreadLocal.withInitial(JobBuffers::new);

    private MemorySegment reads = MemorySegment.NULL;
    private MemorySegment scratch = MemorySegment.NULL;

    private JobBuffers() {
    }

    /** The calling thread's buffers. */
    static JobBuffers ofThread() {
        return OF_THREAD.get();
    }

    /** The buffer input pieces of up to {@code bytes} are copied into. */
    MemorySegment reads(long bytes) {
        reads = atLeast(reads, bytes);
        return reads;
    }

    /** A scratch segment of at least {@code bytes}. */
    MemorySegment scratch(long bytes) {
        scratch = atLeast(scratch, bytes);
        return scratch;
    }

    private static MemorySegment atLeast(MemorySegment s, long bytes) {
        return s.byteSize() >= bytes ? s : Arena.ofAuto().allocate(Math.max(bytes, INITIAL), 64);
    }
}
