package dev.kumiki.llm.runtime;

import java.util.Arrays;
import java.util.Collection;
import java.util.Set;

import dev.kumiki.llm.GenerationSettings;
import dev.kumiki.llm.LanguageModel.ContextTooLongException;
import dev.kumiki.llm.LanguageModel.StopReason;

/**
 * Token-level generation: a prompt's tokens in, new tokens out, with the KV cache of a {@link Session}. The prompt is
 * prefilled in batches, each new token decoded with the matrix-vector kernels.
 */
public final class Generator {

    /** Told each new token; returns false to stop (e.g. a stop string appeared in the decoded text). */
    @FunctionalInterface
    public interface TokenSink {
        boolean accept(int token);
    }

    /** What {@link #generate(Transformer, int[], GenerationSettings, Collection)} produced, and why it stopped. */
    public record Tokens(int[] tokens, StopReason reason) {
    }

    private Generator() {
    }

    /**
     * Continues {@code prompt} in {@code session} (which must be empty or hold a prefix of the prompt: what it holds
     * is kept) until a stop token (not passed on), {@code settings.maxTokens()}, a full context, or {@code sink}
     * returning false.
     *
     * @throws ContextTooLongException when the prompt alone does not fit in the context
     */
    public static StopReason generate(Session session, int[] prompt, GenerationSettings settings,
            Collection<Integer> stopTokens, TokenSink sink) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens; a generation starts from at least one "
                    + "(e.g. the beginning-of-sequence token)");
        }
        int held = session.length();
        if (held >= prompt.length) {
            session.truncate(prompt.length - 1);
            held = prompt.length - 1;
        }
        float[] logits = session.append(Arrays.copyOfRange(prompt, held, prompt.length));
        Sampler sampler = Sampler.of(settings);
        Set<Integer> stops = Set.copyOf(stopTokens);
        int limit = session.contextLength();
        for (int n = 0; ; n++) {
            if (n == settings.maxTokens()) {
                return StopReason.MAX_TOKENS;
            }
            int token = sampler.next(logits);
            if (stops.contains(token)) {
                return StopReason.END_OF_SEQUENCE;
            }
            if (!sink.accept(token)) {
                return StopReason.STOP_STRING;
            }
            if (session.length() >= limit) {
                return n + 1 == settings.maxTokens() ? StopReason.MAX_TOKENS : StopReason.CONTEXT_FULL;
            }
            logits = session.append(token);
        }
    }

    /** Generates from {@code prompt} in a fresh session and returns the new tokens. */
    public static Tokens generate(Transformer model, int[] prompt, GenerationSettings settings,
            Collection<Integer> stopTokens) {
        int[] out = new int[settings.maxTokens()];
        int[] count = {0};
        StopReason reason = generate(model.newSession(), prompt, settings, stopTokens, t -> {
            out[count[0]++] = t;
            return true;
        });
        return new Tokens(Arrays.copyOf(out, count[0]), reason);
    }
}
