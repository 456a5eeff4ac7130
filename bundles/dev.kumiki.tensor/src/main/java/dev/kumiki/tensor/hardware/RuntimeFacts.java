package dev.kumiki.tensor.hardware;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

import dev.kumiki.tensor.hardware.internal.SveVectorLength;
import dev.kumiki.tensor.hardware.internal.VectorApiProbe;

/**
 * What the running JVM knows about its host, beyond files: the inputs of {@link HardwareProfile#detect(java.nio.file.Path, RuntimeFacts)}
 * that tests replace to replay a recorded machine.
 *
 * @param osName              {@code os.name}
 * @param arch                {@code os.arch} ({@code amd64}, {@code aarch64})
 * @param availableProcessors processors this JVM may use (cgroup and affinity limits applied)
 * @param maxHeapBytes        the JVM's maximum heap
 * @param vector              the Vector API's state in this JVM
 * @param sveBitsFromKernel   the SVE vector length the kernel gives this process ({@code prctl(PR_SVE_GET_VL)}),
 *                            empty when not on aarch64 or not available
 * @param backendOverride     the user's backend choice and where it came from, e.g. {@code scalar} from
 *                            {@code -Dkumiki.backend}
 */
public record RuntimeFacts(String osName, String arch, int availableProcessors, long maxHeapBytes, VectorSupport vector,
                           OptionalInt sveBitsFromKernel, Optional<Override> backendOverride) {

    /** A backend named by the user, and the setting it came from (for messages). */
    public record Override(String value, String source) {
        public Override {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(source, "source");
        }
    }

    public RuntimeFacts {
        Objects.requireNonNull(osName, "osName");
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(sveBitsFromKernel, "sveBitsFromKernel");
        Objects.requireNonNull(backendOverride, "backendOverride");
        if (availableProcessors < 1) {
            throw new IllegalArgumentException("availableProcessors must be >= 1, was " + availableProcessors);
        }
    }

    /** The facts of this JVM. */
    public static RuntimeFacts current() {
        String arch = System.getProperty("os.arch", "unknown");
        String osName = System.getProperty("os.name", "unknown");
        OptionalInt sve = osName.equals("Linux") && arch.equals("aarch64") ? SveVectorLength.ofThisProcess() : OptionalInt.empty();
        return new RuntimeFacts(osName, arch, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory(),
                VectorApiProbe.probe(), sve, overrideFromSettings());
    }

    private static Optional<Override> overrideFromSettings() {
        String property = System.getProperty(Backend.PROPERTY);
        if (property != null && !property.isBlank()) {
            return Optional.of(new Override(property, "-D" + Backend.PROPERTY));
        }
        String env = System.getenv(Backend.ENVIRONMENT);
        if (env != null && !env.isBlank()) {
            return Optional.of(new Override(env, Backend.ENVIRONMENT));
        }
        return Optional.empty();
    }
}
