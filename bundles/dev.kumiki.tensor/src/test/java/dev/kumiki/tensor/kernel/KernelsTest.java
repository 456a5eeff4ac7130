package dev.kumiki.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.kernel.internal.VectorKernels;

/**
 * Every vector kernel against the scalar reference, at the JVM's preferred width; the build runs this class again
 * with {@code -XX:MaxVectorSize=32} and {@code =16} (256 and 128 bits), and inside the emulated A64FX (512-bit SVE).
 */
class KernelsTest {

    static final Kernels REF = Kernels.scalar();
    static final int[] SIZES = {0, 1, 7, 16, 31, 64, 1000, 4099};

    static Stream<Arguments> vectorKernels() {
        return Stream.of(Arguments.of(VectorKernels.preferred()));
    }

    @Test
    void theVectorKernelsHaveTheWidthTheJvmWasStartedFor() {
        String expected = System.getProperty("kumiki.test.vectorBits");
        int bits = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        assertEquals("vector-" + bits, VectorKernels.preferred().name());
        if (expected != null) {
            assertEquals(Integer.parseInt(expected), bits, "-XX:MaxVectorSize of this test run");
        }
    }

    static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian() * (r.nextInt(10) == 0 ? 100 : 1);
        }
        if (n > 5) {
            x[1] = 0f;
            x[2] = -0f;
            x[3] = Float.MIN_VALUE;
        }
        return x;
    }

    static void assertClose(float[] expected, float[] actual, double relative) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            double tol = relative * Math.max(1, Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], tol, "element " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("vectorKernels")
    void conversionsAreBitExact(Kernels k) {
        Random r = new Random(1);
        for (DType type : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            for (int n : SIZES) {
                float[] x = random(r, n + 3);
                if (n > 8) {
                    x[4] = Float.NaN;
                    x[5] = Float.POSITIVE_INFINITY;
                    x[6] = 1.00390625f; // exactly between two BF16 values: rounds to even
                    x[7] = 65520f; // rounds to infinity in F16
                }
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment a = arena.allocate((long) (n + 3) * type.bytes());
                    MemorySegment b = arena.allocate((long) (n + 3) * type.bytes());
                    REF.store(x, 3, n, a, type, 0);
                    k.store(x, 3, n, b, type, 0);
                    assertArrayEquals(a.toArray(ValueLayout.JAVA_BYTE), b.toArray(ValueLayout.JAVA_BYTE),
                            k.name() + " store " + type + " n=" + n);
                    float[] ra = new float[n + 2];
                    float[] rb = new float[n + 2];
                    REF.load(a, type, 0, ra, 2, n);
                    k.load(a, type, 0, rb, 2, n);
                    assertArrayEquals(ra, rb, k.name() + " load " + type + " n=" + n);
                }
            }
        }
    }

    @Test
    void bf16RoundsToNearestEvenLikePyTorch() {
        assertEquals((short) 0x3F80, ScalarKernels.floatToBf16(1.00390625f)); // halfway, even stays
        assertEquals((short) 0x3F82, ScalarKernels.floatToBf16(1.01171875f)); // halfway, odd rounds up
        assertEquals((short) 0x3F81, ScalarKernels.floatToBf16(Float.intBitsToFloat(0x3F808001)));
        assertEquals((short) 0x7FC0, ScalarKernels.floatToBf16(Float.NaN));
        assertEquals((short) 0x7F80, ScalarKernels.floatToBf16(Float.intBitsToFloat(0x7F7FFFFF)), "max float -> inf");
        assertEquals((short) 0x8000, ScalarKernels.floatToBf16(-0f));
        assertEquals(-2.5f, ScalarKernels.bf16ToFloat(ScalarKernels.floatToBf16(-2.5f)));
    }

    @ParameterizedTest
    @MethodSource("vectorKernels")
    void elementwiseOpsMatchTheReference(Kernels k) {
        Random r = new Random(2);
        for (int n : SIZES) {
            int off = 5;
            float[][] xs = {random(r, n + off), random(r, n + off), random(r, n + off)};
            float[] w = {0.5f, -0.25f, 1.5f};
            float[] e = new float[n + off];
            float[] a = new float[n + off];
            REF.weightedSum(xs, w, e, off, n);
            k.weightedSum(xs, w, a, off, n);
            assertClose(e, a, 1e-6);

            e = xs[0].clone();
            a = xs[0].clone();
            REF.axpy(0.3f, xs[1], e, off, n);
            k.axpy(0.3f, xs[1], a, off, n);
            assertClose(e, a, 1e-6);

            e = xs[0].clone();
            a = xs[0].clone();
            REF.scale(-1.7f, e, off, n);
            k.scale(-1.7f, a, off, n);
            assertArrayEquals(e, a);

            REF.subtract(xs[0], xs[1], e, off, n);
            k.subtract(xs[0], xs[1], a, off, n);
            assertArrayEquals(e, a);

            REF.lerp(xs[0], xs[1], 0.3f, e, off, n);
            k.lerp(xs[0], xs[1], 0.3f, a, off, n);
            assertClose(e, a, 1e-6);

            float[] mask = new float[n + off];
            REF.bernoulli(9, 100, 0.5f, mask, off, n);
            REF.multiply(xs[2], mask, e, off, n);
            k.multiply(xs[2], mask, a, off, n);
            assertArrayEquals(e, a);
        }
    }

    @ParameterizedTest
    @MethodSource("vectorKernels")
    void reductionsMatchTheReference(Kernels k) {
        Random r = new Random(3);
        for (int n : SIZES) {
            float[] x = random(r, n + 1);
            float[] y = random(r, n + 1);
            double scaleOfSums = 1 + REF.sumOfAbs(x, 1, n) * 1e-6;
            assertEquals(REF.dot(x, y, 1, n), k.dot(x, y, 1, n), 1e-5 * (1 + REF.sumOfSquares(x, 1, n)));
            assertEquals(REF.sumOfSquares(x, 1, n), k.sumOfSquares(x, 1, n), 1e-5 * (1 + REF.sumOfSquares(x, 1, n)));
            assertEquals(REF.sumOfAbs(x, 1, n), k.sumOfAbs(x, 1, n), scaleOfSums);
            assertEquals(REF.maxAbs(x, 1, n), k.maxAbs(x, 1, n));
        }
    }

    @ParameterizedTest
    @MethodSource("vectorKernels")
    void signConsensusAndRandomMasksAreExact(Kernels k) {
        Random r = new Random(4);
        for (int n : SIZES) {
            float[][] xs = {random(r, n), random(r, n), random(r, n)};
            for (boolean byCount : new boolean[] {false, true}) {
                float[] e = new float[n];
                float[] a = new float[n];
                REF.majoritySign(xs, byCount, e, 0, n);
                k.majoritySign(xs, byCount, a, 0, n);
                assertArrayEquals(e, a, k.name() + " majoritySign byCount=" + byCount + " n=" + n);
                float[] me = new float[n];
                float[] ma = new float[n];
                REF.agreement(xs[0], e, me, 0, n);
                k.agreement(xs[0], e, ma, 0, n);
                assertArrayEquals(me, ma);
            }
            float[] above = new float[n];
            float[] aboveRef = new float[n];
            int threshold = Float.floatToRawIntBits(0.7f);
            REF.aboveMagnitude(xs[1], threshold, aboveRef, 0, n);
            k.aboveMagnitude(xs[1], threshold, above, 0, n);
            assertArrayEquals(aboveRef, above, k.name() + " aboveMagnitude n=" + n);
            float[] e = new float[n + 3];
            float[] a = new float[n + 3];
            REF.bernoulli(123456789L, 1L << 33, 0.3f, e, 3, n);
            k.bernoulli(123456789L, 1L << 33, 0.3f, a, 3, n);
            assertArrayEquals(e, a, k.name() + " bernoulli n=" + n);
        }
    }

    @ParameterizedTest
    @MethodSource("vectorKernels")
    void forwardPassKernelsMatchTheReference(Kernels k) {
        Random r = new Random(5);
        for (int n : SIZES) {
            int aOff = 3;
            int bOff = 7;
            float[] a = random(r, n + aOff);
            float[] b = random(r, n + bOff + 2);
            double magnitude = 1;
            for (int i = 0; i < n; i++) {
                magnitude += Math.abs((double) a[aOff + i] * b[bOff + i]);
            }
            // a float sum of n products is off by at most n ulps of Σ|a·b| (Higham's γ_n), in any order
            double bound = 0x1p-24 * (n + 1) * magnitude;
            assertEquals(REF.dot(a, aOff, b, bOff, n), k.dot(a, aOff, b, bOff, n), 2 * bound,
                    k.name() + " dot n=" + n);
            double exact = 0;
            for (int i = 0; i < n; i++) {
                exact += (double) a[aOff + i] * b[bOff + i];
            }
            assertEquals(exact, k.dot(a, aOff, b, bOff, n), bound, k.name() + " dot vs double, n=" + n);

            float[] e = b.clone();
            float[] v = b.clone();
            REF.axpy(-0.7f, a, aOff, e, bOff, n);
            k.axpy(-0.7f, a, aOff, v, bOff, n);
            assertClose(e, v, 1e-6);
            e = b.clone();
            v = b.clone();
            REF.axpy(1f, a, aOff, e, bOff, n);
            k.axpy(1f, a, aOff, v, bOff, n);
            assertArrayEquals(e, v, k.name() + " axpy with alpha 1 is an exact add, n=" + n);

            float[] w = random(r, n);
            e = new float[n + 4];
            v = new float[n + 4];
            REF.scaleMultiply(a, aOff, 0.37f, w, e, 4, n);
            k.scaleMultiply(a, aOff, 0.37f, w, v, 4, n);
            assertArrayEquals(e, v, k.name() + " scaleMultiply n=" + n);

            // softmax numerators: scores below their maximum, down to where exp underflows
            float[] scores = new float[n + 2];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = (float) (r.nextGaussian() * 20);
            }
            if (n > 5) {
                scores[3] = -200f;
                scores[4] = Float.NEGATIVE_INFINITY;
            }
            float[] se = scores.clone();
            float[] sv = scores.clone();
            double sumE = REF.expSum(se, 2, n, 30f);
            double sumV = k.expSum(sv, 2, n, 30f);
            assertClose(se, sv, 1e-6);
            // positive terms: a float sum is off by at most n ulps of itself, each term by an ulp or two
            double sumBound = 0x1p-24 * (n + 4) * Math.max(1, sumE);
            assertEquals(sumE, sumV, sumBound, k.name() + " expSum n=" + n);
            double expected = 0;
            for (int i = 2; i < n + 2; i++) {
                expected += StrictMath.exp((double) scores[i] - 30);
            }
            assertEquals(expected, sumV, sumBound, k.name() + " expSum vs StrictMath, n=" + n);

            // SwiGLU over gates from -100 (silu → -0) to 100 (silu → the gate)
            float[] gate = random(r, n + 1);
            for (int i = 0; i < gate.length; i++) {
                gate[i] *= 8;
            }
            if (n > 8) {
                gate[5] = -100f;
                gate[6] = 100f;
                gate[7] = 0f;
            }
            float[] up = random(r, n + 1);
            float[] ge = gate.clone();
            float[] gv = gate.clone();
            REF.siluMul(ge, up, 1, n);
            k.siluMul(gv, up, 1, n);
            assertClose(ge, gv, 1e-6);
            for (int i = 1; i < n + 1; i++) {
                double silu = gate[i] / (1 + StrictMath.exp(-(double) gate[i])) * up[i];
                assertEquals(silu, gv[i], 1e-6 * Math.max(1, Math.abs(silu)), k.name() + " siluMul element " + i);
            }

            // RoPE of a head of 2 × half elements at some position of the tables
            int half = n / 2;
            float[] cos = new float[half + 9];
            float[] sin = new float[half + 9];
            for (int i = 0; i < cos.length; i++) {
                double angle = r.nextDouble() * 2 * Math.PI;
                cos[i] = (float) Math.cos(angle);
                sin[i] = (float) Math.sin(angle);
            }
            float[] head = random(r, 2 * half + 5);
            float[] he = head.clone();
            float[] hv = head.clone();
            REF.rope(he, 5, half, cos, sin, 9);
            k.rope(hv, 5, half, cos, sin, 9);
            assertArrayEquals(he, hv, k.name() + " rope half=" + half);
            for (int i = 0; i < half; i++) {
                assertEquals(head[5 + i] * cos[9 + i] - head[5 + half + i] * sin[9 + i], hv[5 + i]);
                assertEquals(head[5 + half + i] * cos[9 + i] + head[5 + i] * sin[9 + i], hv[5 + half + i]);
            }
        }
    }

    @Test
    void signOfASumFollowsMergekit() {
        float[][] xs = {{1f, -3f, 0f, 2f}, {-2f, 1f, 0f, -1f}, {0.5f, 1f, 0f, -1f}};
        float[] sum = new float[4];
        float[] count = new float[4];
        REF.majoritySign(xs, false, sum, 0, 4);
        REF.majoritySign(xs, true, count, 0, 4);
        assertArrayEquals(new float[] {-1f, -1f, 1f, 1f}, sum, "sign(Σx), 0 counts as +");
        assertArrayEquals(new float[] {1f, 1f, 1f, -1f}, count, "sign(Σ sign(x))");
        float[] mask = new float[4];
        REF.agreement(xs[0], sum, mask, 0, 4);
        assertArrayEquals(new float[] {0f, 1f, 0f, 1f}, mask, "zeros never agree");
    }

    @Test
    void bernoulliKeepsTheDensityAndIsIndependentOfChunking() {
        int n = 1_000_000;
        float[] whole = new float[n];
        Kernels.scalar().bernoulli(42, 0, 0.3f, whole, 0, n);
        double mean = 0;
        for (float v : whole) {
            mean += v;
        }
        mean /= n;
        // 5 standard deviations of a binomial mean: 5 * sqrt(0.3 * 0.7 / n)
        assertEquals(0.3, mean, 5 * Math.sqrt(0.21 / n));
        float[] chunked = new float[n];
        for (int at = 0; at < n; at += 4096) {
            Kernels.scalar().bernoulli(42, at, 0.3f, chunked, at, Math.min(4096, n - at));
        }
        assertArrayEquals(whole, chunked);
        float[] other = new float[n];
        Kernels.scalar().bernoulli(43, 0, 0.3f, other, 0, n);
        int same = 0;
        for (int i = 0; i < n; i++) {
            same += whole[i] == other[i] ? 1 : 0;
        }
        // independent streams agree where both keep or both drop: 0.3² + 0.7² = 0.58
        assertEquals(0.58, same / (double) n, 0.005);
    }
}
