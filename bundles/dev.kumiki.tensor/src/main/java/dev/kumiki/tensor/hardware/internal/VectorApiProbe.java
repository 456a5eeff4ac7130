package dev.kumiki.tensor.hardware.internal;

import dev.kumiki.tensor.hardware.VectorSupport;

/**
 * Finds out whether the incubating Vector API is usable. The module is only present when the JVM was started with
 * {@code --add-modules jdk.incubator.vector}; {@link Species} touches its classes and is loaded only after that check.
 */
public final class VectorApiProbe {
    private static final String MODULE = "jdk.incubator.vector";

    private VectorApiProbe() {
    }

    public static VectorSupport probe() {
        String switchValue = System.getProperty(VectorSupport.SWITCH_PROPERTY, "");
        if (switchValue.equalsIgnoreCase("off") || switchValue.equalsIgnoreCase("false")) {
            return VectorSupport.off("switched off by -D" + VectorSupport.SWITCH_PROPERTY + "=" + switchValue);
        }
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            return VectorSupport.off("the JVM was started without --add-modules " + MODULE
                    + " (the kumiki launcher adds it)");
        }
        try {
            return VectorSupport.of(Species.preferredBits());
        } catch (LinkageError e) {
            // inside OSGi the package must also be visible to this bundle (optional import)
            return VectorSupport.off("the " + MODULE + " classes are not visible here: " + e);
        }
    }

    private static final class Species {
        static int preferredBits() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        }
    }
}
