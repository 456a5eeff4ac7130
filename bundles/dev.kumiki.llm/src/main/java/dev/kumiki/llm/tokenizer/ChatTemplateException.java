package dev.kumiki.llm.tokenizer;

/**
 * A chat template that refused a conversation ({@code raise_exception} in the template, e.g. "Conversation roles
 * must alternate user/assistant/user/assistant/...") or could not be rendered; the message names the template's
 * file.
 */
public class ChatTemplateException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
