package dev.kumiki.llm.runtime;

import java.util.List;
import java.util.OptionalInt;

import dev.kumiki.llm.Tokenizer;

/**
 * A test tokenizer where token {@code i} is the character {@code 'A' + i}: every token sequence decodes to text and
 * back, so tests can put any generated token (or stop string) into text. {@code <s>} is token 0 ('A').
 */
final class CharTokenizer implements Tokenizer {
    private final List<Integer> eos;

    CharTokenizer() {
        this.eos = List.of();
    }

    CharTokenizer(int eos) {
        this.eos = List.of(eos);
    }

    String text(int[] tokens) {
        StringBuilder s = new StringBuilder();
        for (int t : tokens) {
            s.append((char) ('A' + t));
        }
        return s.toString();
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        return text.chars().map(c -> c - 'A').toArray();
    }

    @Override
    public String decode(int[] tokens, boolean skipSpecialTokens) {
        return text(tokens);
    }

    @Override
    public int vocabularySize() {
        return 260;
    }

    @Override
    public OptionalInt bosToken() {
        return OptionalInt.of(0);
    }

    @Override
    public List<Integer> eosTokens() {
        return eos;
    }

    @Override
    public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
        throw new UnsupportedOperationException("no chat template");
    }
}
