package dev.kumiki.merge;

import java.util.List;

/**
 * A way of merging tensors, named and parameterised as in mergekit. Methods compute one output tensor at a time
 * from a {@link TensorJob}; they never see files or configuration.
 */
public interface MergeMethod {

    /** How a method uses {@code base_model}. */
    enum BaseUse {
        /** It needs one (task arithmetic and its relatives work on deltas from the base). */
        REQUIRED,
        /** It uses one when given (slerp interpolates from it). */
        OPTIONAL,
        /** It has no notion of a base. */
        NONE
    }

    /** mergekit's name: {@code linear}, {@code ties}… */
    String name();

    /** One line for users. */
    String description();

    BaseUse baseUse();

    /**
     * How embedding and head tensors of different row counts (vocabularies) are merged without tokenizer_source:
     * cut to the base model's rows, as mergekit's task vectors are ({@code get_task_vectors}), or to the rows every
     * input has ({@code rectify_embed_sizes}).
     */
    default boolean cutsEmbeddingsToBase() {
        return false;
    }

    /** Parameters given once per merge (or per slice, or per filter). */
    List<ParameterDef> parameters();

    /** Parameters given per input model. */
    List<ParameterDef> modelParameters();

    /**
     * Whether the result depends on the merge's seed (DARE's and DELLA's random drops): the same recipe merged with
     * another seed is another model.
     */
    default boolean random() {
        return false;
    }

    /**
     * Checks the inputs' count and the parameter values before anything is read, e.g. that slerp has exactly two
     * models or that densities lie in [0, 1].
     *
     * @return a problem for users, or null when the job is fine
     */
    default String check(TensorJob job) {
        return null;
    }

    /** Computes {@code job}'s output tensor, writing every element exactly once. */
    void merge(TensorJob job);
}
