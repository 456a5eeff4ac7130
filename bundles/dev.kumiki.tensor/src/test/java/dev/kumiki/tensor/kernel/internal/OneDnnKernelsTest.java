package dev.kumiki.tensor.kernel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.hardware.Backend;
import dev.kumiki.tensor.hardware.Cpu;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.hardware.VectorSupport;
import dev.kumiki.tensor.kernel.Kernels;
import dev.kumiki.tensor.kernel.MatrixOps;

/**
 * oneDNN's bf16 products against the scalar reference given the same bf16-rounded activations: oneDNN multiplies
 * bf16 pairs exactly and adds in float, so the difference is bounded as for any float summation order (Higham's
 * {@code γ(m) · Σ|w·x|}, see {@code MatrixKernelsTest}). Needs Debian's libdnnl2, which {@code ./run-tests} installs.
 */
class OneDnnKernelsTest {
    static final Kernels REF = Kernels.scalar();
    static final Kernels VEC = VectorKernels.preferred();
    static Kernels dnnl;

    @BeforeAll
    static void load() {
        // the library is one of the packages ./run-tests installs: a missing one is a failure, not a skip
        dnnl = OneDnnKernels.wrap(VEC);
        assertTrue(OneDnnKernels.version().matches("\\d+\\.\\d+\\.\\d+"), OneDnnKernels.version());
    }

    static MemorySegment bf16Weights(Random r, int rows, int cols, Arena arena) {
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * (r.nextInt(8) == 0 ? 30 : 0.5f);
        }
        MemorySegment data = arena.allocate((long) w.length * 2, 2);
        REF.store(w, 0, w.length, data, DType.BF16, 0);
        return data;
    }

    static float[] activations(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian() * (i % 7 == 0 ? 100 : 1);
        }
        return x;
    }

    /** {@code x} rounded to bf16 (nearest even) and back. */
    static float[] roundedToBf16(float[] x) {
        MemorySegment s = MemorySegment.ofArray(new short[x.length]);
        REF.store(x, 0, x.length, s, DType.BF16, 0);
        float[] back = new float[x.length];
        REF.load(s, DType.BF16, 0, back, 0, x.length);
        return back;
    }

    static void assertCloseToReference(MemorySegment w, int rows, int cols, float[] x, int n, float[] actual,
            int r0, int r1, String what) {
        float[] xr = roundedToBf16(x);
        float[] expected = new float[n * rows];
        REF.matMul(w, DType.BF16, rows, cols, xr, n, expected, 0, rows);
        float[] wf = new float[rows * cols];
        REF.load(w, DType.BF16, 0, wf, 0, rows * cols);
        double u = 0x1p-24;
        double gamma = (cols + 1) * u / (1 - (cols + 1) * u);
        for (int t = 0; t < n; t++) {
            for (int r = r0; r < r1; r++) {
                double abs = 0;
                for (int c = 0; c < cols; c++) {
                    abs += Math.abs((double) wf[r * cols + c] * xr[t * cols + c]);
                }
                assertEquals(expected[t * rows + r], actual[t * rows + r], gamma * abs + Float.MIN_NORMAL,
                        what + " token " + t + " row " + r);
            }
        }
    }

    @Test
    void bf16ProductsEqualTheReferenceOnBf16RoundedActivations() {
        Random r = new Random(31);
        int[][] shapes = {{1, 1}, {7, 3}, {33, 65}, {130, 257}, {64, 1030}};
        int[] tokens = {OneDnnKernels.MIN_TOKENS, OneDnnKernels.MIN_TOKENS + 1, 40, 131};
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : shapes) {
                MemorySegment w = bf16Weights(r, shape[0], shape[1], arena);
                for (int n : tokens) {
                    float[] x = activations(r, n * shape[1]);
                    float[] y = new float[n * shape[0]];
                    dnnl.matMul(w, DType.BF16, shape[0], shape[1], x, n, y, 0, shape[0]);
                    assertCloseToReference(w, shape[0], shape[1], x, n, y, 0, shape[0],
                            shape[0] + "×" + shape[1] + " n=" + n);
                }
            }
        }
    }

    @Test
    void onlyTheRowsAskedAreWrittenAndBlocksOrThreadsChangeNothingButTheOrderOfSums() {
        Random r = new Random(32);
        int rows = 300, cols = 96, n = 24;
        try (Arena arena = Arena.ofShared(); MatrixOps two = MatrixOps.of(dnnl, 2)) {
            MemorySegment w = bf16Weights(r, rows, cols, arena);
            float[] x = activations(r, n * cols);
            float[] part = new float[n * rows];
            Arrays.fill(part, Float.NaN);
            dnnl.matMul(w, DType.BF16, rows, cols, x, n, part, 70, 201);
            assertCloseToReference(w, rows, cols, x, n, part, 70, 201, "rows 70..201");
            for (int t = 0; t < n; t++) {
                for (int row : new int[] {0, 69, 201, rows - 1}) {
                    assertTrue(Float.isNaN(part[t * rows + row]), "row " + row + " of token " + t + " was written");
                }
            }
            float[] one = new float[n * rows];
            dnnl.matMul(w, DType.BF16, rows, cols, x, n, one, 0, rows);
            float[] both = new float[n * rows];
            two.matMul(w, DType.BF16, rows, cols, x, n, both);
            assertCloseToReference(w, rows, cols, x, n, both, 0, rows, "one call on two OpenMP threads");
            float[] blocks = new float[n * rows];
            dnnl.matMul(w, DType.BF16, rows, cols, x, n, blocks, 0, 150);
            dnnl.matMul(w, DType.BF16, rows, cols, x, n, blocks, 150, rows);
            assertArrayEquals(one, blocks, "oneDNN sums each row in the same order whatever the row block");
        }
    }

    @Test
    void fewTokensAndOtherTypesGoToTheWrappedKernelsUnchanged() {
        Random r = new Random(33);
        int rows = 40, cols = 70;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bf16 = bf16Weights(r, rows, cols, arena);
            int few = OneDnnKernels.MIN_TOKENS - 1;
            float[] x = activations(r, few * cols);
            float[] expected = new float[few * rows];
            float[] actual = new float[few * rows];
            VEC.matMul(bf16, DType.BF16, rows, cols, x, few, expected, 0, rows);
            dnnl.matMul(bf16, DType.BF16, rows, cols, x, few, actual, 0, rows);
            assertArrayEquals(expected, actual, "a short prompt keeps float activations");

            int n = 20;
            float[] wf = activations(r, rows * cols);
            MemorySegment f32 = MemorySegment.ofArray(wf);
            float[] xs = activations(r, n * cols);
            float[] e32 = new float[n * rows];
            float[] a32 = new float[n * rows];
            VEC.matMul(f32, DType.F32, rows, cols, xs, n, e32, 0, rows);
            dnnl.matMul(f32, DType.F32, rows, cols, xs, n, a32, 0, rows);
            assertArrayEquals(e32, a32, "F32 weights are not rounded");

            MemorySegment heap = MemorySegment.ofArray(new byte[rows * cols * 2]);
            MemorySegment.copy(bf16, 0, heap, 0, heap.byteSize());
            VEC.matMul(heap, DType.BF16, rows, cols, xs, n, e32, 0, rows);
            dnnl.matMul(heap, DType.BF16, rows, cols, xs, n, a32, 0, rows);
            assertArrayEquals(e32, a32, "weights on the heap stay with the wrapped kernels");
        }
        assertEquals(VEC.name() + "+onednn", dnnl.name());
    }

    static HardwareProfile profile(String arch, List<String> flags) {
        Cpu cpu = new Cpu("AMD", "EPYC", OptionalInt.empty(), OptionalInt.empty(), flags, false, 0, "AVX-512");
        return new HardwareProfile("Linux", arch, cpu, 2, 2, List.of(), 1L << 34, 1L << 30, VectorSupport.of(512),
                Backend.VECTOR, "test");
    }

    @Test
    void usedOnlyWhereItIsFasterAndNotTurnedOff() {
        HardwareProfile bf16Cpu = profile("amd64", List.of("avx512f", "avx512_bf16"));
        HardwareProfile avx2Cpu = profile("amd64", List.of("avx2"));
        assertNull(OneDnnKernels.unavailable(bf16Cpu));
        assertEquals(VEC.name() + "+onednn", OneDnnKernels.wrapIfUseful(VEC, bf16Cpu).name());
        assertEquals("this CPU has no bfloat16 dot product (avx512_bf16), so it would not be faster",
                OneDnnKernels.unavailable(avx2Cpu));
        assertSame(VEC, OneDnnKernels.wrapIfUseful(VEC, avx2Cpu));
        assertEquals("used on x86-64 Linux only",
                OneDnnKernels.unavailable(profile("aarch64", List.of("sve", "avx512_bf16"))));
        String before = System.getProperty(OneDnnKernels.PROPERTY);
        System.setProperty(OneDnnKernels.PROPERTY, "false");
        try {
            assertEquals("turned off (-Dkumiki.onednn=false)", OneDnnKernels.unavailable(bf16Cpu));
            assertSame(VEC, OneDnnKernels.wrapIfUseful(VEC, bf16Cpu));
        } finally {
            if (before == null) {
                System.clearProperty(OneDnnKernels.PROPERTY);
            } else {
                System.setProperty(OneDnnKernels.PROPERTY, before);
            }
        }
    }
}
