package dev.kumiki.tensor.hardware;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The kernel families Kumiki can run tensor work on. {@link HardwareProfile} picks one from the CPU it finds;
 * the {@value #PROPERTY} system property or the {@value #ENVIRONMENT} environment variable overrides the pick.
 */
public enum Backend {
    /**
     * Fujitsu A64FX: the Vector API kernels on its 512-bit SVE. For now these are the {@link #VECTOR} kernels at
     * that width; blocking for its 256-byte cache lines and work placed per CMG are the tuning still to come.
     */
    A64FX("a64fx", "Java Vector API kernels on A64FX's 512-bit SVE"),
    /** Java Vector API kernels with the JVM's preferred species (AVX2, AVX-512, NEON, SVE). */
    VECTOR("vector", "Java Vector API kernels"),
    /** Plain Java loops: the reference every other backend is tested against. */
    SCALAR("scalar", "scalar Java reference kernels");

    /** System property that overrides the detected backend, e.g. {@code -Dkumiki.backend=scalar}. */
    public static final String PROPERTY = "kumiki.backend";
    /** Environment variable that overrides the detected backend when the system property is not set. */
    public static final String ENVIRONMENT = "KUMIKI_BACKEND";

    private final String id;
    private final String description;

    Backend(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The name users type and see: {@code a64fx}, {@code vector}, {@code scalar}. */
    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    /**
     * Reads a backend name as a user typed it.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code name} is none of them
     */
    public static Backend ofId(String name) {
        String wanted = name.strip().toLowerCase(Locale.ROOT);
        return byId(wanted).orElseThrow(() -> new IllegalArgumentException(
                "unknown backend '" + name + "'; choose one of " + ids()));
    }

    static Optional<Backend> byId(String id) {
        return Arrays.stream(values()).filter(b -> b.id.equals(id)).findFirst();
    }

    /** The accepted names, comma separated, for messages. */
    public static String ids() {
        return Arrays.stream(values()).map(Backend::id).collect(Collectors.joining(", "));
    }
}
