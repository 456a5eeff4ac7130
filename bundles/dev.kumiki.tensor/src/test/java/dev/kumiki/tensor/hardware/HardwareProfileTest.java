package dev.kumiki.tensor.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Detection replayed on recorded machines (src/test/resources/machines, see its README). */
class HardwareProfileTest {

    private static final long GIB = 1024L * 1024 * 1024;

    static Path machine(String name) {
        try {
            return Path.of(HardwareProfileTest.class.getResource("/machines/" + name + "/proc/cpuinfo").toURI())
                    .getParent().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static RuntimeFacts facts(String arch, int processors, int vectorBits) {
        return new RuntimeFacts("Linux", arch, processors, 4 * GIB,
                vectorBits > 0 ? VectorSupport.of(vectorBits) : VectorSupport.off("test: vectors off"),
                OptionalInt.empty(), Optional.empty());
    }

    @Test
    void a64fxIsFujitsuWith512BitSveFourCmgsAndPicksTheA64fxBackend() {
        HardwareProfile p = HardwareProfile.detect(machine("a64fx-fx700"), facts("aarch64", 48, 512));
        Cpu cpu = p.cpu();
        assertEquals("Fujitsu", cpu.vendor());
        assertEquals("A64FX", cpu.model());
        assertEquals(0x46, cpu.implementer().getAsInt());
        assertEquals(0x001, cpu.part().getAsInt());
        assertTrue(cpu.isA64fx());
        assertTrue(cpu.sve(), "AT_HWCAP bit 22");
        assertEquals(512, cpu.sveBits(), "sve_default_vector_length 64 bytes");
        assertEquals("SVE 512-bit", cpu.simd());
        assertEquals(48, p.logicalCpus());
        assertEquals(4, p.numaNodes().size());
        assertEquals(List.of(12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23), p.numaNodes().get(1).cpus());
        assertEquals(8 * GIB, p.numaNodes().get(3).memoryBytes());
        assertEquals(32 * GIB, p.memoryBytes());
        assertEquals(Backend.A64FX, p.backend());
        assertTrue(p.backendReason().contains("A64FX"), p.backendReason());
        Map<String, String> rows = p.describe();
        assertEquals("Fujitsu A64FX (implementer 0x46, part 0x001)", rows.get("CPU"));
        assertEquals("4: node0 cpus 0-11 8.0 GiB; node1 cpus 12-23 8.0 GiB; node2 cpus 24-35 8.0 GiB; "
                + "node3 cpus 36-47 8.0 GiB", rows.get("NUMA nodes (CMGs)"));
    }

    @Test
    void a64fxWithoutTheVectorApiFallsBackToScalarAndSaysWhy() {
        HardwareProfile p = HardwareProfile.detect(machine("a64fx-fx700"), facts("aarch64", 48, 0));
        assertEquals(Backend.SCALAR, p.backend());
        assertEquals("Vector API off: test: vectors off", p.backendReason());
    }

    @Test
    void a64fxRunWithShorterSveVectorsUsesTheGenericVectorBackend() {
        // e.g. a process started with a 256-bit SVE length (prctl / sve_default_vector_length)
        RuntimeFacts f = new RuntimeFacts("Linux", "aarch64", 48, GIB, VectorSupport.of(256), OptionalInt.of(256),
                Optional.empty());
        HardwareProfile p = HardwareProfile.detect(machine("a64fx-fx700"), f);
        assertEquals(256, p.cpu().sveBits(), "the kernel's answer for this process wins over the default");
        assertEquals(Backend.VECTOR, p.backend());
        assertTrue(p.backendReason().startsWith("A64FX, but SVE is 256-bit"), p.backendReason());
    }

    @Test
    void graviton3IsNeoverseV1With256BitSve() {
        HardwareProfile p = HardwareProfile.detect(machine("graviton3-c7g"), facts("aarch64", 16, 256));
        assertEquals("ARM", p.cpu().vendor());
        assertEquals("Neoverse-V1", p.cpu().model());
        assertEquals(0xd40, p.cpu().part().getAsInt());
        assertFalse(p.cpu().isA64fx());
        assertTrue(p.cpu().sve());
        assertEquals(256, p.cpu().sveBits());
        assertEquals(16, p.logicalCpus());
        assertEquals(1, p.numaNodes().size());
        assertEquals(Backend.VECTOR, p.backend());
        assertEquals("SVE 256-bit CPU, 256-bit vectors", p.backendReason());
    }

    @Test
    void xeonWithAvx512() {
        HardwareProfile p = HardwareProfile.detect(machine("xeon-avx512"), facts("amd64", 2, 512));
        assertEquals("GenuineIntel", p.cpu().vendor());
        assertEquals("Intel(R) Xeon(R) Processor", p.cpu().model());
        assertTrue(p.cpu().implementer().isEmpty());
        assertEquals("AVX-512", p.cpu().simd());
        assertTrue(p.cpu().hasFeature("avx512f"));
        assertFalse(p.cpu().sve());
        assertEquals(2, p.logicalCpus());
        assertEquals(List.of(0, 1), p.numaNodes().get(0).cpus());
        assertEquals(Backend.VECTOR, p.backend());
        assertEquals("AVX-512 CPU, 512-bit vectors", p.backendReason());
    }

    @Test
    void epycWithAvx2Only() {
        HardwareProfile p = HardwareProfile.detect(machine("epyc-zen3-avx2"), facts("amd64", 4, 256));
        assertEquals("AuthenticAMD", p.cpu().vendor());
        assertEquals("AMD EPYC 7B13", p.cpu().model());
        assertEquals("AVX2", p.cpu().simd());
        assertFalse(p.cpu().hasFeature("avx512f"));
        assertEquals(4, p.logicalCpus());
        assertEquals(16393920L * 1024, p.memoryBytes());
        assertEquals(Backend.VECTOR, p.backend());
        assertEquals("AVX2 CPU, 256-bit vectors", p.backendReason());
        assertEquals("1: node0 cpus 0-3 15.6 GiB", p.describe().get("NUMA nodes"));
    }

    @Test
    void theAuxiliaryVectorDecidesSveEvenWhenFeaturesListIt(@TempDir Path root) throws IOException {
        // a kernel that lists 'sve' but does not grant it to the process (AT_HWCAP bit 22 clear)
        Path cpuinfo = root.resolve("proc/cpuinfo");
        Files.createDirectories(cpuinfo.getParent().resolve("self"));
        Files.writeString(cpuinfo, "processor\t: 0\nFeatures\t: fp asimd sve\nCPU implementer\t: 0x46\n"
                + "CPU part\t: 0x001\n\n");
        Files.write(root.resolve("proc/self/auxv"), auxv(16, 0b11, 0, 0));
        HardwareProfile p = HardwareProfile.detect(root, facts("aarch64", 1, 128));
        assertFalse(p.cpu().sve());
        assertEquals("NEON 128-bit", p.cpu().simd());
        assertEquals(Backend.VECTOR, p.backend());
    }

    @Test
    void nothingReadableIsReportedAsUnknownNotAnError(@TempDir Path empty) {
        HardwareProfile p = HardwareProfile.detect(empty, facts("amd64", 3, 0));
        assertEquals("unknown", p.cpu().vendor());
        assertEquals(0, p.logicalCpus());
        assertEquals(3, p.availableProcessors());
        assertTrue(p.numaNodes().isEmpty());
        assertEquals(0, p.memoryBytes());
        assertEquals("not reported", p.describe().get("NUMA nodes"));
        assertEquals("unknown, JVM heap up to 4.0 GiB", p.describe().get("Memory"));
        assertEquals(Backend.SCALAR, p.backend());
    }

    @Test
    void aBackendSettingOverridesTheDetectedOne() {
        RuntimeFacts f = new RuntimeFacts("Linux", "amd64", 2, GIB, VectorSupport.of(512), OptionalInt.empty(),
                Optional.of(new RuntimeFacts.Override(" Scalar ", "KUMIKI_BACKEND")));
        HardwareProfile p = HardwareProfile.detect(machine("xeon-avx512"), f);
        assertEquals(Backend.SCALAR, p.backend());
        assertEquals("set by KUMIKI_BACKEND= Scalar ", p.backendReason());
    }

    @Test
    void anUnknownBackendSettingIsRefusedWithTheChoices() {
        RuntimeFacts f = new RuntimeFacts("Linux", "amd64", 2, GIB, VectorSupport.of(512), OptionalInt.empty(),
                Optional.of(new RuntimeFacts.Override("avx", "-Dkumiki.backend")));
        var e = assertThrows(IllegalArgumentException.class, () -> HardwareProfile.detect(machine("xeon-avx512"), f));
        assertEquals("-Dkumiki.backend: unknown backend 'avx'; choose one of a64fx, vector, scalar", e.getMessage());
    }

    @Test
    void aVectorBackendSettingNeedsTheVectorApi() {
        RuntimeFacts f = new RuntimeFacts("Linux", "amd64", 2, GIB, VectorSupport.off("no module"), OptionalInt.empty(),
                Optional.of(new RuntimeFacts.Override("vector", "KUMIKI_BACKEND")));
        var e = assertThrows(IllegalArgumentException.class, () -> HardwareProfile.detect(machine("xeon-avx512"), f));
        assertEquals("KUMIKI_BACKEND asks for the 'vector' backend, but the Vector API is off: no module",
                e.getMessage());
    }

    @Test
    void jsonMapHasStableKeys() {
        Map<String, Object> m = HardwareProfile.detect(machine("a64fx-fx700"), facts("aarch64", 48, 512)).toMap();
        assertEquals(List.of("os", "arch", "cpu", "logicalCpus", "availableProcessors", "numaNodes", "memoryBytes",
                "maxHeapBytes", "vectorApi", "backend"), List.copyOf(m.keySet()));
        @SuppressWarnings("unchecked")
        Map<String, Object> cpu = (Map<String, Object>) m.get("cpu");
        assertEquals("0x46", cpu.get("implementer"));
        assertEquals("0x001", cpu.get("part"));
        assertEquals(512, cpu.get("sveVectorBits"));
        @SuppressWarnings("unchecked")
        Map<String, Object> backend = (Map<String, Object>) m.get("backend");
        assertEquals("a64fx", backend.get("id"));
    }

    @Test
    void cpuRangesAreWrittenLikeTheKernelDoes() {
        assertEquals("0-3,8,10-11", HardwareProfile.cpuRanges(List.of(0, 1, 2, 3, 8, 10, 11)));
        assertEquals("5", HardwareProfile.cpuRanges(List.of(5)));
        assertEquals("none", HardwareProfile.cpuRanges(List.of()));
    }

    static byte[] auxv(long... pairs) {
        ByteBuffer b = ByteBuffer.allocate(pairs.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : pairs) {
            b.putLong(v);
        }
        return b.array();
    }
}
