package dev.kumiki.train.data;

import dev.kumiki.llm.Tokenizer;

import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * One token per character (its code), so that expected tokens and loss flags can be written by hand. BOS is 1 (added
 * by {@code encode(text, true)} when {@code bos}), EOS is 2 (none when not {@code eos}). The chat template writes
 * {@code U:content\n} and {@code A:content\n} (system {@code S:…}), and {@code A:} as the generation prompt; the
 * other {@link Template}s change that the way real templates do.
 */
record CharTokenizer(boolean bos, Template template, boolean eos) implements Tokenizer {

    static final int BOS = 1;
    static final int EOS = 2;

    enum Template {
        /** No chat template. */
        NONE,
        /** Turn after turn. */
        TURNS,
        /** The last message, when it is the assistant's, gets a {@code <t>} before its content (as Qwen3's think block). */
        LAST_MARKED,
        /** Earlier assistant turns are written in capitals, the last as it is: its content cannot be found. */
        EARLIER_CAPITALS,
        /** A header {@code [n]} with the number of messages: a prefix renders differently from the whole. */
        COUNT_HEADER
    }

    CharTokenizer(boolean bos, boolean chat) {
        this(bos, chat ? Template.TURNS : Template.NONE, true);
    }

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
        return eos ? List.of(EOS) : List.of();
    }

    @Override
    public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (template == Template.NONE) {
            throw new UnsupportedOperationException("the model in /models/chars has no chat template");
        }
        StringBuilder out = new StringBuilder();
        if (template == Template.COUNT_HEADER) {
            out.append('[').append(messages.size()).append(']');
        }
        String previous = "";
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (m.role().equals(previous)) {
                throw new IllegalArgumentException("Conversation roles must alternate user/assistant/user/assistant");
            }
            previous = m.role();
            boolean last = i == messages.size() - 1;
            String content = m.content();
            if (m.role().equals("assistant") && last && template == Template.LAST_MARKED) {
                content = "<t>" + content;
            }
            if (m.role().equals("assistant") && !last && template == Template.EARLIER_CAPITALS) {
                content = content.toUpperCase(Locale.ROOT);
            }
            out.append(Character.toUpperCase(m.role().charAt(0))).append(':').append(content).append('\n');
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
