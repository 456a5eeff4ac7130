package dev.kumiki.nodes;

import dev.kumiki.engine.PortType;

/** The port types of the built-in nodes, for other node bundles to use too. */
public final class ModelPorts {
    /** A language model in Hugging Face layout, carried as a {@link ModelHandle}. */
    public static final PortType MODEL = new PortType("model", "a model (the output of LoadModel, Merge or SaveModel)");
    /** A file written by a node, carried as a {@link FileValue}. */
    public static final PortType FILE = new PortType("file", "a file");
    /** An evaluation's results: per task and metric a value and its standard error, carried as {@link Scores}. */
    public static final PortType SCORES = new PortType("scores", "evaluation results: per task and metric a value "
            + "and its standard error (the output of Evaluate)");
    /**
     * A JSONL dataset to train on: the file, the shape of its lines and the share held out for validation, carried
     * as a {@link DatasetValue}.
     */
    public static final PortType DATASET = new PortType("dataset", "a JSONL dataset with its format and validation "
            + "split (the output of Dataset)");
    /** A text a node wrote (a generation), carried as a {@link TextValue}. */
    public static final PortType TEXT = new PortType("text", "a text (the output of Generate), kept as a file");

    /** A Check's outcome: met or not, and what was compared, carried as a {@link CheckValue}. */
    public static final PortType CHECK = new PortType("check", "whether a check on scores held, and what it compared "
            + "(the output of Check)");
    /** A Report's table of models and scores, carried as a {@link ReportValue}. */
    public static final PortType REPORT = new PortType("report", "a table of models and scores written as Markdown, "
            + "JSON and HTML (the output of Report)");

    private ModelPorts() {
    }
}
