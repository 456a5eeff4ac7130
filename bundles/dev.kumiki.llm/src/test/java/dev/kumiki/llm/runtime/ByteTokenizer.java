package dev.kumiki.llm.runtime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;

import dev.kumiki.llm.Tokenizer;

/**
 * A test tokenizer: one token per UTF-8 byte ({@code 3 + byte}), {@code <s>} = 0, {@code </s>} = 1, {@code <pad>} = 2.
 * With {@code addSpecialTokens} it puts {@code <s>} first, as Llama's tokenizer does.
 */
final class ByteTokenizer implements Tokenizer {
    static final int BOS = 0;
    static final int EOS = 1;
    private final boolean hasBos;

    ByteTokenizer() {
        this(true);
    }

    ByteTokenizer(boolean hasBos) {
        this.hasBos = hasBos;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int lead = addSpecialTokens && hasBos ? 1 : 0;
        int[] t = new int[b.length + lead];
        for (int i = 0; i < b.length; i++) {
            t[i + lead] = 3 + (b[i] & 0xff);
        }
        return t;
    }

    @Override
    public String decode(int[] tokens, boolean skipSpecialTokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder s = new StringBuilder();
        for (int t : tokens) {
            if (t >= 3) {
                out.write(t - 3);
            } else if (!skipSpecialTokens) {
                s.append(out.toString(StandardCharsets.UTF_8));
                out.reset();
                s.append(t == 0 ? "<s>" : t == 1 ? "</s>" : "<pad>");
            }
        }
        return s.append(out.toString(StandardCharsets.UTF_8)).toString();
    }

    @Override
    public int vocabularySize() {
        return 259;
    }

    @Override
    public OptionalInt bosToken() {
        return hasBos ? OptionalInt.of(BOS) : OptionalInt.empty();
    }

    @Override
    public List<Integer> eosTokens() {
        return List.of(EOS);
    }

    @Override
    public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
        throw new UnsupportedOperationException("the byte tokenizer has no chat template");
    }
}
