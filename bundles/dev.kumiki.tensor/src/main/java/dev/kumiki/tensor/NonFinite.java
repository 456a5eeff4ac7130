package dev.kumiki.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Finds NaN and infinite values in tensor bytes (little-endian, as safetensors stores them), without converting
 * them: eight bytes at a time, a value whose exponent bits are all ones is NaN or ±Inf in every IEEE format. Costs one
 * pass over bytes that were just written, a small part of a merge's time.
 */
public final class NonFinite {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private NonFinite() {
    }

    /**
     * The index of the first NaN or infinite element of {@code bytes} read as {@code type}, or -1 when all are finite
     * (always -1 for integer types).
     */
    public static long first(MemorySegment bytes, DType type) {
        long mask;
        int lanes;
        switch (type) {
            case BF16 -> { mask = 0x7F80_7F80_7F80_7F80L; lanes = 4; }
            case F16 -> { mask = 0x7C00_7C00_7C00_7C00L; lanes = 4; }
            case F32 -> { mask = 0x7F80_0000_7F80_0000L; lanes = 2; }
            case F64 -> { mask = 0x7FF0_0000_0000_0000L; lanes = 1; }
            default -> {
                return -1;
            }
        }
        long n = bytes.byteSize();
        long words = n / 8;
        int width = type.bytes();
        long laneMask = lanes == 4 ? 0xFFFFL : lanes == 2 ? 0xFFFF_FFFFL : -1L;
        // blocks without a branch per word (a loop the JIT can unroll and vectorize), then the exact position
        long block = 256;
        for (long from = 0; from < words; from += block) {
            long to = Math.min(words, from + block);
            if (blockHasNonFinite(bytes, from, to, mask, lanes)) {
                for (long w = from; w < to; w++) {
                    long x = (bytes.get(LONG, w * 8) & mask) ^ mask;
                    for (int l = 0; l < lanes; l++) {
                        if (((x >>> (l * 64 / lanes)) & laneMask) == 0) {
                            return w * lanes + l;
                        }
                    }
                }
            }
        }
        for (long at = words * 8; at + width <= n; at += width) {
            long bits = 0;
            for (int b = width - 1; b >= 0; b--) {
                bits = (bits << 8) | (bytes.get(ValueLayout.JAVA_BYTE, at + b) & 0xFF);
            }
            if ((bits & mask & laneMask) == (mask & laneMask)) {
                return at / width;
            }
        }
        return -1;
    }

    /** Whether a word in [from, to) has a lane whose exponent bits are all ones (a lane of x = v ^ mask is zero). */
    private static boolean blockHasNonFinite(MemorySegment bytes, long from, long to, long mask, int lanes) {
        long hits = 0;
        switch (lanes) {
            case 4 -> {
                for (long w = from; w < to; w++) {
                    long x = (bytes.get(LONG, w * 8) & mask) ^ mask;
                    hits |= (x - 0x0001_0001_0001_0001L) & ~x & 0x8000_8000_8000_8000L;
                }
            }
            case 2 -> {
                for (long w = from; w < to; w++) {
                    long x = (bytes.get(LONG, w * 8) & mask) ^ mask;
                    hits |= (x - 0x0000_0001_0000_0001L) & ~x & 0x8000_0000_8000_0000L;
                }
            }
            default -> {
                for (long w = from; w < to; w++) {
                    long x = (bytes.get(LONG, w * 8) & mask) ^ mask;
                    hits |= x == 0 ? 1 : 0;
                }
            }
        }
        return hits != 0;
    }

    /** How many elements of {@code bytes} read as {@code type} are NaN or infinite. */
    public static long count(MemorySegment bytes, DType type) {
        long count = 0;
        long width = type.bytes();
        long at = 0;
        while (at < bytes.byteSize()) {
            long i = first(bytes.asSlice(at), type);
            if (i < 0) {
                break;
            }
            count++;
            at += (i + 1) * width;
        }
        return count;
    }
}
