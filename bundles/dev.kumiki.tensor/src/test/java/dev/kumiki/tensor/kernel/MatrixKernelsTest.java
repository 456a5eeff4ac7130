package dev.kumiki.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.kernel.internal.VectorKernels;

/**
 * The vector matrix kernels ({@code matVec}, {@code matMul}) and {@link MatrixOps} against the scalar reference, at
 * the JVM's preferred width; the build runs this class again at 256 and 128 bits and inside the emulated A64FX
 * (512-bit SVE), so the sizes stay small.
 * <p>
 * Tolerance: any order of adding {@code m} float products differs from the exact sum by at most
 * {@code γ(m) · Σ|w·x|} with {@code γ(m) = m·u / (1 - m·u)}, {@code u = 2⁻²⁴} (Higham, <i>Accuracy and Stability of
 * Numerical Algorithms</i>, §3.1); the reference adds in double, so that bound (with {@code m = cols + 1}, for the
 * final rounding) is what each element is checked against. A wrong or missing term is far outside it.
 */
class MatrixKernelsTest {

    static final Kernels REF = Kernels.scalar();
    static final Kernels VEC = VectorKernels.preferred();
    static final int LANES = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
    /** Column counts around the vector width, the F16 chunk (1024) and the GEMM's column block (512). */
    static final int[] COLS = {1, 3, LANES - 1, LANES, LANES + 1, 2 * LANES + 3, 100, 515, 1030};
    static final DType[] TYPES = {DType.F32, DType.BF16, DType.F16};

    /** A stored weight matrix and the floats it holds (after rounding to its type). */
    record Matrix(MemorySegment data, DType type, int rows, int cols, float[] values, String where) {
        double absDot(int r, float[] x, int xOff) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += Math.abs((double) values[r * cols + c] * x[xOff + c]);
            }
            return s;
        }
    }

    static float[] weights(Random r, int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) r.nextGaussian() * (r.nextInt(8) == 0 ? 30 : 0.5f);
        }
        if (n > 4) {
            w[1] = 0f;
            w[2] = -0f;
            w[3] = 3e-6f; // an F16 subnormal
        }
        return w;
    }

    static float[] activations(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** W stored as {@code type} in native memory, or on the heap (a float[] for F32, a byte[] otherwise). */
    static Matrix matrix(Random r, DType type, int rows, int cols, Arena arena, boolean heap) {
        float[] w = weights(r, rows * cols);
        long bytes = (long) rows * cols * type.bytes();
        MemorySegment data;
        if (heap && type == DType.F32) {
            // an offset into a larger array, as a slice of a model computed in memory would be
            float[] backing = new float[rows * cols + 3];
            data = MemorySegment.ofArray(backing).asSlice(3 * 4L, bytes);
        } else if (heap) {
            data = MemorySegment.ofArray(new byte[(int) bytes]);
        } else {
            data = arena.allocate(bytes, 1);
        }
        REF.store(w, 0, rows * cols, data, type, 0);
        float[] values = new float[rows * cols];
        REF.load(data, type, 0, values, 0, rows * cols);
        return new Matrix(data, type, rows, cols, values, heap ? "heap" : "native");
    }

    static double gamma(int m) {
        double u = 0x1p-24;
        return m * u / (1 - m * u);
    }

    /** The error bound of each element of Y = X·Wᵀ ({@code n} tokens, Y n × rows). */
    static double[] bounds(Matrix w, float[] x, int xOff, int n) {
        double g = gamma(w.cols + 1);
        double[] b = new double[n * w.rows];
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < w.rows; r++) {
                b[t * w.rows + r] = g * w.absDot(r, x, xOff + t * w.cols) + Float.MIN_NORMAL;
            }
        }
        return b;
    }

    static void assertMatVec(Matrix w, float[] x, int xOff, float[] expected, float[] actual, int yOff, int r0,
            int r1, String what) {
        double[] bound = bounds(w, x, xOff, 1);
        for (int r = r0; r < r1; r++) {
            assertEquals(expected[yOff + r], actual[yOff + r], bound[r], what + " row " + r);
        }
    }

    static void assertMatMul(double[] bound, int rows, int n, float[] expected, float[] actual, int r0, int r1,
            String what) {
        for (int t = 0; t < n; t++) {
            for (int r = r0; r < r1; r++) {
                int i = t * rows + r;
                assertEquals(expected[i], actual[i], bound[i], what + " token " + t + " row " + r);
            }
        }
    }

    @Test
    void matVecAgreesWithTheReference() {
        Random r = new Random(21);
        int[] rowCounts = {1, 3, 4, 5, 9};
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : TYPES) {
                for (boolean heap : new boolean[] {false, true}) {
                    for (int cols : COLS) {
                        for (int rows : rowCounts) {
                            Matrix w = matrix(r, type, rows, cols, arena, heap);
                            int xOff = r.nextInt(3);
                            int yOff = r.nextInt(3);
                            float[] x = activations(r, xOff + cols);
                            float[] expected = new float[yOff + rows];
                            float[] actual = new float[yOff + rows];
                            REF.matVec(w.data, type, cols, x, xOff, expected, yOff, 0, rows);
                            VEC.matVec(w.data, type, cols, x, xOff, actual, yOff, 0, rows);
                            String what = type + " " + w.where + " " + rows + "×" + cols;
                            assertMatVec(w, x, xOff, expected, actual, yOff, 0, rows, what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void matVecComputesOnlyTheRowsAsked() {
        Random r = new Random(22);
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : TYPES) {
                Matrix w = matrix(r, type, 11, 2 * LANES + 1, arena, false);
                float[] x = activations(r, w.cols);
                float[] expected = new float[w.rows];
                REF.matVec(w.data, type, w.cols, x, 0, expected, 0, 0, w.rows);
                for (int[] range : new int[][] {{0, 0}, {2, 3}, {1, 6}, {3, 11}, {5, 10}}) {
                    float[] actual = new float[w.rows];
                    java.util.Arrays.fill(actual, Float.NaN);
                    VEC.matVec(w.data, type, w.cols, x, 0, actual, 0, range[0], range[1]);
                    String what = type + " rows [" + range[0] + ", " + range[1] + ")";
                    assertMatVec(w, x, 0, expected, actual, 0, range[0], range[1], what);
                    for (int i = 0; i < w.rows; i++) {
                        if (i < range[0] || i >= range[1]) {
                            assertTrue(Float.isNaN(actual[i]), what + ": row " + i + " was written");
                        }
                    }
                }
            }
        }
    }

    @Test
    void matMulAgreesWithTheReference() {
        Random r = new Random(23);
        // tokens below, at and past one and two vectors (the packed panels) and the small-n path; rows past the
        // 120-row weight block and columns past the 512-column block
        int p = 2 * LANES;
        int[] tokens = {1, 2, 3, 4, 5, 7, LANES - 1, LANES + 1, p, p + 3, 2 * p + 1};
        int[][] shapes = {{1, 1}, {5, 3}, {7, LANES + 1}, {13, 2 * LANES + 3}, {130, 40}, {9, 515}};
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : TYPES) {
                for (int[] shape : shapes) {
                    Matrix w = matrix(r, type, shape[0], shape[1], arena, type == DType.F32 && shape[0] == 13);
                    for (int n : tokens) {
                        if (w.rows * w.cols > 1000 && n % 2 == 0) {
                            continue; // the big shapes with odd token counts only: keeps the emulated run short
                        }
                        float[] x = activations(r, n * w.cols);
                        float[] expected = new float[n * w.rows];
                        float[] actual = new float[n * w.rows];
                        REF.matMul(w.data, type, w.rows, w.cols, x, n, expected, 0, w.rows);
                        VEC.matMul(w.data, type, w.rows, w.cols, x, n, actual, 0, w.rows);
                        String what = type + " " + w.rows + "×" + w.cols + " n=" + n;
                        assertMatMul(bounds(w, x, 0, n), w.rows, n, expected, actual, 0, w.rows, what);
                    }
                }
            }
        }
    }

    @Test
    void matMulOverMoreTokensThanOnePackingGroup() {
        // the GEMM packs 8 panels (16 vectors) of tokens at a time: cross that boundary, with a last partial panel
        Random r = new Random(29);
        int n = 16 * LANES * 2 + 2 * LANES + 5;
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : TYPES) {
                Matrix w = matrix(r, type, 7, 2 * LANES + 3, arena, false);
                float[] x = activations(r, n * w.cols);
                float[] expected = new float[n * w.rows];
                float[] actual = new float[n * w.rows];
                REF.matMul(w.data, type, w.rows, w.cols, x, n, expected, 0, w.rows);
                VEC.matMul(w.data, type, w.rows, w.cols, x, n, actual, 0, w.rows);
                assertMatMul(bounds(w, x, 0, n), w.rows, n, expected, actual, 0, w.rows, type + " n=" + n);
            }
        }
    }

    @Test
    void matMulComputesOnlyTheRowsAsked() {
        Random r = new Random(24);
        try (Arena arena = Arena.ofConfined()) {
            for (DType type : TYPES) {
                Matrix w = matrix(r, type, 140, 2 * LANES + 5, arena, false);
                int n = 2 * LANES + 3;
                float[] x = activations(r, n * w.cols);
                float[] expected = new float[n * w.rows];
                REF.matMul(w.data, type, w.rows, w.cols, x, n, expected, 0, w.rows);
                double[] bound = bounds(w, x, 0, n);
                for (int[] range : new int[][] {{0, 1}, {7, 8}, {3, 17}, {10, 140}, {121, 133}}) {
                    float[] actual = new float[n * w.rows];
                    java.util.Arrays.fill(actual, Float.NaN);
                    VEC.matMul(w.data, type, w.rows, w.cols, x, n, actual, range[0], range[1]);
                    String what = type + " rows [" + range[0] + ", " + range[1] + ")";
                    assertMatMul(bound, w.rows, n, expected, actual, range[0], range[1], what);
                    for (int t = 0; t < n; t++) {
                        for (int i = 0; i < w.rows; i++) {
                            if (i < range[0] || i >= range[1]) {
                                assertTrue(Float.isNaN(actual[t * w.rows + i]), what + ": token " + t + " row " + i
                                        + " was written");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void aMappedFileWorksAsWeights(@TempDir Path dir) throws IOException {
        Random r = new Random(25);
        int rows = 37;
        int cols = 3 * LANES + 2;
        for (DType type : TYPES) {
            float[] w = weights(r, rows * cols);
            Path file = dir.resolve("w-" + type + ".bin");
            try (Arena arena = Arena.ofConfined();
                    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                            StandardOpenOption.WRITE)) {
                MemorySegment data = ch.map(FileChannel.MapMode.READ_WRITE, 0, (long) rows * cols * type.bytes(),
                        arena);
                REF.store(w, 0, w.length, data, type, 0);
                float[] values = new float[rows * cols];
                REF.load(data, type, 0, values, 0, values.length);
                Matrix m = new Matrix(data, type, rows, cols, values, "mapped");
                int n = 6;
                float[] x = activations(r, n * cols);
                float[] expected = new float[n * rows];
                float[] actual = new float[n * rows];
                REF.matVec(data, type, cols, x, 0, expected, 0, 0, rows);
                VEC.matVec(data, type, cols, x, 0, actual, 0, 0, rows);
                assertMatVec(m, x, 0, expected, actual, 0, 0, rows, type + " mapped matVec");
                REF.matMul(data, type, rows, cols, x, n, expected, 0, rows);
                VEC.matMul(data, type, rows, cols, x, n, actual, 0, rows);
                assertMatMul(bounds(m, x, 0, n), rows, n, expected, actual, 0, rows, type + " mapped matMul");
            }
        }
    }

    @Test
    void matrixOpsOnOneToFourThreadsAgreeWithTheReference() {
        Random r = new Random(26);
        // big enough to be split into blocks (MIN_BLOCK_ELEMENTS weights each), also for matMul (64 rows a block);
        // a shared arena, since pool threads read the weights
        int rows = 301;
        int cols = 1000;
        int n = 5;
        try (Arena arena = Arena.ofShared()) {
            for (DType type : TYPES) {
                Matrix w = matrix(r, type, rows, cols, arena, type == DType.F32);
                float[] x = activations(r, n * cols);
                float[] expectedVec = new float[rows];
                float[] expectedMul = new float[n * rows];
                REF.matVec(w.data, type, cols, x, 0, expectedVec, 0, 0, rows);
                REF.matMul(w.data, type, rows, cols, x, n, expectedMul, 0, rows);
                double[] bound = bounds(w, x, 0, n);
                for (int threads = 1; threads <= 4; threads++) {
                    try (MatrixOps ops = MatrixOps.of(VEC, threads)) {
                        float[] y = new float[rows];
                        ops.matVec(w.data, type, rows, cols, x, y);
                        assertMatMul(bound, rows, 1, expectedVec, y, 0, rows, type + " matVec on " + threads);
                        float[] ys = new float[n * rows];
                        ops.matMul(w.data, type, rows, cols, x, n, ys);
                        assertMatMul(bound, rows, n, expectedMul, ys, 0, rows, type + " matMul on " + threads);
                        float[] y1 = new float[rows];
                        ops.matMul(w.data, type, rows, cols, x, 1, y1);
                        assertMatMul(bound, rows, 1, expectedVec, y1, 0, rows, type + " matMul n=1 on " + threads);
                    }
                }
            }
        }
    }

    /** Kernels that note which threads computed which rows. */
    static final class Recording implements Kernels {
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final List<int[]> blocks = java.util.Collections.synchronizedList(new ArrayList<>());

        private void note(int r0, int r1) {
            Thread t = Thread.currentThread();
            threads.add(t.getName() + (t.isDaemon() ? " (daemon)" : ""));
            blocks.add(new int[] {r0, r1});
        }

        @Override
        public void matVec(MemorySegment w, DType type, int cols, float[] x, int xOff, float[] y, int yOff, int r0,
                int r1) {
            note(r0, r1);
            VEC.matVec(w, type, cols, x, xOff, y, yOff, r0, r1);
        }

        @Override
        public void matMul(MemorySegment w, DType type, int rows, int cols, float[] x, int n, float[] y, int r0,
                int r1) {
            note(r0, r1);
            VEC.matMul(w, type, rows, cols, x, n, y, r0, r1);
        }

        // @formatter:off
        @Override public String name() { return "recording"; }
        @Override public void load(MemorySegment s, DType t, long f, float[] d, int o, int n) { throw new AssertionError(); }
        @Override public void store(float[] s, int o, int n, MemorySegment d, DType t, long to) { throw new AssertionError(); }
        @Override public void weightedSum(float[][] xs, float[] w, float[] o, int off, int n) { throw new AssertionError(); }
        @Override public void axpy(float a, float[] x, float[] y, int off, int n) { throw new AssertionError(); }
        @Override public void scale(float a, float[] x, int off, int n) { throw new AssertionError(); }
        @Override public void subtract(float[] a, float[] b, float[] o, int off, int n) { throw new AssertionError(); }
        @Override public void lerp(float[] a, float[] b, float t, float[] o, int off, int n) { throw new AssertionError(); }
        @Override public void multiply(float[] x, float[] m, float[] o, int off, int n) { throw new AssertionError(); }
        @Override public double dot(float[] a, float[] b, int off, int n) { throw new AssertionError(); }
        @Override public double sumOfSquares(float[] x, int off, int n) { throw new AssertionError(); }
        @Override public double sumOfAbs(float[] x, int off, int n) { throw new AssertionError(); }
        @Override public float maxAbs(float[] x, int off, int n) { throw new AssertionError(); }
        @Override public void majoritySign(float[][] xs, boolean c, float[] s, int off, int n) { throw new AssertionError(); }
        @Override public void agreement(float[] x, float[] s, float[] m, int off, int n) { throw new AssertionError(); }
        @Override public void bernoulli(long s, long f, float d, float[] m, int off, int n) { throw new AssertionError(); }
        @Override public void aboveMagnitude(float[] x, int b, float[] k, int off, int n) { throw new AssertionError(); }
        @Override public float dot(float[] a, int ao, float[] b, int bo, int n) { throw new AssertionError(); }
        @Override public void axpy(float a, float[] x, int xo, float[] y, int yo, int n) { throw new AssertionError(); }
        @Override public void scaleMultiply(float[] x, int xo, float a, float[] w, float[] o, int oo, int n) { throw new AssertionError(); }
        @Override public double expSum(float[] x, int off, int n, float s) { throw new AssertionError(); }
        @Override public void siluMul(float[] g, float[] u, int off, int n) { throw new AssertionError(); }
        @Override public void rope(float[] x, int off, int h, float[] c, float[] s, int t) { throw new AssertionError(); }
        // @formatter:on
    }

    @Test
    void aSmallMatrixStaysOnTheCallingThreadAndALargeOneUsesNamedDaemonThreads() {
        Random r = new Random(27);
        try (Arena arena = Arena.ofShared()) {
            Matrix small = matrix(r, DType.F32, 64, 64, arena, false);
            Matrix large = matrix(r, DType.BF16, 512, 1024, arena, false);
            float[] x = activations(r, 1024);
            Recording k = new Recording();
            try (MatrixOps ops = MatrixOps.of(k, 3)) {
                ops.matVec(small.data, DType.F32, 64, 64, x, new float[64]);
                assertEquals(Set.of(Thread.currentThread().getName()), k.threads.stream()
                        .map(s -> s.replace(" (daemon)", "")).collect(java.util.stream.Collectors.toSet()),
                        "a 64×64 matrix is not worth a hand-off");
                k.threads.clear();
                k.blocks.clear();
                ops.matVec(large.data, DType.BF16, 512, 1024, x, new float[512]);
                assertEquals(3, k.threads.size(), "threads that computed a 512×1024 matrix: " + k.threads);
                assertEquals(2, k.threads.stream().filter(t -> t.matches("kumiki-matrix-\\d+-\\d+ \\(daemon\\)"))
                        .count(), "named daemon pool threads: " + k.threads);
                // the blocks tile [0, 512) exactly, on multiples of four rows
                List<int[]> blocks = new ArrayList<>(k.blocks);
                blocks.sort(java.util.Comparator.comparingInt(b -> b[0]));
                int next = 0;
                for (int[] b : blocks) {
                    assertEquals(next, b[0]);
                    assertEquals(0, b[0] % 4, "block start " + b[0]);
                    next = b[1];
                }
                assertEquals(512, next);
            }
        }
    }

    @Test
    void callsFromTwoThreadsAtOnceAndFromInsideABlockGiveTheSameResults() throws Exception {
        Random r = new Random(29);
        try (Arena arena = Arena.ofShared(); MatrixOps ops = MatrixOps.of(VEC, 3)) {
            Matrix w = matrix(r, DType.BF16, 512, 1024, arena, false);
            float[] x = activations(r, 1024);
            float[] expected = new float[512];
            REF.matVec(w.data, DType.BF16, 1024, x, 0, expected, 0, 0, 512);
            // two callers share the workers: one of them runs on its own thread whenever the other holds them (the
            // results are compared with the reference's tolerance, not bit for bit: the interpreter's and the
            // compiled Vector API sum lanes in different orders while the JIT warms up)
            List<Thread> callers = new ArrayList<>();
            List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int c = 0; c < 2; c++) {
                Thread t = new Thread(() -> {
                    float[] y = new float[512];
                    for (int i = 0; i < 300; i++) {
                        java.util.Arrays.fill(y, Float.NaN);
                        ops.matVec(w.data, DType.BF16, 512, 1024, x, y);
                        try {
                            assertMatVec(w, x, 0, expected, y, 0, 0, 512, "call " + i);
                        } catch (AssertionError e) {
                            wrong.add(Thread.currentThread().getName() + ": " + e.getMessage());
                        }
                    }
                }, "caller-" + c);
                callers.add(t);
                t.start();
            }
            for (Thread t : callers) {
                t.join();
            }
            assertEquals(List.of(), wrong.subList(0, Math.min(3, wrong.size())), wrong.size() + " calls were wrong");
            // a split inside a block runs on the block's thread
            Set<String> mismatched = ConcurrentHashMap.newKeySet();
            Set<String> outer = ConcurrentHashMap.newKeySet();
            ops.split(300, 1, (r0, r1) -> {
                String mine = Thread.currentThread().getName();
                outer.add(mine);
                ops.split(300, 1, (a, b) -> {
                    if (!Thread.currentThread().getName().equals(mine)) {
                        mismatched.add(mine + " -> " + Thread.currentThread().getName());
                    }
                });
            });
            assertEquals(3, outer.size(), "threads of the outer split: " + outer);
            assertEquals(Set.of(), mismatched, "inner blocks that ran on another thread");
        }
    }

    @Test
    void aFailureInAnyBlockReachesTheCallerAfterAllBlocksEnded() {
        try (MatrixOps ops = MatrixOps.of(VEC, 3)) {
            Set<Integer> ended = ConcurrentHashMap.newKeySet();
            var e = assertThrows(IllegalArgumentException.class, () -> ops.split(300, 1, (r0, r1) -> {
                try {
                    if (r0 == 200) {
                        throw new IllegalArgumentException("block [" + r0 + ", " + r1 + ") failed");
                    }
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                } finally {
                    ended.add(r0);
                }
            }));
            assertEquals("block [200, 300) failed", e.getMessage());
            assertEquals(Set.of(0, 100, 200), ended, "blocks still running when split returned");

            var error = assertThrows(AssertionError.class, () -> ops.split(300, 1, (r0, r1) -> {
                if (r0 == 0) {
                    throw new AssertionError("the caller's block failed");
                }
            }));
            assertEquals("the caller's block failed", error.getMessage());
        }
    }

    @Test
    void anInterruptedCallerStillGetsTheWholeResultAndKeepsItsInterrupt() {
        Random r = new Random(28);
        try (Arena arena = Arena.ofShared(); MatrixOps ops = MatrixOps.of(VEC, 2)) {
            Matrix w = matrix(r, DType.F32, 256, 1024, arena, false);
            float[] x = activations(r, 1024);
            float[] expected = new float[256];
            float[] y = new float[256];
            REF.matVec(w.data, DType.F32, 1024, x, 0, expected, 0, 0, 256);
            Thread.currentThread().interrupt();
            ops.matVec(w.data, DType.F32, 256, 1024, x, y);
            assertTrue(Thread.interrupted(), "the interrupt status was lost");
            assertMatVec(w, x, 0, expected, y, 0, 0, 256, "interrupted");
        }
    }

    @Test
    void aClosedMatrixOpsSaysSo() {
        MatrixOps ops = MatrixOps.of(VEC, 2);
        assertSame(VEC, ops.kernels());
        ops.close();
        var e = assertThrows(IllegalStateException.class, () -> ops.split(10, 1, (r0, r1) -> { }));
        assertEquals("this MatrixOps is closed; make a new one with MatrixOps.of", e.getMessage());
        var t = assertThrows(IllegalArgumentException.class, () -> MatrixOps.of(VEC, 0));
        assertEquals("threads must be at least 1, not 0", t.getMessage());
    }

    @Test
    void weightsOfAnotherTypeAreRefusedByName() {
        MemorySegment w = MemorySegment.ofArray(new byte[64]);
        var e = assertThrows(IllegalArgumentException.class,
                () -> VEC.matVec(w, DType.I8, 8, new float[8], 0, new float[8], 0, 0, 8));
        assertEquals("matrix kernels compute on F32, F16 and BF16 weights, not I8", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> VEC.matMul(w, DType.I32, 2, 8, new float[64], 8, new float[16], 0, 2));
        assertEquals("matrix kernels compute on F32, F16 and BF16 weights, not I32", e.getMessage());
    }

    @Test
    void aHeapMatrixTooShortForTheRowsIsAnError() {
        MemorySegment w = MemorySegment.ofArray(new float[10]);
        var e = assertThrows(IndexOutOfBoundsException.class,
                () -> VEC.matVec(w, DType.F32, 4, new float[4], 0, new float[3], 0, 0, 3));
        assertTrue(e.getMessage().contains("the weight segment has 40"), e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void theStreamingReadSumsEveryFloat() {
        float[] v = new float[10_000 + 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i % 7) - 3;
        }
        double expected = 0;
        for (float f : v) {
            expected += f;
        }
        try (MatrixOps ops = MatrixOps.of(VEC, 2)) {
            assertEquals(expected, StreamRead.sum(ops, MemorySegment.ofArray(v)), 0.0);
            assertEquals(0.0, StreamRead.sum(ops, MemorySegment.ofArray(new byte[3])), 0.0);
        }
    }
}
