package dev.kumiki.tensor.hardware.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * {@code /proc/cpuinfo} as blocks of {@code key : value} lines, one block per logical processor (x86 and ARM
 * kernels both write this shape; ARM kernels may add a header block without {@code processor}).
 */
public record CpuInfo(List<Map<String, String>> processors, Map<String, String> header) {

    public CpuInfo {
        processors = List.copyOf(processors);
        header = Map.copyOf(header);
    }

    public static CpuInfo parse(String text) {
        List<Map<String, String>> processors = new ArrayList<>();
        Map<String, String> header = new LinkedHashMap<>();
        Map<String, String> block = new LinkedHashMap<>();
        for (String line : (text + "\n\n").split("\n", -1)) {
            int colon = line.indexOf(':');
            if (line.isBlank()) {
                if (!block.isEmpty()) {
                    if (block.containsKey("processor")) {
                        processors.add(block);
                    } else {
                        header.putAll(block);
                    }
                    block = new LinkedHashMap<>();
                }
            } else if (colon > 0) {
                block.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return new CpuInfo(processors, header);
    }

    /** The value of {@code key} in the first processor block (or the header), or empty text. */
    public String first(String key) {
        for (Map<String, String> p : processors) {
            String v = p.get(key);
            if (v != null) {
                return v;
            }
        }
        return header.getOrDefault(key, "");
    }

    /** A hexadecimal ({@code 0x46}) or decimal value of {@code key}. */
    public OptionalInt firstInt(String key) {
        String v = first(key);
        if (v.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(v.startsWith("0x") || v.startsWith("0X") ? Integer.parseInt(v.substring(2), 16)
                    : Integer.parseInt(v));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** Feature flags: {@code Features} on ARM, {@code flags} on x86. */
    public List<String> features() {
        String f = first("Features");
        if (f.isEmpty()) {
            f = first("flags");
        }
        return f.isEmpty() ? List.of() : Arrays.asList(f.split("\\s+"));
    }
}
