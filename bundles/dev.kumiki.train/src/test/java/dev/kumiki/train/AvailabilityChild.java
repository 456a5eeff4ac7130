package dev.kumiki.train;

/** Prints {@link Training#availability()} in a JVM whose classpath lacks DJL's PyTorch engine. */
public final class AvailabilityChild {
    private AvailabilityChild() {
    }

    public static void main(String[] args) {
        System.out.println("availability: " + Training.availability().orElse("(available)"));
    }
}
