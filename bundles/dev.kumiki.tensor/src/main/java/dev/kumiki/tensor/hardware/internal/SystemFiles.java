package dev.kumiki.tensor.hardware.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the kernel's files under a root directory: {@code /} on a live machine, a folder of recorded files in tests.
 * A missing or unreadable file is "not reported", never an error: detection must work in containers and on other
 * operating systems.
 */
public final class SystemFiles {
    private static final Pattern MEM_TOTAL = Pattern.compile("MemTotal:\\s+(\\d+)\\s*kB");

    private final Path root;

    public SystemFiles(Path root) {
        this.root = root;
    }

    public Path resolve(String absolute) {
        return root.resolve(absolute.startsWith("/") ? absolute.substring(1) : absolute);
    }

    public Optional<String> text(String absolute) {
        try {
            return Optional.of(Files.readString(resolve(absolute), StandardCharsets.ISO_8859_1));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    public Optional<byte[]> bytes(String absolute) {
        try {
            return Optional.of(Files.readAllBytes(resolve(absolute)));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** {@code MemTotal} of a meminfo file (the machine's, or a NUMA node's), in bytes. */
    public static OptionalLong memTotal(String meminfo) {
        Matcher m = MEM_TOTAL.matcher(meminfo);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1)) * 1024) : OptionalLong.empty();
    }

    /** A kernel CPU list such as {@code 0-11,24,26-27}. */
    public static List<Integer> cpuList(String text) {
        List<Integer> cpus = new ArrayList<>();
        for (String range : text.strip().split(",")) {
            if (range.isBlank()) {
                continue;
            }
            int dash = range.indexOf('-');
            int from = Integer.parseInt(range.substring(0, dash < 0 ? range.length() : dash).strip());
            int to = dash < 0 ? from : Integer.parseInt(range.substring(dash + 1).strip());
            for (int c = from; c <= to; c++) {
                cpus.add(c);
            }
        }
        return cpus;
    }
}
