package dev.kumiki.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import dev.kumiki.llm.GenerationSettings;
import dev.kumiki.llm.LanguageModel;
import dev.kumiki.llm.Tokenizer;

/**
 * A deterministic test-only model: log-likelihoods come from a table keyed by (context, continuation), generations
 * from a table keyed by prompt (and, for sampling, the seed). A request not in a table fails the test with the exact
 * text asked, so tests also check the prompts built. Every request is recorded.
 */
final class TableModel implements LanguageModel {
    final Map<List<String>, LogLikelihood> lls = new HashMap<>();
    final Map<String, RollingLogLikelihood> rolling = new HashMap<>();
    final Map<String, String> generations = new HashMap<>();
    final Map<String, String> sampled = new HashMap<>();
    final List<String> requests = new ArrayList<>();
    final List<GenerationSettings> settings = new ArrayList<>();
    int contextLength = 1 << 20;
    String name = "table-model";

    TableModel ll(String context, String continuation, double logprob, boolean greedy) {
        lls.put(List.of(context, continuation), new LogLikelihood(logprob, greedy, continuation.length()));
        return this;
    }

    TableModel gen(String prompt, String text) {
        generations.put(prompt, text);
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Tokenizer tokenizer() {
        return new Tokenizer() {
            @Override
            public int[] encode(String text, boolean addSpecialTokens) {
                return text.chars().toArray();
            }

            @Override
            public String decode(int[] tokens, boolean skipSpecialTokens) {
                return new String(tokens, 0, tokens.length);
            }

            @Override
            public int vocabularySize() {
                return 65536;
            }

            @Override
            public OptionalInt bosToken() {
                return OptionalInt.empty();
            }

            @Override
            public List<Integer> eosTokens() {
                return List.of();
            }

            @Override
            public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
                throw new UnsupportedOperationException("the table model has no chat template");
            }
        };
    }

    @Override
    public int contextLength() {
        return contextLength;
    }

    @Override
    public LogLikelihood loglikelihood(String context, String continuation) {
        requests.add("ll:" + context + "|" + continuation);
        if (context.length() + continuation.length() > contextLength) {
            throw new ContextTooLongException((context.length() + continuation.length()) + " tokens, the model "
                    + "takes " + contextLength);
        }
        LogLikelihood r = lls.get(List.of(context, continuation));
        if (r == null) {
            throw new AssertionError("no log-likelihood for context [" + context + "] continuation ["
                    + continuation + "]");
        }
        return r;
    }

    @Override
    public RollingLogLikelihood loglikelihoodRolling(String text) {
        requests.add("rolling:" + text);
        RollingLogLikelihood r = rolling.get(text);
        if (r == null) {
            throw new AssertionError("no rolling log-likelihood for [" + text + "]");
        }
        return r;
    }

    @Override
    public Generation generate(String prompt, GenerationSettings s, TokenListener listener) {
        requests.add("gen:" + prompt);
        settings.add(s);
        if (prompt.length() > contextLength) {
            throw new ContextTooLongException("the prompt is " + prompt.length() + " tokens, the model takes "
                    + contextLength);
        }
        String text = s.isGreedy() ? generations.get(prompt) : sampled.get(prompt + "#" + s.seed());
        if (text == null) {
            throw new AssertionError("no generation for [" + prompt + "]" + (s.isGreedy() ? "" : " seed " + s.seed()));
        }
        return new Generation(text, prompt.length(), text.length(), StopReason.STOP_STRING);
    }

    @Override
    public void close() {
    }
}
