package dev.kumiki.nodes;

import java.nio.file.Path;

import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;

/**
 * A text a node produced (a generation) on a {@link ModelPorts#TEXT} port, kept as a file too.
 *
 * @param text the text
 * @param file the file holding it
 */
public record TextValue(String text, Path file) implements PortValue, PortSpec {
    /** Longest text shown whole in a run's summary. */
    static final int SUMMARY_CHARS = 160;

    @Override
    public PortSpec spec() {
        return this;
    }

    /** The text on one line (line breaks as ⏎), cut at {@value #SUMMARY_CHARS} characters, quoted. */
    @Override
    public String summary() {
        String oneLine = text.replace("\r\n", "\n").replace("\n", "⏎");
        return "\"" + (oneLine.length() > SUMMARY_CHARS ? oneLine.substring(0, SUMMARY_CHARS) + "…" : oneLine) + "\"";
    }
}
