package dev.kumiki.eval.task;

import java.util.List;
import java.util.Objects;

/**
 * What {@code doc_to_text}, {@code doc_to_target} and {@code doc_to_choice} say, as in lm-evaluation-harness: a text
 * that is a field name when the dataset has such a field and a Jinja template otherwise, a number (a fixed choice
 * index), or a list (fixed choices).
 */
public sealed interface DocTemplate {

    /** A field name or a Jinja template; which one is decided against the dataset's fields. */
    record Text(String source) implements DocTemplate {
        public Text {
            Objects.requireNonNull(source, "source");
        }
    }

    /** A fixed index into the choices. */
    record Index(int index) implements DocTemplate {
    }

    /** A fixed list, e.g. {@code doc_to_choice: ["yes", "no"]}. */
    record Choices(List<String> choices) implements DocTemplate {
        public Choices {
            choices = List.copyOf(choices);
        }
    }

    /** A field name or a Jinja template. */
    static DocTemplate of(String source) {
        return new Text(source);
    }
}
