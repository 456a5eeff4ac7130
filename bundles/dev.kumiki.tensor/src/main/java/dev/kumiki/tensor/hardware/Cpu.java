package dev.kumiki.tensor.hardware;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What the kernel tells about the processor.
 *
 * @param vendor      the vendor: an x86 {@code vendor_id} ({@code GenuineIntel}) or the ARM implementer's name
 *                    ({@code Fujitsu}, {@code ARM})
 * @param model       the model: x86 {@code model name}, or the ARM part's name ({@code A64FX}, {@code Neoverse-V1})
 * @param implementer ARM {@code CPU implementer} (0x46 is Fujitsu); empty on x86
 * @param part        ARM {@code CPU part} (0x001 with Fujitsu is A64FX); empty on x86
 * @param features    feature flags as the kernel lists them ({@code Features} on ARM, {@code flags} on x86)
 * @param sve         whether the CPU has the Scalable Vector Extension (AT_HWCAP bit 22 on aarch64)
 * @param sveBits     the SVE vector length in bits, 0 when there is no SVE or it could not be read
 * @param simd        the widest SIMD the CPU offers, as users name it: {@code SVE 512-bit}, {@code AVX-512}, …
 */
public record Cpu(String vendor, String model, OptionalInt implementer, OptionalInt part, List<String> features,
                  boolean sve, int sveBits, String simd) {

    /** ARM implementer code of Fujitsu. */
    public static final int FUJITSU = 0x46;
    /** Fujitsu's part number of the A64FX. */
    public static final int A64FX_PART = 0x001;

    public Cpu {
        Objects.requireNonNull(vendor, "vendor");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(implementer, "implementer");
        Objects.requireNonNull(part, "part");
        features = List.copyOf(features);
        Objects.requireNonNull(simd, "simd");
        if (sveBits < 0 || sveBits % 128 != 0 || sveBits > 2048) {
            throw new IllegalArgumentException("SVE vector length must be a multiple of 128 bits up to 2048, was " + sveBits);
        }
    }

    /** Whether this is a Fujitsu A64FX (implementer 0x46, part 0x001). */
    public boolean isA64fx() {
        return implementer.orElse(-1) == FUJITSU && part.orElse(-1) == A64FX_PART;
    }

    /** Whether the kernel lists {@code flag} among the CPU's features. */
    public boolean hasFeature(String flag) {
        return features.contains(flag);
    }
}
