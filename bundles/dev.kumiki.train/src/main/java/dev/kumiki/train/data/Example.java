package dev.kumiki.train.data;

import dev.kumiki.llm.Tokenizer.ChatMessage;

import java.util.List;

/** One line of a JSONL dataset, as read: its line number (1-based) and its fields. */
public sealed interface Example {

    /** The line of the file this example was read from (1-based). */
    int line();

    /**
     * The example's text as a model sees it without a chat template: the text, the prompt followed by the completion,
     * or the messages' contents one after another, separated by a newline (for training a tokenizer on the corpus).
     */
    String plainText();

    /** {@code {"text": …}}. */
    record Text(int line, String text) implements Example {
        @Override
        public String plainText() {
            return text;
        }
    }

    /** {@code {"prompt": …, "completion": …}}. */
    record PromptCompletion(int line, String prompt, String completion) implements Example {
        @Override
        public String plainText() {
            return prompt + completion;
        }
    }

    /** {@code {"messages": [{"role": …, "content": …}, …]}}, with at least one assistant turn. */
    record Conversation(int line, List<ChatMessage> messages) implements Example {
        public Conversation {
            messages = List.copyOf(messages);
        }

        @Override
        public String plainText() {
            StringBuilder out = new StringBuilder();
            for (ChatMessage m : messages) {
                if (!out.isEmpty()) {
                    out.append('\n');
                }
                out.append(m.content());
            }
            return out.toString();
        }
    }
}
