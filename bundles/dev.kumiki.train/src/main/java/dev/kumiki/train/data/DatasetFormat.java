package dev.kumiki.train.data;

/** The shape of a JSONL dataset's lines. */
public enum DatasetFormat {
    /** {@code {"text": …}}: every token is trained. */
    TEXT,
    /** {@code {"prompt": …, "completion": …}}: only the completion's tokens are trained. */
    PROMPT_COMPLETION,
    /**
     * {@code {"messages": [{"role": …, "content": …}, …]}}: rendered with the model's chat template; only the
     * assistant turns are trained.
     */
    MESSAGES,
    /** Decided from the first line's fields. */
    AUTO;

    /** The name users write: {@code text}, {@code prompt_completion}, {@code messages}, {@code auto}. */
    public String userName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
