package dev.kumiki.tensor.kernel.internal;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.hardware.internal.VectorApiProbe;
import dev.kumiki.tensor.kernel.Kernels;
import dev.kumiki.tensor.kernel.ScalarKernels;

/**
 * Kernels on the Java Vector API with the JVM's preferred species (256 bits on AVX2, 512 on AVX-512 and A64FX).
 * The Vector API classes live in {@link Impl}, loaded only once the module is known to be present.
 */
public final class VectorKernels {
    private VectorKernels() {
    }

    /**
     * The Vector API kernels of this JVM.
     *
     * @throws IllegalStateException when the Vector API is off, saying why
     */
    public static Kernels preferred() {
        var support = VectorApiProbe.probe();
        if (!support.enabled()) {
            throw new IllegalStateException("the vector kernels need the Java Vector API, which is off: "
                    + support.note());
        }
        return Holder.PREFERRED;
    }

    /**
     * The sum of bytes {@code [from, to)} of {@code segment} read as F32 lanes with the preferred species: what a
     * plain streaming read reaches, the bound of every memory-bound kernel ({@code to - from} a multiple of 4).
     */
    public static double streamSum(MemorySegment segment, long from, long to) {
        return VectorMatrix.streamSum(segment, from, to);
    }

    private static final class Holder {
        static final Kernels PREFERRED = new Impl();
    }

    private static final class Impl implements Kernels {
        private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
        private static final long GOLDEN = 0x9E3779B97F4A7C15L;
        private static final long MIX1 = 0xBF58476D1CE4E5B9L;
        private static final long MIX2 = 0x94D049BB133111EBL;

        // constants, so that C2 turns the Vector API calls into SIMD instructions (instance fields would not be)
        private static final jdk.incubator.vector.VectorSpecies<Float> f =
                jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        private static final jdk.incubator.vector.VectorSpecies<Integer> i =
                jdk.incubator.vector.VectorSpecies.of(int.class, f.vectorShape());
        private static final jdk.incubator.vector.VectorSpecies<Long> l =
                jdk.incubator.vector.VectorSpecies.of(long.class, f.vectorShape());
        private static final jdk.incubator.vector.VectorSpecies<Float> fHalf = jdk.incubator.vector.VectorSpecies.of(
                float.class, jdk.incubator.vector.VectorShape.forBitSize(f.vectorBitSize() / 2));
        private static final jdk.incubator.vector.VectorSpecies<Short> s = jdk.incubator.vector.VectorSpecies.of(
                short.class, jdk.incubator.vector.VectorShape.forBitSize(f.vectorBitSize() / 2));
        private static final ScalarKernels tail = (ScalarKernels) Kernels.scalar();

        @Override
        public String name() {
            return "vector-" + f.vectorBitSize();
        }

        @Override
        public void load(MemorySegment src, DType type, long from, float[] dst, int off, int n) {
            switch (type) {
                case BF16 -> {
                    int k = 0;
                    for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                        var shorts = jdk.incubator.vector.ShortVector.fromMemorySegment(s, src, (from + k) * 2, LE);
                        var ints = (jdk.incubator.vector.IntVector) shorts
                                .convertShape(jdk.incubator.vector.VectorOperators.S2I, i, 0);
                        ints.lanewise(jdk.incubator.vector.VectorOperators.LSHL, 16).reinterpretAsFloats()
                                .intoArray(dst, off + k);
                    }
                    tail.load(src, type, from + k, dst, off + k, n - k);
                }
                case F32 -> {
                    int k = 0;
                    for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                        jdk.incubator.vector.FloatVector.fromMemorySegment(f, src, (from + k) * 4, LE)
                                .intoArray(dst, off + k);
                    }
                    tail.load(src, type, from + k, dst, off + k, n - k);
                }
                // F16: Float.float16ToFloat is a HotSpot intrinsic the JIT vectorises (F16C, SVE); no Vector API op
                default -> tail.load(src, type, from, dst, off, n);
            }
        }

        @Override
        public void store(float[] src, int off, int n, MemorySegment dst, DType type, long to) {
            switch (type) {
                case BF16 -> {
                    int k = 0;
                    for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                        var v = jdk.incubator.vector.FloatVector.fromArray(f, src, off + k);
                        var bits = v.reinterpretAsInts();
                        var lsb = bits.lanewise(jdk.incubator.vector.VectorOperators.LSHR, 16).and(1);
                        var rounded = bits.add(lsb).add(0x7FFF).lanewise(jdk.incubator.vector.VectorOperators.LSHR, 16);
                        var nan = v.test(jdk.incubator.vector.VectorOperators.IS_NAN);
                        rounded = rounded.blend(0x7FC0, nan.cast(i));
                        ((jdk.incubator.vector.ShortVector) rounded
                                .convertShape(jdk.incubator.vector.VectorOperators.I2S, s, 0))
                                .intoMemorySegment(dst, (to + k) * 2, LE);
                    }
                    tail.store(src, off + k, n - k, dst, type, to + k);
                }
                case F32 -> {
                    int k = 0;
                    for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                        jdk.incubator.vector.FloatVector.fromArray(f, src, off + k)
                                .intoMemorySegment(dst, (to + k) * 4, LE);
                    }
                    tail.store(src, off + k, n - k, dst, type, to + k);
                }
                default -> tail.store(src, off, n, dst, type, to);
            }
        }

        @Override
        public void weightedSum(float[][] xs, float[] weights, float[] out, int off, int n) {
            var w = new jdk.incubator.vector.FloatVector[xs.length];
            for (int j = 0; j < xs.length; j++) {
                w[j] = jdk.incubator.vector.FloatVector.broadcast(f, weights[j]);
            }
            int k = 0;
            for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                var acc = jdk.incubator.vector.FloatVector.zero(f);
                for (int j = 0; j < xs.length; j++) {
                    acc = jdk.incubator.vector.FloatVector.fromArray(f, xs[j], off + k).fma(w[j], acc);
                }
                acc.intoArray(out, off + k);
            }
            tail.weightedSum(xs, weights, out, off + k, n - k);
        }

        @Override
        public void axpy(float a, float[] x, float[] y, int off, int n) {
            var va = jdk.incubator.vector.FloatVector.broadcast(f, a);
            int k = 0;
            for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                var vx = jdk.incubator.vector.FloatVector.fromArray(f, x, off + k);
                vx.fma(va, jdk.incubator.vector.FloatVector.fromArray(f, y, off + k)).intoArray(y, off + k);
            }
            tail.axpy(a, x, y, off + k, n - k);
        }

        @Override
        public void scale(float a, float[] x, int off, int n) {
            int k = 0;
            for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                jdk.incubator.vector.FloatVector.fromArray(f, x, off + k).mul(a).intoArray(x, off + k);
            }
            tail.scale(a, x, off + k, n - k);
        }

        @Override
        public void subtract(float[] a, float[] b, float[] out, int off, int n) {
            int k = 0;
            for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                jdk.incubator.vector.FloatVector.fromArray(f, a, off + k)
                        .sub(jdk.incubator.vector.FloatVector.fromArray(f, b, off + k)).intoArray(out, off + k);
            }
            tail.subtract(a, b, out, off + k, n - k);
        }

        @Override
        public void lerp(float[] a, float[] b, float t, float[] out, int off, int n) {
            float u = 1 - t;
            var vt = jdk.incubator.vector.FloatVector.broadcast(f, t);
            int k = 0;
            for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                var va = jdk.incubator.vector.FloatVector.fromArray(f, a, off + k).mul(u);
                jdk.incubator.vector.FloatVector.fromArray(f, b, off + k).fma(vt, va).intoArray(out, off + k);
            }
            tail.lerp(a, b, t, out, off + k, n - k);
        }

        @Override
        public void multiply(float[] x, float[] mask, float[] out, int off, int n) {
            int k = 0;
            for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                jdk.incubator.vector.FloatVector.fromArray(f, x, off + k)
                        .mul(jdk.incubator.vector.FloatVector.fromArray(f, mask, off + k)).intoArray(out, off + k);
            }
            tail.multiply(x, mask, out, off + k, n - k);
        }

        @Override
        public double dot(float[] a, float[] b, int off, int n) {
            var acc = jdk.incubator.vector.FloatVector.zero(f);
            int k = 0;
            for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                acc = jdk.incubator.vector.FloatVector.fromArray(f, a, off + k)
                        .fma(jdk.incubator.vector.FloatVector.fromArray(f, b, off + k), acc);
            }
            return sumLanes(acc) + tail.dot(a, b, off + k, n - k);
        }

        private static double sumLanes(jdk.incubator.vector.FloatVector v) {
            double s = 0;
            for (int j = 0; j < v.length(); j++) {
                s += v.lane(j);
            }
            return s;
        }

        @Override
        public double sumOfSquares(float[] x, int off, int n) {
            return dot(x, x, off, n);
        }

        @Override
        public double sumOfAbs(float[] x, int off, int n) {
            var acc = jdk.incubator.vector.FloatVector.zero(f);
            int k = 0;
            for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                acc = acc.add(jdk.incubator.vector.FloatVector.fromArray(f, x, off + k).abs());
            }
            return sumLanes(acc) + tail.sumOfAbs(x, off + k, n - k);
        }

        @Override
        public float maxAbs(float[] x, int off, int n) {
            var acc = jdk.incubator.vector.FloatVector.zero(f);
            int k = 0;
            for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                acc = acc.max(jdk.incubator.vector.FloatVector.fromArray(f, x, off + k).abs());
            }
            return Math.max(acc.reduceLanes(jdk.incubator.vector.VectorOperators.MAX), tail.maxAbs(x, off + k, n - k));
        }

        private jdk.incubator.vector.FloatVector signum(jdk.incubator.vector.FloatVector v) {
            var zero = jdk.incubator.vector.FloatVector.zero(f);
            return zero.blend(1f, v.compare(jdk.incubator.vector.VectorOperators.GT, 0f))
                    .blend(-1f, v.compare(jdk.incubator.vector.VectorOperators.LT, 0f));
        }

        @Override
        public void majoritySign(float[][] xs, boolean byCount, float[] sign, int off, int n) {
            int k = 0;
            for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                var acc = jdk.incubator.vector.FloatVector.zero(f);
                for (float[] x : xs) {
                    var v = jdk.incubator.vector.FloatVector.fromArray(f, x, off + k);
                    acc = acc.add(byCount ? signum(v) : v);
                }
                jdk.incubator.vector.FloatVector.broadcast(f, -1f)
                        .blend(1f, acc.compare(jdk.incubator.vector.VectorOperators.GE, 0f)).intoArray(sign, off + k);
            }
            tail.majoritySign(xs, byCount, sign, off + k, n - k);
        }

        @Override
        public void agreement(float[] x, float[] sign, float[] mask, int off, int n) {
            int k = 0;
            for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                var v = jdk.incubator.vector.FloatVector.fromArray(f, x, off + k);
                var sg = jdk.incubator.vector.FloatVector.fromArray(f, sign, off + k);
                jdk.incubator.vector.FloatVector.zero(f).blend(1f, signum(v).compare(
                        jdk.incubator.vector.VectorOperators.EQ, sg)).intoArray(mask, off + k);
            }
            tail.agreement(x, sign, mask, off + k, n - k);
        }

        @Override
        public void aboveMagnitude(float[] x, int bits, float[] keep, int off, int n) {
            int k = 0;
            for (int bound = f.loopBound(n); k < bound; k += f.length()) {
                var magnitude = jdk.incubator.vector.FloatVector.fromArray(f, x, off + k).reinterpretAsInts()
                        .and(0x7FFFFFFF);
                jdk.incubator.vector.FloatVector.zero(f).blend(1f, magnitude.compare(
                        jdk.incubator.vector.VectorOperators.GT, bits).cast(f)).intoArray(keep, off + k);
            }
            tail.aboveMagnitude(x, bits, keep, off + k, n - k);
        }

        @Override
        public void bernoulli(long seed, long first, float density, float[] mask, int off, int n) {
            // one long lane per element: the draws of CounterRandom.uniform, computed lanes at a time
            int lanes = l.length();
            var index = jdk.incubator.vector.LongVector.zero(l).addIndex(1);
            int k = 0;
            for (int bound = n - n % lanes; k < bound; k += lanes) {
                var z = index.add(first + k + 1).mul(GOLDEN).add(seed);
                z = z.lanewise(jdk.incubator.vector.VectorOperators.XOR,
                        z.lanewise(jdk.incubator.vector.VectorOperators.LSHR, 30)).mul(MIX1);
                z = z.lanewise(jdk.incubator.vector.VectorOperators.XOR,
                        z.lanewise(jdk.incubator.vector.VectorOperators.LSHR, 27)).mul(MIX2);
                z = z.lanewise(jdk.incubator.vector.VectorOperators.XOR,
                        z.lanewise(jdk.incubator.vector.VectorOperators.LSHR, 31));
                var u = ((jdk.incubator.vector.FloatVector) z.lanewise(jdk.incubator.vector.VectorOperators.LSHR, 40)
                        .convertShape(jdk.incubator.vector.VectorOperators.L2F, fHalf, 0)).mul(0x1.0p-24f);
                jdk.incubator.vector.FloatVector.zero(fHalf)
                        .blend(1f, u.compare(jdk.incubator.vector.VectorOperators.LT, density)).intoArray(mask, off + k);
            }
            tail.bernoulli(seed, first + k, density, mask, off + k, n - k);
        }

        @Override
        public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
            return VectorElementwise.dot(a, aOff, b, bOff, n);
        }

        @Override
        public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
            VectorElementwise.axpy(alpha, x, xOff, y, yOff, n);
        }

        @Override
        public void scaleMultiply(float[] x, int xOff, float a, float[] w, float[] out, int outOff, int n) {
            VectorElementwise.scaleMultiply(x, xOff, a, w, out, outOff, n);
        }

        @Override
        public double expSum(float[] x, int off, int n, float shift) {
            return VectorElementwise.expSum(x, off, n, shift);
        }

        @Override
        public void siluMul(float[] gate, float[] up, int off, int n) {
            VectorElementwise.siluMul(gate, up, off, n);
        }

        @Override
        public void rope(float[] x, int off, int half, float[] cos, float[] sin, int table) {
            VectorElementwise.rope(x, off, half, cos, sin, table);
        }

        @Override
        public void matVec(MemorySegment w, DType type, int cols, float[] x, int xOff, float[] y, int yOff, int r0,
                int r1) {
            VectorMatrix.matVec(w, type, cols, x, xOff, y, yOff, r0, r1);
        }

        @Override
        public void matMul(MemorySegment w, DType type, int rows, int cols, float[] x, int n, float[] y, int r0,
                int r1) {
            VectorMatrix.matMul(w, type, rows, cols, x, n, y, r0, r1);
        }
    }
}
