package dev.kumiki.engine;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.emf.ecore.EClass;

import dev.kumiki.model.pipeline.NodeSettings;

/**
 * A kind of node: its settings (an EClass extending NodeSettings, whose name is the kind's name), its ports, and
 * how it configures and executes. Kinds come from {@link NodeKindProvider}s; the built-in ones too.
 *
 * <p>Configure reads headers and configs only and must be fast (milliseconds); execute does the work. The engine
 * checks settings against their bounds and connections against port types before calling either.
 *
 * @param <S> the settings class
 */
public interface NodeKind<S extends NodeSettings> {
    /** The settings EClass; its name is the kind's name ({@code LoadModel}) and its documentation the kind's. */
    EClass settingsClass();

    List<Port> inputs();

    List<Port> outputs();

    /**
     * What the outputs will be, from the settings and the inputs' specs. Problems go to {@code context}; return
     * what can be told (possibly nothing) even when there are problems.
     */
    Map<String, PortSpec> configure(S settings, Inputs<PortSpec> inputs, ConfigureContext context);

    /** Does the work; returns a value for every output port. Throws {@link java.util.concurrent.CancellationException}
     * when cancelled, any other exception when the node failed (its message is shown to users). */
    Map<String, PortValue> execute(S settings, Inputs<PortValue> inputs, ExecuteContext context) throws Exception;

    /**
     * What outside the pipeline this node reads, as a fingerprint that changes when those files change (sizes,
     * times, header hashes): part of the node's cache key. Empty for nodes that read nothing outside.
     */
    default String fingerprint(S settings, ConfigureContext context) throws java.io.IOException {
        return "";
    }

    /**
     * Whether outputs are kept between runs: the engine stores {@link #persist} of each output under the node's
     * cache key, and on a later run with the same key restores them instead of executing. Kinds whose outputs are
     * cheap handles (a model folder read lazily, a merge recipe) do not need it.
     */
    default boolean cached() {
        return false;
    }

    /** A text from which {@link #restore} can rebuild {@code value} (e.g. a folder and its fingerprint). */
    default String persist(String port, PortValue value) {
        throw new UnsupportedOperationException(settingsClass().getName() + " keeps no outputs");
    }

    /** The value {@link #persist} described, or empty when it is gone or changed (so the node runs again). */
    default Optional<PortValue> restore(S settings, String port, String persisted, ConfigureContext context) {
        return Optional.empty();
    }

    /**
     * Values the node takes beyond its settings class's own attributes, given its settings and the ids of the nodes
     * connected to each input port (e.g. a Merge's method parameters, per connected model): editors offer a field for
     * each. Empty for most kinds.
     */
    default List<ParameterField> parameterFields(S settings, Map<String, List<String>> connected) {
        return List.of();
    }

    /**
     * The input whose value output {@code port} passes on unchanged (a gate that lets a model through when a check
     * holds), or empty. Downstream nodes then know the value by the name of the node it came from, not the gate's:
     * a merge of {@code ja} passed through a check still merges {@code ja}.
     */
    default Optional<String> passesOn(String port) {
        return Optional.empty();
    }

    /** Memory the node needs while executing, in bytes, for the scheduler's budget. */
    default long memoryEstimate(S settings, Inputs<PortSpec> inputs) {
        return 64L << 20;
    }

    /** The kind's name: its settings EClass's name. */
    default String name() {
        return settingsClass().getName();
    }
}
