package dev.kumiki.llm;

import java.util.List;

/**
 * How to continue a prompt, with lm-evaluation-harness's and Hugging Face's meanings: {@code temperature} 0 is greedy
 * (argmax, ties to the lowest token id); otherwise logits are divided by the temperature, then top-k (0 = off) and
 * top-p (1 = off) filter the distribution, and a generator seeded with {@code seed} draws the token.
 *
 * @param maxTokens   most new tokens ({@code max_gen_toks})
 * @param stop        stop strings ({@code until}); the text is cut before the first one
 * @param temperature 0 for greedy decoding
 * @param topK        keep the k most likely tokens, 0 for all
 * @param topP        keep the smallest set whose probability reaches p, 1 for all
 * @param seed        the sampling seed (unused when greedy)
 */
public record GenerationSettings(int maxTokens, List<String> stop, double temperature, int topK, double topP,
        long seed) {

    public GenerationSettings {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, not " + maxTokens);
        }
        stop = List.copyOf(stop);
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("a stop string must not be empty");
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be 0 (greedy) or positive, not " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be 0 (off) or positive, not " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], not " + topP);
        }
    }

    /** Greedy decoding of at most {@code maxTokens}, no stop strings. */
    public static GenerationSettings greedy(int maxTokens) {
        return new GenerationSettings(maxTokens, List.of(), 0, 0, 1, 0);
    }

    /** Seeded sampling at {@code temperature}, no top-k or top-p filter. */
    public static GenerationSettings sampled(int maxTokens, double temperature, long seed) {
        return new GenerationSettings(maxTokens, List.of(), temperature, 0, 1, seed);
    }

    public GenerationSettings withStop(List<String> s) {
        return new GenerationSettings(maxTokens, s, temperature, topK, topP, seed);
    }

    public GenerationSettings withTopK(int k) {
        return new GenerationSettings(maxTokens, stop, temperature, k, topP, seed);
    }

    public GenerationSettings withTopP(double p) {
        return new GenerationSettings(maxTokens, stop, temperature, topK, p, seed);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
