package dev.kumiki.llm;

import java.util.List;

/**
 * What an evaluation asks of a model: lm-evaluation-harness's request types ({@code loglikelihood},
 * {@code loglikelihood_rolling}, {@code generate_until}) on text, with the model's own tokenizer. Implementations are
 * not thread-safe: one request at a time (each may use several threads inside). Close to release the KV cache and
 * any mapped or computed weights.
 */
public interface LanguageModel extends AutoCloseable {

    /** A name for reports: the model folder's name, or the merge it was computed from. */
    String name();

    /** The tokenizer that turns this model's text into tokens and back. */
    Tokenizer tokenizer();

    /** The longest sequence (prompt + generated tokens) the model accepts: {@code max_position_embeddings}. */
    int contextLength();

    /**
     * The log-probability of {@code continuation} after {@code context}, scored on the continuation's own tokens as
     * lm-evaluation-harness does: both strings are encoded together, the context's tokens are those of the context
     * alone (a trailing space of the context moves to the continuation), and the continuation is the rest. An empty
     * context is the prefix token (beginning-of-sequence, else end-of-sequence: lm-evaluation-harness's
     * {@code prefix_token_id}). {@code greedy} is true when every continuation token is the argmax after its
     * prefix; {@code tokens} counts the continuation's tokens.
     *
     * @throws ContextTooLongException when the tokens do not fit in {@link #contextLength()}
     */
    LogLikelihood loglikelihood(String context, String continuation);

    /**
     * The log-probability of a whole text (for perplexity), scored in windows of at most {@link #contextLength()}
     * tokens that each predict only tokens not scored before (lm-evaluation-harness's {@code get_rolling_token_windows}
     * with {@code context_len} 1, made disjoint; the first token is predicted from the prefix token, or not scored
     * when there is none). An empty text scores 0 over 0 tokens.
     */
    RollingLogLikelihood loglikelihoodRolling(String text);

    /**
     * Continues {@code prompt} until a stop string, the end-of-sequence token or {@code settings.maxTokens()}.
     * The returned text excludes the prompt and is cut before the first stop string.
     *
     * @param listener told each new piece of text as it is decoded (for streaming), may be {@code null}
     * @throws ContextTooLongException when the prompt alone does not fit
     */
    Generation generate(String prompt, GenerationSettings settings, TokenListener listener);

    /** Releases the KV cache and the weights this model holds. */
    @Override
    void close();

    /** The result of {@link #loglikelihood}: lm-evaluation-harness's {@code (logprob, is_greedy)} and the count. */
    record LogLikelihood(double logprob, boolean greedy, int tokens) {
    }

    /** The result of {@link #loglikelihoodRolling}: total log-probability over {@code tokens} scored tokens. */
    record RollingLogLikelihood(double logprob, int tokens) {
    }

    /** Why a generation ended. */
    enum StopReason {
        /** a stop string appeared */
        STOP_STRING,
        /** the model produced its end-of-sequence token */
        END_OF_SEQUENCE,
        /** {@code maxTokens} were generated */
        MAX_TOKENS,
        /** the context was full */
        CONTEXT_FULL
    }

    /** The result of {@link #generate}. */
    record Generation(String text, int promptTokens, int generatedTokens, StopReason reason) {
    }

    /** Receives generated text as it is decoded. */
    @FunctionalInterface
    interface TokenListener {
        void onText(String piece);
    }

    /** Thrown when tokens do not fit in the model's context; the message says how many and what the limit is. */
    final class ContextTooLongException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public ContextTooLongException(String message) {
            super(message);
        }
    }

    /** Convenience for tasks that stop at any of several strings. */
    static GenerationSettings greedy(int maxTokens, List<String> stop) {
        return GenerationSettings.greedy(maxTokens).withStop(stop);
    }
}
