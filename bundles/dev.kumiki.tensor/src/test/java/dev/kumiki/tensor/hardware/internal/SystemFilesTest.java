package dev.kumiki.tensor.hardware.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class SystemFilesTest {

    @Test
    void cpuListsWithRangesAndSingles() {
        assertEquals(List.of(0, 1, 2, 5, 7, 8), SystemFiles.cpuList("0-2,5,7-8\n"));
        assertEquals(List.of(), SystemFiles.cpuList("\n"));
    }

    @Test
    void memTotalInBytes() {
        assertEquals(1024L * 5073100, SystemFiles.memTotal("Node 0 MemTotal:        5073100 kB\n").getAsLong());
        assertTrue(SystemFiles.memTotal("MemFree: 12 kB").isEmpty());
    }

    @Test
    void cpuInfoKeepsTheArmHeaderApartFromProcessors() {
        CpuInfo info = CpuInfo.parse("processor\t: 0\nFeatures\t: fp sve\n\nprocessor\t: 1\nFeatures\t: fp sve\n\n"
                + "Hardware\t: FX700\n");
        assertEquals(2, info.processors().size());
        assertEquals("FX700", info.first("Hardware"));
        assertEquals(List.of("fp", "sve"), info.features());
        assertTrue(info.firstInt("CPU part").isEmpty());
    }
}
