package dev.kumiki.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kumiki.tensor.kernel.internal.VectorKernels;

/** The streaming-read baseline of the benchmarks: every byte of every segment read once a pass, on every thread. */
class StreamReadTest {
    /** Segments of awkward sizes: empty, under a float, a block and a bit, several blocks and a partial float. */
    private static final long[] SIZES = {0, 3, StreamRead.BLOCK + 12, 0, 4, 3 * StreamRead.BLOCK + 4 * 1000 + 2, 8};

    @Test
    void onePassReadsEveryWholeFloatOfEverySegmentOnAnyNumberOfThreads() {
        try (Arena arena = Arena.ofShared()) {
            List<MemorySegment> segments = new ArrayList<>();
            double expected = 0;
            long bytes = 0;
            long k = 0;
            for (long size : SIZES) {
                MemorySegment m = arena.allocate(Math.max(1, size), 4).asSlice(0, size);
                for (long at = 0; at + 4 <= size; at += 4) {
                    // small integers: every order of summation gives the same double
                    float v = (k++ % 13) - 6;
                    m.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, v);
                    expected += v;
                }
                for (long at = size & ~3L; at < size; at++) {
                    m.set(ValueLayout.JAVA_BYTE, at, (byte) 0x7f); // the partial float is not read
                }
                segments.add(m);
                bytes += size & ~3L;
            }
            for (int threads : new int[] {1, 2, 3}) {
                try (MatrixOps ops = MatrixOps.of(VectorKernels.preferred(), threads)) {
                    StreamRead read = StreamRead.of(ops, segments);
                    assertEquals(bytes, read.bytes());
                    assertEquals(expected, read.sum(), 0.0, threads + " threads");
                    read.warmUp();
                    assertEquals(expected, read.sum(), 0.0, threads + " threads, after the warm-up");
                    assertTrue(read.seconds() > 0);
                    assertTrue(read.bestSeconds(3) > 0);
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> read.bestSeconds(0));
                    assertEquals("passes must be at least 1, got 0", e.getMessage());
                }
            }
        }
    }

    @Test
    void theFigureIsTheBytesOverTheMedianPass() {
        try (MatrixOps ops = MatrixOps.of(VectorKernels.preferred(), 1)) {
            StreamRead read = StreamRead.of(ops, List.of(MemorySegment.ofArray(new float[1_000_000])));
            assertEquals(4_000_000, read.bytes());
            // median of 0.004, 0.001, 0.002 is 0.002 s: 4e6 bytes / 0.002 s = 2 GB/s
            assertEquals(2.0, read.gbPerSecond(0.004, 0.001, 0.002), 1e-12);
            // an even count takes the mean of the middle two: (0.001 + 0.003) / 2
            assertEquals(2.0, read.gbPerSecond(0.008, 0.001, 0.003, 0.0005), 1e-12);
            assertEquals("no pass was timed",
                    assertThrows(IllegalArgumentException.class, read::gbPerSecond).getMessage());
        }
    }
}
