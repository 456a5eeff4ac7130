package dev.kumiki.tensor.hardware.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalLong;

/**
 * The ELF auxiliary vector of this process ({@code /proc/self/auxv}): pairs of 64-bit type and value, ending with
 * {@code AT_NULL}. Kumiki reads it for {@code AT_HWCAP}, whose bit 22 on aarch64 is {@code HWCAP_SVE}.
 */
public final class Auxv {
    public static final long AT_NULL = 0;
    public static final long AT_HWCAP = 16;
    public static final long AT_HWCAP2 = 26;
    /** {@code HWCAP_SVE} of arch/arm64/include/uapi/asm/hwcap.h. */
    public static final int HWCAP_SVE_BIT = 22;

    private final ByteBuffer data;

    private Auxv(ByteBuffer data) {
        this.data = data;
    }

    /** Reads a 64-bit little-endian auxiliary vector (x86_64 and aarch64 Linux). */
    public static Auxv of(byte[] bytes) {
        return new Auxv(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
    }

    public OptionalLong value(long type) {
        for (int at = 0; at + 16 <= data.limit(); at += 16) {
            long t = data.getLong(at);
            if (t == AT_NULL) {
                break;
            }
            if (t == type) {
                return OptionalLong.of(data.getLong(at + 8));
            }
        }
        return OptionalLong.empty();
    }
}
