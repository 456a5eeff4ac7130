package dev.kumiki.tensor.hardware;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.stream.Collectors;

import dev.kumiki.tensor.hardware.internal.ArmParts;
import dev.kumiki.tensor.hardware.internal.Auxv;
import dev.kumiki.tensor.hardware.internal.CpuInfo;
import dev.kumiki.tensor.hardware.internal.SystemFiles;

/**
 * The machine Kumiki runs on, and the backend it picks for tensor work.
 * <p>
 * Detection reads the kernel's files ({@code /proc/cpuinfo}, {@code /proc/self/auxv}, {@code /proc/meminfo},
 * {@code /sys/devices/system/node}) and asks the JVM for the rest ({@link RuntimeFacts}); it never fails: what cannot
 * be read is reported as unknown.
 * {@snippet :
 * HardwareProfile profile = HardwareProfile.detect();
 * if (profile.backend() == Backend.A64FX) {
 *     // 512-bit SVE, one work queue per CMG (profile.numaNodes())
 * }
 * }
 *
 * @param osName              operating system
 * @param arch                JVM architecture name ({@code amd64}, {@code aarch64})
 * @param cpu                 the processor
 * @param logicalCpus         logical processors the kernel lists (0 when it does not say)
 * @param availableProcessors processors this JVM may use
 * @param numaNodes           NUMA nodes; on A64FX these are the CMGs. Empty when the kernel does not report them
 * @param memoryBytes         physical memory, 0 when unknown
 * @param maxHeapBytes        the JVM's maximum heap
 * @param vector              Java Vector API state
 * @param backend             the backend Kumiki uses here
 * @param backendReason       why: what was found, or which setting chose it
 */
public record HardwareProfile(String osName, String arch, Cpu cpu, int logicalCpus, int availableProcessors,
                              List<NumaNode> numaNodes, long memoryBytes, long maxHeapBytes, VectorSupport vector,
                              Backend backend, String backendReason) {

    public HardwareProfile {
        Objects.requireNonNull(osName, "osName");
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(cpu, "cpu");
        numaNodes = List.copyOf(numaNodes);
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(backendReason, "backendReason");
    }

    /** The profile of the machine and JVM this runs in. */
    public static HardwareProfile detect() {
        return detect(Path.of("/"), RuntimeFacts.current());
    }

    /**
     * The profile described by the kernel files under {@code root} and the given JVM facts: a live machine with
     * {@code Path.of("/")} and {@link RuntimeFacts#current()}, or a recorded one in tests.
     *
     * @throws IllegalArgumentException when the backend override names no backend
     */
    public static HardwareProfile detect(Path root, RuntimeFacts facts) {
        SystemFiles files = new SystemFiles(root);
        CpuInfo cpuInfo = CpuInfo.parse(files.text("/proc/cpuinfo").orElse(""));
        boolean arm = facts.arch().equals("aarch64") || cpuInfo.firstInt("CPU implementer").isPresent();
        Cpu cpu = arm ? armCpu(cpuInfo, files, facts) : x86Cpu(cpuInfo);
        List<NumaNode> nodes = numaNodes(files);
        long memory = files.text("/proc/meminfo").stream().mapToLong(t -> SystemFiles.memTotal(t).orElse(0)).findFirst()
                .orElse(0);
        Choice choice = choose(cpu, facts);
        return new HardwareProfile(facts.osName(), facts.arch(), cpu, cpuInfo.processors().size(),
                facts.availableProcessors(), nodes, memory, facts.maxHeapBytes(), facts.vector(), choice.backend,
                choice.reason);
    }

    private static Cpu armCpu(CpuInfo info, SystemFiles files, RuntimeFacts facts) {
        OptionalInt implementer = info.firstInt("CPU implementer");
        OptionalInt part = info.firstInt("CPU part");
        String vendor = implementer.isPresent() ? ArmParts.implementer(implementer.getAsInt()) : "unknown";
        String model = implementer.isPresent() && part.isPresent()
                ? ArmParts.part(implementer.getAsInt(), part.getAsInt())
                : info.first("model name").isEmpty() ? "unknown" : info.first("model name");
        List<String> features = info.features();
        // the auxiliary vector is what user-space code is told to trust; Features is the fallback
        boolean sve = files.bytes("/proc/self/auxv")
                .map(b -> Auxv.of(b).value(Auxv.AT_HWCAP).stream()
                        .anyMatch(hwcap -> (hwcap & (1L << Auxv.HWCAP_SVE_BIT)) != 0))
                .orElse(features.contains("sve"));
        int sveBits = 0;
        if (sve) {
            OptionalInt fromKernel = facts.sveBitsFromKernel();
            sveBits = fromKernel.isPresent() ? fromKernel.getAsInt()
                    : files.text("/proc/sys/abi/sve_default_vector_length")
                            .map(t -> parseIntOr(t.strip(), 0) * 8).orElse(0);
        }
        String simd = sve ? (sveBits > 0 ? "SVE " + sveBits + "-bit" : "SVE (length unknown)")
                : features.contains("asimd") ? "NEON 128-bit" : "none reported";
        return new Cpu(vendor, model, implementer, part, features, sve, sveBits, simd);
    }

    private static Cpu x86Cpu(CpuInfo info) {
        List<String> flags = info.features();
        String simd = flags.contains("avx512f") ? "AVX-512"
                : flags.contains("avx2") ? "AVX2"
                : flags.contains("avx") ? "AVX"
                : flags.contains("sse4_2") ? "SSE4.2"
                : flags.isEmpty() ? "none reported" : "SSE";
        String vendor = info.first("vendor_id");
        String model = info.first("model name");
        return new Cpu(vendor.isEmpty() ? "unknown" : vendor, model.isEmpty() ? "unknown" : model, OptionalInt.empty(),
                OptionalInt.empty(), flags, false, 0, simd);
    }

    private static List<NumaNode> numaNodes(SystemFiles files) {
        Path dir = files.resolve("/sys/devices/system/node");
        List<NumaNode> nodes = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "node[0-9]*")) {
            for (Path nodeDir : stream) {
                int id = Integer.parseInt(nodeDir.getFileName().toString().substring(4));
                String base = "/sys/devices/system/node/node" + id;
                List<Integer> cpus = files.text(base + "/cpulist").map(SystemFiles::cpuList).orElse(List.of());
                long memory = files.text(base + "/meminfo").stream()
                        .mapToLong(t -> SystemFiles.memTotal(t).orElse(0)).findFirst().orElse(0);
                nodes.add(new NumaNode(id, cpus, memory));
            }
        } catch (IOException | SecurityException | NumberFormatException e) {
            return List.of();
        }
        nodes.sort(Comparator.comparingInt(NumaNode::id));
        return nodes;
    }

    private record Choice(Backend backend, String reason) {
    }

    private static Choice choose(Cpu cpu, RuntimeFacts facts) {
        if (facts.backendOverride().isPresent()) {
            RuntimeFacts.Override o = facts.backendOverride().get();
            Backend b;
            try {
                b = Backend.ofId(o.value());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(o.source() + ": " + e.getMessage());
            }
            if (b != Backend.SCALAR && !facts.vector().enabled()) {
                throw new IllegalArgumentException(o.source() + " asks for the '" + b.id()
                        + "' backend, but the Vector API is off: " + facts.vector().note());
            }
            return new Choice(b, "set by " + o.source() + "=" + o.value());
        }
        VectorSupport v = facts.vector();
        if (!v.enabled()) {
            return new Choice(Backend.SCALAR, "Vector API off: " + v.note());
        }
        if (cpu.isA64fx() && cpu.sveBits() == 512 && v.preferredBits() >= 512) {
            return new Choice(Backend.A64FX, "Fujitsu A64FX (implementer 0x46, part 0x001) with 512-bit SVE");
        }
        String why = cpu.isA64fx()
                ? "A64FX, but SVE is " + cpu.sveBits() + "-bit and the Vector API " + v.preferredBits() + "-bit"
                : cpu.simd() + " CPU";
        return new Choice(Backend.VECTOR, why + ", " + v.preferredBits() + "-bit vectors");
    }

    private static int parseIntOr(String s, int fallback) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /**
     * The profile as labelled lines for people, in a stable order (the CLI prints them, the Studio's About dialog
     * shows them).
     */
    public Map<String, String> describe() {
        Map<String, String> rows = new LinkedHashMap<>();
        String id = cpu.implementer().isPresent()
                ? String.format(" (implementer 0x%02x, part 0x%03x)", cpu.implementer().getAsInt(),
                        cpu.part().orElse(0))
                : "";
        rows.put("CPU", cpu.vendor() + " " + cpu.model() + id);
        rows.put("Architecture", osName + " " + arch);
        rows.put("Cores", (logicalCpus > 0 ? logicalCpus + " logical, " : "") + availableProcessors + " available to Kumiki");
        rows.put("SIMD", cpu.simd() + (cpu.sve() ? " (AT_HWCAP bit 22)" : ""));
        rows.put("Vector API", vector.enabled()
                ? "on, preferred species " + vector.preferredBits() + "-bit (" + vector.floatLanes() + " float lanes)"
                : "off: " + vector.note());
        rows.put(cpu.isA64fx() ? "NUMA nodes (CMGs)" : "NUMA nodes", numaNodes.isEmpty() ? "not reported"
                : numaNodes.size() + ": " + numaNodes.stream()
                        .map(n -> "node" + n.id() + " cpus " + cpuRanges(n.cpus())
                                + (n.memoryBytes() > 0 ? " " + gib(n.memoryBytes()) : ""))
                        .collect(Collectors.joining("; ")));
        rows.put("Memory", (memoryBytes > 0 ? gib(memoryBytes) : "unknown") + ", JVM heap up to " + gib(maxHeapBytes));
        rows.put("Backend", backend.id() + " (" + backend.description() + "): " + backendReason);
        return rows;
    }

    /** The profile as nested maps of strings, numbers and booleans, for JSON output; keys are stable API. */
    public Map<String, Object> toMap() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("vendor", cpu.vendor());
        c.put("model", cpu.model());
        c.put("implementer", cpu.implementer().isPresent() ? String.format("0x%02x", cpu.implementer().getAsInt()) : null);
        c.put("part", cpu.part().isPresent() ? String.format("0x%03x", cpu.part().getAsInt()) : null);
        c.put("a64fx", cpu.isA64fx());
        c.put("simd", cpu.simd());
        c.put("sve", cpu.sve());
        c.put("sveVectorBits", cpu.sveBits());
        c.put("features", cpu.features());
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("enabled", vector.enabled());
        v.put("preferredBits", vector.preferredBits());
        v.put("floatLanes", vector.floatLanes());
        if (!vector.enabled()) {
            v.put("note", vector.note());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("os", osName);
        m.put("arch", arch);
        m.put("cpu", c);
        m.put("logicalCpus", logicalCpus);
        m.put("availableProcessors", availableProcessors);
        m.put("numaNodes", numaNodes.stream().map(n -> {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("id", n.id());
            node.put("cpus", n.cpus());
            node.put("memoryBytes", n.memoryBytes());
            return node;
        }).toList());
        m.put("memoryBytes", memoryBytes);
        m.put("maxHeapBytes", maxHeapBytes);
        m.put("vectorApi", v);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("id", backend.id());
        b.put("description", backend.description());
        b.put("reason", backendReason);
        m.put("backend", b);
        return m;
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    /** {@code [0,1,2,3,8]} as {@code 0-3,8}. */
    static String cpuRanges(List<Integer> cpus) {
        if (cpus.isEmpty()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        int start = cpus.get(0);
        for (int i = 1; i <= cpus.size(); i++) {
            int prev = cpus.get(i - 1);
            if (i == cpus.size() || cpus.get(i) != prev + 1) {
                parts.add(start == prev ? Integer.toString(start) : start + "-" + prev);
                if (i < cpus.size()) {
                    start = cpus.get(i);
                }
            }
        }
        return String.join(",", parts);
    }
}
