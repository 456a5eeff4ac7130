package dev.kumiki.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.kumiki.tensor.kernel.Kernels;

/** NaN/Inf detection on stored bytes, against Float.isFinite on the values the bytes decode to. */
class NonFiniteTest {
    @Test
    void findsTheFirstAndCountsEveryNonFiniteValueInEachType() {
        SplittableRandom random = new SplittableRandom(42);
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (DType type : new DType[] {DType.BF16, DType.F16, DType.F32, DType.F64}) {
            for (int trial = 0; trial < 200; trial++) {
                int n = 1 + random.nextInt(70); // lengths that end inside and outside 8-byte words
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    // large finite values too: 65504 is F16's largest, 3e38 close to F32's
                    v[i] = switch (random.nextInt(12)) {
                        case 0 -> specials[random.nextInt(3)];
                        case 1 -> type == DType.F16 ? 65504f : 3e38f;
                        default -> (float) random.nextGaussian();
                    };
                }
                MemorySegment bytes = MemorySegment.ofArray(new byte[n * type.bytes()]);
                Kernels.scalar().store(v, 0, n, bytes, type, 0);
                float[] back = new float[n];
                Kernels.scalar().load(bytes, type, 0, back, 0, n);
                long first = -1;
                long count = 0;
                for (int i = 0; i < n; i++) {
                    if (!Float.isFinite(back[i])) {
                        first = first < 0 ? i : first;
                        count++;
                    }
                }
                assertEquals(first, NonFinite.first(bytes, type), type + " trial " + trial);
                assertEquals(count, NonFinite.count(bytes, type), type + " trial " + trial);
            }
        }
        assertEquals(-1, NonFinite.first(MemorySegment.ofArray(new byte[] {-1, -1, -1, -1}), DType.I32));
    }
}
