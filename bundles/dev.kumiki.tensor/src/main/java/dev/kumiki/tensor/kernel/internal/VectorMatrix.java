package dev.kumiki.tensor.kernel.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.kumiki.tensor.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix kernels of {@link VectorKernels}. {@code matVec} (decode) is memory-bound: it streams four weight rows
 * at a time against one x vector (F16 one row, two vectors a step), widening BF16 and F16 in registers. {@code matMul} (prefill) is compute-bound: a GEMM over packed blocks — tokens transposed
 * into panels of two vectors, weight blocks widened to F32 once — with a 6 × 2-vector register tile in which every
 * loaded vector feeds six FMAs and every broadcast weight two.
 * <p>
 * Every hot loop is its own small method: C2 compiles small, often-called methods fully, while a long method with
 * the loop inside stays in OSR code. Helpers called inside hot loops stay tiny (or are written out): C2 gives up
 * intrinsifying Vector API calls past its inlining depth and size limits, and a missed intrinsic costs 10×.
 */
final class VectorMatrix {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    // constants, so that C2 turns the Vector API calls into SIMD instructions
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Half as wide: as many 16-bit elements as {@link #F} has float lanes. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int L = F.length();

    /** Weight rows of one GEMM micro-tile; its tokens are {@link #P} (two vectors). */
    static final int MR = 6;
    /** Tokens of a packed panel: two vectors, so that one weight broadcast feeds two FMAs per row. */
    static final int P = 2 * L;
    /** Columns of a packed block: a panel slice (P × KC floats) and a weight block (RC × KC) stay in L2. */
    static final int KC = 512;
    /** Rows of a packed weight block (a multiple of MR): 120 × 512 floats = 240 KiB. */
    static final int RC = 120;
    /** Tokens packed at once: bounds the per-thread scratch (TB × cols floats). */
    static final int TB = 8 * P;
    /** Below this many tokens the GEMM's padded panels waste more than dot products over cached rows cost. */
    static final int MIN_GEMM_TOKENS = 4;

    private VectorMatrix() {
    }

    // ---------------------------------------------------------------- streaming read

    /** The sum of bytes {@code [from, to)} read as F32 lanes (a multiple of 4 bytes): a bandwidth baseline. */
    static double streamSum(MemorySegment m, long from, long to) {
        var a0 = FloatVector.zero(F);
        var a1 = FloatVector.zero(F);
        var a2 = FloatVector.zero(F);
        var a3 = FloatVector.zero(F);
        long step = 4L * F.vectorByteSize();
        long at = from;
        for (; at + step <= to; at += step) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, m, at, LE));
            a1 = a1.add(FloatVector.fromMemorySegment(F, m, at + F.vectorByteSize(), LE));
            a2 = a2.add(FloatVector.fromMemorySegment(F, m, at + 2L * F.vectorByteSize(), LE));
            a3 = a3.add(FloatVector.fromMemorySegment(F, m, at + 3L * F.vectorByteSize(), LE));
        }
        double s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; at + 4 <= to; at += 4) {
            s += m.get(F32, at);
        }
        return s;
    }

    // ---------------------------------------------------------------- matVec

    static void matVec(MemorySegment w, DType type, int cols, float[] x, int xOff, float[] y, int yOff, int r0,
            int r1) {
        long rowBytes = (long) cols * type.bytes();
        int r = r0;
        switch (type) {
            case F32 -> {
                if (w.heapBase().orElse(null) instanceof float[] a && w.address() % 4 == 0) {
                    // a model computed in memory: plain array loads, which C2 compiles tighter than segment loads
                    checkBounds(w, rowBytes, r1);
                    int base = (int) (w.address() / 4);
                    for (; r + 4 <= r1; r += 4) {
                        f32Rows4(a, base + r * cols, cols, cols, x, xOff, y, yOff + r);
                    }
                    for (; r < r1; r++) {
                        y[yOff + r] = f32Row(a, base + r * cols, cols, x, xOff);
                    }
                    return;
                }
                for (; r + 4 <= r1; r += 4) {
                    f32Rows4(w, r * rowBytes, rowBytes, cols, x, xOff, y, yOff + r);
                }
                for (; r < r1; r++) {
                    y[yOff + r] = f32Row(w, r * rowBytes, cols, x, xOff);
                }
            }
            case BF16 -> {
                for (; r + 4 <= r1; r += 4) {
                    bf16Rows4(w, r * rowBytes, rowBytes, cols, x, xOff, y, yOff + r);
                }
                for (; r < r1; r++) {
                    y[yOff + r] = bf16Row(w, r * rowBytes, cols, x, xOff);
                }
            }
            case F16 -> {
                for (; r < r1; r++) {
                    y[yOff + r] = f16Row(w, r * rowBytes, cols, x, xOff);
                }
            }
            default -> throw new IllegalArgumentException(
                    "matrix kernels compute on F32, F16 and BF16 weights, not " + type);
        }
    }

    /** BF16 is the upper half of an F32: widen the 16-bit lanes and shift them up. */
    private static FloatVector bf16(MemorySegment w, long at) {
        var h = (IntVector) ShortVector.fromMemorySegment(S, w, at, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static void f32Rows4(MemorySegment w, long at, long stride, int cols, float[] x, int xOff, float[] y,
            int yAt) {
        var a0 = FloatVector.zero(F);
        var a1 = FloatVector.zero(F);
        var a2 = FloatVector.zero(F);
        var a3 = FloatVector.zero(F);
        int k = 0;
        for (int bound = F.loopBound(cols); k < bound; k += L) {
            var xv = FloatVector.fromArray(F, x, xOff + k);
            long b = at + k * 4L;
            a0 = FloatVector.fromMemorySegment(F, w, b, LE).fma(xv, a0);
            a1 = FloatVector.fromMemorySegment(F, w, b + stride, LE).fma(xv, a1);
            a2 = FloatVector.fromMemorySegment(F, w, b + 2 * stride, LE).fma(xv, a2);
            a3 = FloatVector.fromMemorySegment(F, w, b + 3 * stride, LE).fma(xv, a3);
        }
        y[yAt] = a0.reduceLanes(VectorOperators.ADD) + f32Tail(w, at, k, cols, x, xOff);
        y[yAt + 1] = a1.reduceLanes(VectorOperators.ADD) + f32Tail(w, at + stride, k, cols, x, xOff);
        y[yAt + 2] = a2.reduceLanes(VectorOperators.ADD) + f32Tail(w, at + 2 * stride, k, cols, x, xOff);
        y[yAt + 3] = a3.reduceLanes(VectorOperators.ADD) + f32Tail(w, at + 3 * stride, k, cols, x, xOff);
    }

    private static void checkBounds(MemorySegment w, long rowBytes, int r1) {
        if (rowBytes * r1 > w.byteSize()) {
            throw new IndexOutOfBoundsException("rows up to " + r1 + " of " + rowBytes + " bytes need "
                    + rowBytes * r1 + " bytes, the weight segment has " + w.byteSize());
        }
    }

    private static void f32Rows4(float[] w, int at, int stride, int cols, float[] x, int xOff, float[] y, int yAt) {
        var a0 = FloatVector.zero(F);
        var a1 = FloatVector.zero(F);
        var a2 = FloatVector.zero(F);
        var a3 = FloatVector.zero(F);
        int k = 0;
        for (int bound = F.loopBound(cols); k < bound; k += L) {
            var xv = FloatVector.fromArray(F, x, xOff + k);
            int b = at + k;
            a0 = FloatVector.fromArray(F, w, b).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w, b + stride).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w, b + 2 * stride).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w, b + 3 * stride).fma(xv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; k < cols; k++) {
            float xk = x[xOff + k];
            s0 += w[at + k] * xk;
            s1 += w[at + stride + k] * xk;
            s2 += w[at + 2 * stride + k] * xk;
            s3 += w[at + 3 * stride + k] * xk;
        }
        y[yAt] = s0;
        y[yAt + 1] = s1;
        y[yAt + 2] = s2;
        y[yAt + 3] = s3;
    }

    private static float f32Row(float[] w, int at, int cols, float[] x, int xOff) {
        var a0 = FloatVector.zero(F);
        int k = 0;
        for (int bound = F.loopBound(cols); k < bound; k += L) {
            a0 = FloatVector.fromArray(F, w, at + k).fma(FloatVector.fromArray(F, x, xOff + k), a0);
        }
        float s = a0.reduceLanes(VectorOperators.ADD);
        for (; k < cols; k++) {
            s += w[at + k] * x[xOff + k];
        }
        return s;
    }

    private static float f32Row(MemorySegment w, long at, int cols, float[] x, int xOff) {
        var a0 = FloatVector.zero(F);
        int k = 0;
        for (int bound = F.loopBound(cols); k < bound; k += L) {
            a0 = FloatVector.fromMemorySegment(F, w, at + k * 4L, LE).fma(FloatVector.fromArray(F, x, xOff + k), a0);
        }
        return a0.reduceLanes(VectorOperators.ADD) + f32Tail(w, at, k, cols, x, xOff);
    }

    private static float f32Tail(MemorySegment w, long at, int k, int cols, float[] x, int xOff) {
        float s = 0;
        for (; k < cols; k++) {
            s += w.get(F32, at + k * 4L) * x[xOff + k];
        }
        return s;
    }

    private static void bf16Rows4(MemorySegment w, long at, long stride, int cols, float[] x, int xOff, float[] y,
            int yAt) {
        var a0 = FloatVector.zero(F);
        var a1 = FloatVector.zero(F);
        var a2 = FloatVector.zero(F);
        var a3 = FloatVector.zero(F);
        int k = 0;
        for (int bound = F.loopBound(cols); k < bound; k += L) {
            // the conversion written out: through a helper, C2 hits its inlining depth and stops intrinsifying
            var xv = FloatVector.fromArray(F, x, xOff + k);
            long b = at + k * 2L;
            var h0 = (IntVector) ShortVector.fromMemorySegment(S, w, b, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            var h1 = (IntVector) ShortVector.fromMemorySegment(S, w, b + stride, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            var h2 = (IntVector) ShortVector.fromMemorySegment(S, w, b + 2 * stride, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            var h3 = (IntVector) ShortVector.fromMemorySegment(S, w, b + 3 * stride, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            a0 = h0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xv, a0);
            a1 = h1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xv, a1);
            a2 = h2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xv, a2);
            a3 = h3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xv, a3);
        }
        y[yAt] = a0.reduceLanes(VectorOperators.ADD) + bf16Tail(w, at, k, cols, x, xOff);
        y[yAt + 1] = a1.reduceLanes(VectorOperators.ADD) + bf16Tail(w, at + stride, k, cols, x, xOff);
        y[yAt + 2] = a2.reduceLanes(VectorOperators.ADD) + bf16Tail(w, at + 2 * stride, k, cols, x, xOff);
        y[yAt + 3] = a3.reduceLanes(VectorOperators.ADD) + bf16Tail(w, at + 3 * stride, k, cols, x, xOff);
    }

    private static float bf16Row(MemorySegment w, long at, int cols, float[] x, int xOff) {
        var a0 = FloatVector.zero(F);
        int k = 0;
        for (int bound = F.loopBound(cols); k < bound; k += L) {
            a0 = bf16(w, at + k * 2L).fma(FloatVector.fromArray(F, x, xOff + k), a0);
        }
        return a0.reduceLanes(VectorOperators.ADD) + bf16Tail(w, at, k, cols, x, xOff);
    }

    /**
     * One F16 row, two vectors a step. The Vector API has no conversion from half, so it is written out here (in a
     * helper C2 stops intrinsifying; four rows of it exceed its inlining budget): the exponent-and-mantissa bits
     * moved to a float's place and scaled by 2¹¹² give normal and subnormal numbers exactly, the top exponent
     * (infinities, NaNs) is set instead, and the sign goes back in last.
     */
    private static float f16Row(MemorySegment w, long at, int cols, float[] x, int xOff) {
        var a0 = FloatVector.zero(F);
        var a1 = FloatVector.zero(F);
        int k = 0;
        for (int bound = F.loopBound(cols) - L; k < bound; k += 2 * L) {
            long b = at + k * 2L;
            var h0 = (IntVector) ShortVector.fromMemorySegment(S, w, b, LE).convertShape(VectorOperators.S2I, I, 0);
            var h1 = (IntVector) ShortVector.fromMemorySegment(S, w, b + 2L * L, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            var m0 = h0.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000);
            var m1 = h1.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000);
            var f0 = m0.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(m0.or(0x7F800000), h0.and(0x7C00).compare(VectorOperators.EQ, 0x7C00))
                    .or(h0.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretAsFloats();
            var f1 = m1.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                    .blend(m1.or(0x7F800000), h1.and(0x7C00).compare(VectorOperators.EQ, 0x7C00))
                    .or(h1.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretAsFloats();
            a0 = f0.fma(FloatVector.fromArray(F, x, xOff + k), a0);
            a1 = f1.fma(FloatVector.fromArray(F, x, xOff + k + L), a1);
        }
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; k < cols; k++) {
            s += Float.float16ToFloat(w.get(I16, at + k * 2L)) * x[xOff + k];
        }
        return s;
    }

    private static float bf16Tail(MemorySegment w, long at, int k, int cols, float[] x, int xOff) {
        float s = 0;
        for (; k < cols; k++) {
            s += Float.intBitsToFloat(w.get(I16, at + k * 2L) << 16) * x[xOff + k];
        }
        return s;
    }

    // ---------------------------------------------------------------- matMul

    /** Per-thread packing buffers, grown on demand (bounded by TB × cols, RC × KC and RC × TB floats). */
    private static final class Scratch {
        float[] panels = new float[0];
        final float[] weights = new float[RC * KC];
        final float[] sums = new float[RC * TB];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Loops, outside in: groups of TB tokens (packed into panels once), blocks of RC rows, blocks of KC columns (the
     * weight block widened once, then used by every panel), panels of P tokens, micro-tiles of MR rows. The tiles
     * accumulate into a block of sums that goes to Y once per row block, in runs of contiguous rows.
     */
    static void matMul(MemorySegment w, DType type, int rows, int cols, float[] x, int n, float[] y, int r0,
            int r1) {
        if (type != DType.F32 && type != DType.BF16 && type != DType.F16) {
            throw new IllegalArgumentException("matrix kernels compute on F32, F16 and BF16 weights, not " + type);
        }
        if (n < MIN_GEMM_TOKENS) {
            for (int t = 0; t < n; t++) {
                matVec(w, type, cols, x, t * cols, y, t * rows, r0, r1);
            }
            return;
        }
        Scratch s = SCRATCH.get();
        for (int t0 = 0; t0 < n; t0 += TB) {
            int tn = Math.min(TB, n - t0);
            int panels = (tn + P - 1) / P;
            if (s.panels.length < panels * P * cols) {
                s.panels = new float[panels * P * cols];
            }
            packTokens(x, cols, t0, tn, s.panels);
            for (int rc = r0; rc < r1; rc += RC) {
                int rn = Math.min(RC, r1 - rc);
                java.util.Arrays.fill(s.sums, 0, panels * RC * P, 0f);
                for (int k0 = 0; k0 < cols; k0 += KC) {
                    int kc = Math.min(KC, cols - k0);
                    packWeights(w, type, cols, rc, rn, k0, kc, s.weights);
                    for (int g = 0; g < panels; g++) {
                        int panelAt = (g * cols + k0) * P;
                        boolean wide = tn - g * P > L;
                        for (int i = 0; i < rn; i += MR) {
                            int sumsAt = (g * RC + i) * P;
                            if (wide) {
                                tile6x2(s.weights, i * kc, kc, s.panels, panelAt, s.sums, sumsAt);
                            } else {
                                tile6x1(s.weights, i * kc, kc, s.panels, panelAt, s.sums, sumsAt);
                            }
                        }
                    }
                }
                for (int g = 0; g < panels; g++) {
                    int tg = t0 + g * P;
                    int tokens = Math.min(P, n - tg);
                    for (int j = 0; j < tokens; j++) {
                        unpack(s.sums, g * RC * P + j, y, (tg + j) * rows + rc, rn);
                    }
                }
            }
        }
    }

    /** One token's sums of a row block ({@code P} apart in the block) into its row of Y. */
    private static void unpack(float[] sums, int from, float[] y, int to, int rn) {
        for (int i = 0; i < rn; i++) {
            y[to + i] = sums[from + i * P];
        }
    }

    /**
     * Tokens {@code [t0, t0+tn)} of X transposed into panels of P tokens: {@code panels[(g·cols + c)·P + j] =
     * X[t0 + g·P + j, c]}, zero past the last token so that the tiles need no tail.
     */
    private static void packTokens(float[] x, int cols, int t0, int tn, float[] panels) {
        int count = (tn + P - 1) / P;
        for (int g = 0; g < count; g++) {
            int tokens = Math.min(P, tn - g * P);
            for (int j = 0; j < P; j++) {
                if (j < tokens) {
                    transposeToken(x, (t0 + g * P + j) * cols, cols, panels, g * cols * P + j);
                } else {
                    zeroLane(cols, panels, g * cols * P + j);
                }
            }
        }
    }

    private static void transposeToken(float[] x, int from, int cols, float[] panels, int to) {
        for (int c = 0; c < cols; c++) {
            panels[to + c * P] = x[from + c];
        }
    }

    private static void zeroLane(int cols, float[] panels, int to) {
        for (int c = 0; c < cols; c++) {
            panels[to + c * P] = 0f;
        }
    }

    /**
     * Rows {@code [rc, rc+rn)}, columns {@code [k0, k0+kc)} of W as floats, row after row ({@code kc} apart), padded
     * with zero rows to a multiple of MR; BF16 and F16 are widened here, once per block rather than once per token.
     */
    private static void packWeights(MemorySegment w, DType type, int cols, int rc, int rn, int k0, int kc,
            float[] out) {
        for (int i = 0; i < rn; i++) {
            long at = ((long) (rc + i) * cols + k0) * type.bytes();
            switch (type) {
                case F32 -> widenF32(w, at, kc, out, i * kc);
                case BF16 -> widenBf16(w, at, kc, out, i * kc);
                default -> widenF16(w, at, kc, out, i * kc);
            }
        }
        int padded = (rn + MR - 1) / MR * MR;
        java.util.Arrays.fill(out, rn * kc, padded * kc, 0f);
    }

    private static void widenF32(MemorySegment w, long at, int n, float[] out, int off) {
        MemorySegment.copy(w, F32, at, out, off, n);
    }

    private static void widenBf16(MemorySegment w, long at, int n, float[] out, int off) {
        int k = 0;
        for (int bound = F.loopBound(n); k < bound; k += L) {
            bf16(w, at + k * 2L).intoArray(out, off + k);
        }
        for (; k < n; k++) {
            out[off + k] = Float.intBitsToFloat(w.get(I16, at + k * 2L) << 16);
        }
    }

    private static void widenF16(MemorySegment w, long at, int n, float[] out, int off) {
        for (int k = 0; k < n; k++) {
            out[off + k] = Float.float16ToFloat(w.get(I16, at + k * 2L));
        }
    }

    /**
     * The micro-kernel: MR weight rows × P tokens, twelve accumulators. Per column one broadcast weight feeds two
     * FMAs and the two panel vectors are reused by all six rows.
     */
    private static void tile6x2(float[] wp, int w0, int kc, float[] xp, int x0, float[] out, int o) {
        var c00 = FloatVector.fromArray(F, out, o);
        var c01 = FloatVector.fromArray(F, out, o + L);
        var c10 = FloatVector.fromArray(F, out, o + P);
        var c11 = FloatVector.fromArray(F, out, o + P + L);
        var c20 = FloatVector.fromArray(F, out, o + 2 * P);
        var c21 = FloatVector.fromArray(F, out, o + 2 * P + L);
        var c30 = FloatVector.fromArray(F, out, o + 3 * P);
        var c31 = FloatVector.fromArray(F, out, o + 3 * P + L);
        var c40 = FloatVector.fromArray(F, out, o + 4 * P);
        var c41 = FloatVector.fromArray(F, out, o + 4 * P + L);
        var c50 = FloatVector.fromArray(F, out, o + 5 * P);
        var c51 = FloatVector.fromArray(F, out, o + 5 * P + L);
        for (int c = 0; c < kc; c++) {
            int xi = x0 + c * P;
            var v0 = FloatVector.fromArray(F, xp, xi);
            var v1 = FloatVector.fromArray(F, xp, xi + L);
            int wi = w0 + c;
            var b = FloatVector.broadcast(F, wp[wi]);
            c00 = v0.fma(b, c00);
            c01 = v1.fma(b, c01);
            b = FloatVector.broadcast(F, wp[wi + kc]);
            c10 = v0.fma(b, c10);
            c11 = v1.fma(b, c11);
            b = FloatVector.broadcast(F, wp[wi + 2 * kc]);
            c20 = v0.fma(b, c20);
            c21 = v1.fma(b, c21);
            b = FloatVector.broadcast(F, wp[wi + 3 * kc]);
            c30 = v0.fma(b, c30);
            c31 = v1.fma(b, c31);
            b = FloatVector.broadcast(F, wp[wi + 4 * kc]);
            c40 = v0.fma(b, c40);
            c41 = v1.fma(b, c41);
            b = FloatVector.broadcast(F, wp[wi + 5 * kc]);
            c50 = v0.fma(b, c50);
            c51 = v1.fma(b, c51);
        }
        c00.intoArray(out, o);
        c01.intoArray(out, o + L);
        c10.intoArray(out, o + P);
        c11.intoArray(out, o + P + L);
        c20.intoArray(out, o + 2 * P);
        c21.intoArray(out, o + 2 * P + L);
        c30.intoArray(out, o + 3 * P);
        c31.intoArray(out, o + 3 * P + L);
        c40.intoArray(out, o + 4 * P);
        c41.intoArray(out, o + 4 * P + L);
        c50.intoArray(out, o + 5 * P);
        c51.intoArray(out, o + 5 * P + L);
    }

    /** The micro-kernel for a last panel of at most L tokens. */
    private static void tile6x1(float[] wp, int w0, int kc, float[] xp, int x0, float[] out, int o) {
        var c0 = FloatVector.fromArray(F, out, o);
        var c1 = FloatVector.fromArray(F, out, o + P);
        var c2 = FloatVector.fromArray(F, out, o + 2 * P);
        var c3 = FloatVector.fromArray(F, out, o + 3 * P);
        var c4 = FloatVector.fromArray(F, out, o + 4 * P);
        var c5 = FloatVector.fromArray(F, out, o + 5 * P);
        for (int c = 0; c < kc; c++) {
            var v0 = FloatVector.fromArray(F, xp, x0 + c * P);
            int wi = w0 + c;
            c0 = v0.fma(FloatVector.broadcast(F, wp[wi]), c0);
            c1 = v0.fma(FloatVector.broadcast(F, wp[wi + kc]), c1);
            c2 = v0.fma(FloatVector.broadcast(F, wp[wi + 2 * kc]), c2);
            c3 = v0.fma(FloatVector.broadcast(F, wp[wi + 3 * kc]), c3);
            c4 = v0.fma(FloatVector.broadcast(F, wp[wi + 4 * kc]), c4);
            c5 = v0.fma(FloatVector.broadcast(F, wp[wi + 5 * kc]), c5);
        }
        c0.intoArray(out, o);
        c1.intoArray(out, o + P);
        c2.intoArray(out, o + 2 * P);
        c3.intoArray(out, o + 3 * P);
        c4.intoArray(out, o + 4 * P);
        c5.intoArray(out, o + 5 * P);
    }
}
