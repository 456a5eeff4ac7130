package dev.kumiki.tensor.hardware;

import java.util.List;

/**
 * One NUMA node: on an A64FX, one Core Memory Group (12 compute cores sharing an L2 and an HBM2 stack).
 *
 * @param id          the kernel's node number
 * @param cpus        the logical CPUs of the node, ascending
 * @param memoryBytes the node's memory, 0 when the kernel does not report it
 */
public record NumaNode(int id, List<Integer> cpus, long memoryBytes) {
    public NumaNode {
        if (id < 0) {
            throw new IllegalArgumentException("NUMA node id must be >= 0, was " + id);
        }
        cpus = List.copyOf(cpus);
        if (memoryBytes < 0) {
            throw new IllegalArgumentException("NUMA node memory must be >= 0, was " + memoryBytes);
        }
    }
}
