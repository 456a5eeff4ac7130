package dev.kumiki.evolve.space;

import java.io.IOException;
import java.util.Map;

import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.TransformerLanguageModel;

/**
 * A decoded genome: a merge recipe, a layer path, or a path over a merge. It is run in memory, never written.
 */
public interface Candidate {

    /**
     * The canonical text of what was decoded (parameters rounded as the recipe is written): equal keys mean the same
     * model, so the fitness cache skips them.
     */
    String key();

    /**
     * The recipe a user can read back: mergekit YAML for the parameter space, Kumiki's layer-path YAML for the
     * data-flow space (and the hybrid, whose path names the merge).
     */
    String recipe();

    /** The decoded parameters for display, in genome order, e.g. {@code ja/weight/layers 0-3 → 0.42}. */
    Map<String, Double> parameters();

    /** Builds the candidate's model in memory (nothing written to disk) with its tokenizer. The caller closes it. */
    TransformerLanguageModel open(RuntimeOptions options) throws IOException;
}
