package dev.kumiki.nodes;

import dev.kumiki.engine.PortType;

/** The port types of the built-in nodes, for other node bundles to use too. */
public final class ModelPorts {
    /** A language model in Hugging Face layout, carried as a {@link ModelHandle}. */
    public static final PortType MODEL = new PortType("model", "a model (the output of LoadModel, Merge or SaveModel)");
    /** A file written by a node, carried as a {@link FileValue}. */
    public static final PortType FILE = new PortType("file", "a file");

    private ModelPorts() {
    }
}
