package dev.kumiki.tensor.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.kumiki.tensor.hardware.internal.Auxv;

/**
 * Runs only in the emulated A64FX JVM (arm64 OpenJDK under qemu-user {@code -cpu a64fx}; the {@code a64fx} Maven
 * profile builds it and forks this test into it): detection on the live kernel files, the live auxiliary vector,
 * {@code prctl(PR_SVE_GET_VL)} through the FFM API and the JVM's own Vector API species.
 */
class HardwareProfileOnEmulatedA64fxTest {

    @Test
    void detectsTheA64fxItRunsOn() throws IOException {
        assertEquals("aarch64", System.getProperty("os.arch"), "this test must run in the emulated A64FX JVM");
        long hwcap = Auxv.of(Files.readAllBytes(Path.of("/proc/self/auxv"))).value(Auxv.AT_HWCAP).orElseThrow();
        assertTrue((hwcap & (1L << 22)) != 0, "AT_HWCAP bit 22 (SVE) in " + Long.toHexString(hwcap));

        RuntimeFacts facts = RuntimeFacts.current();
        assertEquals(512, facts.sveBitsFromKernel().orElseThrow(), "prctl(PR_SVE_GET_VL)");
        assertTrue(facts.vector().enabled(), facts.vector().note());
        assertEquals(512, facts.vector().preferredBits(), "FloatVector.SPECIES_PREFERRED");

        HardwareProfile p = HardwareProfile.detect();
        assertEquals(Cpu.FUJITSU, p.cpu().implementer().getAsInt());
        assertEquals(Cpu.A64FX_PART, p.cpu().part().getAsInt());
        assertEquals("Fujitsu", p.cpu().vendor());
        assertEquals("A64FX", p.cpu().model());
        assertTrue(p.cpu().sve());
        assertEquals(512, p.cpu().sveBits());
        assertEquals(Backend.A64FX, p.backend(), p.backendReason());
        System.out.println("emulated A64FX profile: " + p.describe());
    }
}
