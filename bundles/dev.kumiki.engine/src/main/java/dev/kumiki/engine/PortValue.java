package dev.kumiki.engine;

/**
 * What a port carries at run time. Values are handles, not data: a model port carries something that can stream a
 * model's tensors (from files, or computed on demand by a merge), so nodes chain without intermediate copies.
 */
public interface PortValue {
    /** What the value describes, as a {@link PortSpec}. */
    PortSpec spec();

    /** One line for run records and results, e.g. the folder a model was saved to. */
    String summary();
}
