package dev.kumiki.merge;

/** Progress of a running merge, for progress bars and the Studio. Called from worker threads. */
public interface MergeListener {
    /** A tensor has been written; {@code bytesDone} of {@code bytesTotal} output bytes are done. */
    void tensorDone(PlannedTensor tensor, int done, int total, long bytesDone, long bytesTotal);

    /** The output files are being finished (config, tokenizer, model card, renames). */
    default void finishing() {
    }

    /** Something the user must know about the result (e.g. NaN values allowed by {@code allowNonFinite}). */
    default void warning(String message) {
    }

    MergeListener NONE = (t, d, n, b, bt) -> { };
}
