package dev.kumiki.nodes;

import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;

/**
 * A Check's outcome on a {@link ModelPorts#CHECK} port.
 *
 * @param name what was checked, in words (the node's label, else its id)
 * @param met  whether it held
 * @param text what was compared: {@code math: mult_ja exact_match,japanese-only 47.5 % > 0}
 */
public record CheckValue(String name, boolean met, String text) implements PortValue {
    @Override
    public PortSpec spec() {
        return new Spec(name);
    }

    @Override
    public String summary() {
        return (met ? "met: " : "NOT MET: ") + text;
    }

    /** What a check port will carry: the check's name. */
    public record Spec(String name) implements PortSpec {
        @Override
        public String summary() {
            return "the outcome of the check " + name;
        }
    }
}
