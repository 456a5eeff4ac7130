package dev.kumiki.tensor.hardware.internal;

import java.util.Map;

/**
 * Names of ARM implementers and parts as {@code /proc/cpuinfo} reports them by number (the same table as
 * util-linux's lscpu, for the processors Kumiki users are likely to meet).
 */
public final class ArmParts {
    private static final Map<Integer, String> IMPLEMENTERS = Map.of(
            0x41, "ARM", 0x42, "Broadcom", 0x46, "Fujitsu", 0x48, "HiSilicon", 0x4e, "NVIDIA",
            0x51, "Qualcomm", 0x61, "Apple", 0xc0, "Ampere");

    private static final Map<Integer, Map<Integer, String>> PARTS = Map.of(
            0x41, Map.ofEntries(
                    Map.entry(0xd03, "Cortex-A53"), Map.entry(0xd07, "Cortex-A57"), Map.entry(0xd08, "Cortex-A72"),
                    Map.entry(0xd0b, "Cortex-A76"), Map.entry(0xd0c, "Neoverse-N1"), Map.entry(0xd40, "Neoverse-V1"),
                    Map.entry(0xd49, "Neoverse-N2"), Map.entry(0xd4f, "Neoverse-V2"), Map.entry(0xd83, "Neoverse-V3"),
                    Map.entry(0xd8e, "Neoverse-N3")),
            0x46, Map.of(0x001, "A64FX"),
            0x48, Map.of(0xd01, "Kunpeng-920"),
            0x4e, Map.of(0x004, "Carmel"),
            0xc0, Map.of(0xac3, "AmpereOne"));

    private ArmParts() {
    }

    public static String implementer(int code) {
        return IMPLEMENTERS.getOrDefault(code, String.format("implementer 0x%02x", code));
    }

    public static String part(int implementer, int part) {
        String name = PARTS.getOrDefault(implementer, Map.of()).get(part);
        return name != null ? name : String.format("part 0x%03x", part);
    }
}
