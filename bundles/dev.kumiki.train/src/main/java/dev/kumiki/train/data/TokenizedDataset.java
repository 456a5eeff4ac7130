package dev.kumiki.train.data;

/** Sequences ready to train on, in a fixed order (the trainer shuffles with its seed). */
public interface TokenizedDataset {

    /** Number of sequences. */
    int size();

    /** Sequence {@code index}, 0-based. */
    TokenizedSequence get(int index);

    /** Where the data came from, for messages and the model card ({@code data/ja.jsonl (train split)}). */
    String description();
}
