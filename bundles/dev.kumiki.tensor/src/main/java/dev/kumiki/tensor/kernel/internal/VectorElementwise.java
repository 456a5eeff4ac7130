package dev.kumiki.tensor.kernel.internal;

import dev.kumiki.tensor.kernel.Kernels;
import dev.kumiki.tensor.kernel.ScalarKernels;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The per-token kernels of a forward pass for {@link VectorKernels}: attention's scores and weighted sums, RMSNorm's
 * scaling, softmax's and SwiGLU's exponentials, RoPE. Each call covers one row (a head, a token), so that a result
 * never depends on how a caller split its rows over threads. The exponentials use the Vector API's {@code EXP}
 * (SVML on x86_64, within an ulp or two of {@link Math#exp}); the tails run the scalar kernels.
 */
final class VectorElementwise {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final ScalarKernels TAIL = (ScalarKernels) Kernels.scalar();

    private VectorElementwise() {
    }

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        var acc0 = FloatVector.zero(F);
        var acc1 = FloatVector.zero(F);
        int k = 0;
        // two accumulators: the FMA's latency, not its throughput, bounds one chain
        for (; k + 2 * L <= n; k += 2 * L) {
            acc0 = FloatVector.fromArray(F, a, aOff + k).fma(FloatVector.fromArray(F, b, bOff + k), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + k + L).fma(FloatVector.fromArray(F, b, bOff + k + L), acc1);
        }
        for (; k + L <= n; k += L) {
            acc0 = FloatVector.fromArray(F, a, aOff + k).fma(FloatVector.fromArray(F, b, bOff + k), acc0);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD) + TAIL.dot(a, aOff + k, b, bOff + k, n - k);
    }

    static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        var a = FloatVector.broadcast(F, alpha);
        int k = 0;
        for (int bound = F.loopBound(n); k < bound; k += L) {
            FloatVector.fromArray(F, x, xOff + k).fma(a, FloatVector.fromArray(F, y, yOff + k))
                    .intoArray(y, yOff + k);
        }
        TAIL.axpy(alpha, x, xOff + k, y, yOff + k, n - k);
    }

    static void scaleMultiply(float[] x, int xOff, float a, float[] w, float[] out, int outOff, int n) {
        int k = 0;
        for (int bound = F.loopBound(n); k < bound; k += L) {
            // the scalar kernel's two rounded products in its order: bit for bit the same
            FloatVector.fromArray(F, x, xOff + k).mul(a).mul(FloatVector.fromArray(F, w, k)).intoArray(out, outOff + k);
        }
        for (; k < n; k++) {
            out[outOff + k] = w[k] * (x[xOff + k] * a);
        }
    }

    static double expSum(float[] x, int off, int n, float shift) {
        var acc = FloatVector.zero(F);
        int k = 0;
        for (int bound = F.loopBound(n); k < bound; k += L) {
            var e = FloatVector.fromArray(F, x, off + k).sub(shift).lanewise(VectorOperators.EXP);
            e.intoArray(x, off + k);
            acc = acc.add(e);
        }
        return acc.reduceLanes(VectorOperators.ADD) + TAIL.expSum(x, off + k, n - k, shift);
    }

    static void siluMul(float[] gate, float[] up, int off, int n) {
        int k = 0;
        for (int bound = F.loopBound(n); k < bound; k += L) {
            var a = FloatVector.fromArray(F, gate, off + k);
            var e = a.neg().lanewise(VectorOperators.EXP).add(1f);
            a.div(e).mul(FloatVector.fromArray(F, up, off + k)).intoArray(gate, off + k);
        }
        TAIL.siluMul(gate, up, off + k, n - k);
    }

    static void rope(float[] x, int off, int half, float[] cos, float[] sin, int table) {
        int k = 0;
        for (int bound = F.loopBound(half); k < bound; k += L) {
            var x1 = FloatVector.fromArray(F, x, off + k);
            var x2 = FloatVector.fromArray(F, x, off + half + k);
            var co = FloatVector.fromArray(F, cos, table + k);
            var si = FloatVector.fromArray(F, sin, table + k);
            // no FMA: the scalar kernel's rounded products and sums, bit for bit
            x1.mul(co).sub(x2.mul(si)).intoArray(x, off + k);
            x2.mul(co).add(x1.mul(si)).intoArray(x, off + half + k);
        }
        for (; k < half; k++) {
            float x1 = x[off + k];
            float x2 = x[off + half + k];
            float co = cos[table + k];
            float si = sin[table + k];
            x[off + k] = x1 * co - x2 * si;
            x[off + half + k] = x2 * co + x1 * si;
        }
    }
}
