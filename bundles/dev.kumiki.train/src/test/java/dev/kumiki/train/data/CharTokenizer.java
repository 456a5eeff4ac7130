package dev.kumiki.train.data;

import dev.kumiki.llm.Tokenizer;

import java.util.List;
import java.util.OptionalInt;

/**
 * One token per character (its code), so that expected tokens and loss flags can be written by hand. BOS is 1 (added
 * by {@code encode(text, true)} when {@code bos}), EOS is 2. The chat template writes {@code U:content\n} and
 * {@code A:content\n} (system {@code S:…}), and {@code A:} as the generation prompt.
 */
record CharTokenizer(boolean bos, boolean chat) implements Tokenizer {

    static final int BOS = 1;
    static final int EOS = 2;

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        int extra = addSpecialTokens && bos ? 1 : 0;
        int[] ids = new int[text.length() + extra];
        if (extra == 1) {
            ids[0] = BOS;
        }
        for (int i = 0; i < text.length(); i++) {
            ids[extra + i] = text.charAt(i);
        }
        return ids;
    }

    @Override
    public String decode(int[] tokens, boolean skipSpecialTokens) {
        StringBuilder out = new StringBuilder();
        for (int t : tokens) {
            out.append(t == BOS ? "<s>" : t == EOS ? "</s>" : String.valueOf((char) t));
        }
        return out.toString();
    }

    @Override
    public int vocabularySize() {
        return 0x10000;
    }

    @Override
    public OptionalInt bosToken() {
        return bos ? OptionalInt.of(BOS) : OptionalInt.empty();
    }

    @Override
    public List<Integer> eosTokens() {
        return List.of(EOS);
    }

    @Override
    public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (!chat) {
            throw new UnsupportedOperationException("the model in /models/chars has no chat template");
        }
        StringBuilder out = new StringBuilder();
        String previous = "";
        for (ChatMessage m : messages) {
            if (m.role().equals(previous)) {
                throw new IllegalArgumentException("Conversation roles must alternate user/assistant/user/assistant");
            }
            previous = m.role();
            out.append(Character.toUpperCase(m.role().charAt(0))).append(':').append(m.content()).append('\n');
        }
        if (addGenerationPrompt) {
            out.append("A:");
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "chars";
    }
}
