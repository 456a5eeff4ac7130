package dev.kumiki.cli;

import static dev.kumiki.cli.Cli.kumiki;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.tensor.hardware.HardwareProfile;

/** The command line as a user meets it: output, messages and exit codes. */
class KumikiTest {


    @AfterEach
    void clearOverride() {
        System.clearProperty("kumiki.backend");
    }

    @Test
    void helpListsTheCommandsAndHowToStartTheStudio() {
        Cli.Result r = kumiki("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("Usage: kumiki [-hV] [COMMAND]"), r.out());
        for (String command : new String[] {"merge", "make-model", "train", "evolve", "backends", "bench", "version",
            "help"}) {
            assertTrue(r.out().contains("\n  " + command + " "), command + " in\n" + r.out());
        }
        // picocli pads the names to the longest command's (apply-adapter): match the description, not the spaces
        assertTrue(r.out().matches("(?s).*\n  version +Print the Kumiki version and the Java runtime\\..*"), r.out());
        assertTrue(r.out().contains("Start the graphical workbench with: kumiki studio"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void versionNamesKumikiAndTheJavaRuntime() {
        Cli.Result r = kumiki("version");
        assertEquals(0, r.code());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].matches("Kumiki (0\\.1\\.0\\S*|unknown)"), lines[0]);
        assertTrue(lines[1].startsWith("Java " + Runtime.version()), lines[1]);
        assertEquals(r.out(), kumiki("--version").out());
    }

    @Test
    void backendsPrintsTheProfileAndMarksTheBackendInUse() {
        Cli.Result r = kumiki("backends");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("  CPU "), r.out());
        assertTrue(r.out().contains("  Vector API "), r.out());
        // the test JVM runs with --add-modules jdk.incubator.vector (parent pom), so vectors are on
        assertTrue(r.out().contains("  * vector  Java Vector API kernels") || r.out().contains("  * a64fx "), r.out());
        // what multiplies a BF16 prefill: oneDNN where the CPU has a bf16 dot product (./run-tests installs it)
        String bf16 = HardwareProfile.detect().cpu().hasFeature("avx512_bf16")
                ? "oneDNN " : "the vector kernels; oneDNN not used: this CPU has no bfloat16 dot product";
        assertTrue(r.out().contains("  BF16 prefill  " + bf16), r.out());
    }

    @Test
    void backendsAsJson() throws Exception {
        Cli.Result r = kumiki("backends", "--json");
        assertEquals(0, r.code(), r.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> json = new ObjectMapper().readValue(r.out(), Map.class);
        assertEquals(System.getProperty("os.arch"), json.get("arch"));
        assertEquals(Runtime.getRuntime().availableProcessors(), json.get("availableProcessors"));
        @SuppressWarnings("unchecked")
        Map<String, Object> vector = (Map<String, Object>) json.get("vectorApi");
        assertEquals(true, vector.get("enabled"));
        assertEquals(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), vector.get("preferredBits"));
    }

    @Test
    void theBackendSettingIsObeyedAndABadOneIsAUsageError() {
        System.setProperty("kumiki.backend", "scalar");
        assertTrue(kumiki("backends").out().contains("  * scalar  scalar Java reference kernels"));
        System.setProperty("kumiki.backend", "gpu");
        Cli.Result r = kumiki("backends");
        assertEquals(2, r.code());
        assertEquals("kumiki backends: -Dkumiki.backend: unknown backend 'gpu'; choose one of a64fx, vector, scalar\n",
                r.err());
    }

    @Test
    void anUnknownCommandSuggestsTheNearestAndShowsUsage() {
        Cli.Result r = kumiki("bakends");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("kumiki: Unmatched argument at index 0: 'bakends'\nDid you mean: kumiki backends"),
                r.err());
        assertTrue(r.err().contains("Usage: kumiki [-hV] [COMMAND]"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void anUnknownOptionSuggestsTheNearestAndShowsTheCommandsUsage() {
        Cli.Result r = kumiki("backends", "--jsn");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Unknown option: '--jsn'"), r.err());
        assertTrue(r.err().contains("Did you mean: --json?"), r.err());
        assertTrue(r.err().contains("Usage: kumiki backends [-hV] [--json]"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }
}
