package dev.kumiki.tensor;

import java.util.Arrays;
import java.util.Optional;

/**
 * Element types of tensors as safetensors names them. Kumiki computes in F32; F16 and BF16 are converted on the
 * fly; the integer and boolean types are read and passed through unchanged.
 */
public enum DType {
    F64("F64", 8, true),
    F32("F32", 4, true),
    F16("F16", 2, true),
    BF16("BF16", 2, true),
    I64("I64", 8, false),
    I32("I32", 4, false),
    I16("I16", 2, false),
    I8("I8", 1, false),
    U8("U8", 1, false),
    BOOL("BOOL", 1, false);

    private final String safetensorsName;
    private final int bytes;
    private final boolean floating;

    DType(String safetensorsName, int bytes, boolean floating) {
        this.safetensorsName = safetensorsName;
        this.bytes = bytes;
        this.floating = floating;
    }

    /** The name in a safetensors header ({@code "BF16"}). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether merges compute on it (F64, F32, F16, BF16). */
    public boolean isFloatingPoint() {
        return floating;
    }

    /** The type of a safetensors header name, if Kumiki knows it. */
    public static Optional<DType> ofSafetensorsName(String name) {
        return Arrays.stream(values()).filter(d -> d.safetensorsName.equals(name)).findFirst();
    }

    /**
     * The type of a user-facing name: safetensors names and the names mergekit and PyTorch use
     * ({@code bfloat16}, {@code float16}, {@code float32}, {@code fp16}, {@code bf16}…).
     *
     * @throws IllegalArgumentException naming the accepted names
     */
    public static DType ofUserName(String name) {
        String n = name.strip().toLowerCase(java.util.Locale.ROOT).replace("torch.", "");
        return switch (n) {
            case "bfloat16", "bf16" -> BF16;
            case "float16", "fp16", "f16", "half" -> F16;
            case "float32", "fp32", "f32", "float" -> F32;
            case "float64", "fp64", "f64", "double" -> F64;
            default -> throw new IllegalArgumentException("unknown dtype '" + name
                    + "'; use bfloat16, float16 or float32");
        };
    }
}
