package dev.kumiki.llm;

import java.util.List;
import java.util.OptionalInt;

/**
 * A model's tokenizer, as its folder defines it ({@code tokenizer.json}, {@code tokenizer_config.json}).
 */
public interface Tokenizer {

    /**
     * The tokens of {@code text}. With {@code addSpecialTokens} the tokenizer's post-processor adds what the model
     * expects around a sequence (e.g. Llama's beginning-of-sequence token); without, only the text's own tokens.
     */
    int[] encode(String text, boolean addSpecialTokens);

    /** The text of {@code tokens}; special tokens are left out when {@code skipSpecialTokens}. */
    String decode(int[] tokens, boolean skipSpecialTokens);

    /** Number of token ids, including added tokens. */
    int vocabularySize();

    /** The beginning-of-sequence token, if the tokenizer has one. */
    OptionalInt bosToken();

    /** The end-of-sequence tokens generation stops at (tokenizer_config's {@code eos_token}, and config.json's). */
    List<Integer> eosTokens();

    /**
     * Renders a conversation with the model's chat template ({@code tokenizer_config.json}'s {@code chat_template},
     * Jinja), as Hugging Face's {@code apply_chat_template(messages, tokenize=False, add_generation_prompt=…)}.
     *
     * @throws UnsupportedOperationException when the model has no chat template, saying so
     */
    String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** One turn of a conversation: {@code role} is {@code system}, {@code user} or {@code assistant}. */
    record ChatMessage(String role, String content) {
    }
}
