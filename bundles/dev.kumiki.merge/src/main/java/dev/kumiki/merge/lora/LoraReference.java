package dev.kumiki.merge.lora;

import java.util.Optional;

/**
 * mergekit's {@code model+lora} reference: the model in folder {@code model} with the PEFT adapter in folder
 * {@code adapter} applied. mergekit splits a reference at {@code +}; one {@code +} names a model and an adapter, more
 * are an error.
 *
 * @param model   the model's path as written
 * @param adapter the adapter's path as written
 */
public record LoraReference(String model, String adapter) {
    public LoraReference {
        if (model.isBlank() || adapter.isBlank()) {
            throw new IllegalArgumentException("a model+lora reference needs both a model and an adapter path");
        }
    }

    /**
     * The reference {@code text} names, when it has a {@code +}.
     *
     * @throws IllegalArgumentException when it has more than one {@code +}, or nothing on one side (the message says
     *                                  what a reference looks like)
     */
    public static Optional<LoraReference> parse(String text) {
        int plus = text.indexOf('+');
        if (plus < 0) {
            return Optional.empty();
        }
        if (text.indexOf('+', plus + 1) >= 0) {
            throw new IllegalArgumentException("'" + text + "' has more than one '+'; a reference is MODEL or "
                    + "MODEL+ADAPTER (one PEFT adapter applied to one model folder)");
        }
        String model = text.substring(0, plus).strip();
        String adapter = text.substring(plus + 1).strip();
        if (model.isEmpty() || adapter.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' names " + (model.isEmpty() ? "no model before" : "no "
                    + "adapter after") + " the '+'; a reference with an adapter is MODEL+ADAPTER (two folder paths)");
        }
        return Optional.of(new LoraReference(model, adapter));
    }

    /** The reference as mergekit writes it. */
    @Override
    public String toString() {
        return model + "+" + adapter;
    }
}
