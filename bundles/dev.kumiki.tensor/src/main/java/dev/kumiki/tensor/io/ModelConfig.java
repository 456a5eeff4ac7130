package dev.kumiki.tensor.io;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.tensor.TensorFormatException;

/**
 * What a Hugging Face {@code config.json} says about a model, with the whole file kept for copying it on.
 *
 * @param architecture      {@code architectures[0]} ({@code LlamaForCausalLM}), or {@code model_type} when absent
 * @param modelType         {@code model_type} ({@code llama})
 * @param layers            {@code num_hidden_layers}
 * @param hiddenSize        {@code hidden_size}
 * @param intermediateSize  {@code intermediate_size}
 * @param attentionHeads    {@code num_attention_heads}
 * @param keyValueHeads     {@code num_key_value_heads} (defaults to the attention heads)
 * @param vocabSize         {@code vocab_size}
 * @param tiedEmbeddings    {@code tie_word_embeddings} (defaults to false)
 * @param torchDtype        {@code torch_dtype} ({@code bfloat16}), if given
 * @param json              the file as read
 */
public record ModelConfig(String architecture, String modelType, OptionalInt layers, OptionalInt hiddenSize,
                          OptionalInt intermediateSize, OptionalInt attentionHeads, OptionalInt keyValueHeads,
                          OptionalInt vocabSize, boolean tiedEmbeddings, Optional<String> torchDtype, ObjectNode json) {

    public ModelConfig {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(modelType, "modelType");
        Objects.requireNonNull(json, "json");
    }

    /**
     * Reads {@code file}.
     *
     * @throws TensorFormatException when it is not a JSON object or a known field has the wrong type
     */
    public static ModelConfig read(Path file) throws IOException {
        JsonNode root;
        try {
            root = InputFiles.readJson(file, "config.json");
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no config.json; a Hugging Face model folder has one");
        }
        if (root == null || !root.isObject()) {
            throw new TensorFormatException(file + ": must be a JSON object");
        }
        ObjectNode json = (ObjectNode) root;
        String modelType = text(file, json, "model_type").orElse("unknown");
        JsonNode archs = json.get("architectures");
        String architecture = archs != null && archs.isArray() && !archs.isEmpty() && archs.get(0).isTextual()
                ? archs.get(0).asText()
                : modelType;
        OptionalInt heads = integer(file, json, "num_attention_heads");
        OptionalInt kv = integer(file, json, "num_key_value_heads");
        JsonNode tied = json.get("tie_word_embeddings");
        if (tied != null && !tied.isBoolean() && !tied.isNull()) {
            throw new TensorFormatException(file + ": tie_word_embeddings must be true or false, found " + tied);
        }
        return new ModelConfig(architecture, modelType, integer(file, json, "num_hidden_layers"),
                integer(file, json, "hidden_size"), integer(file, json, "intermediate_size"), heads,
                kv.isPresent() ? kv : heads, integer(file, json, "vocab_size"), tied != null && tied.asBoolean(),
                text(file, json, "torch_dtype"), json);
    }

    private static OptionalInt integer(Path file, ObjectNode json, String field) throws TensorFormatException {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) {
            return OptionalInt.empty();
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0) {
            throw new TensorFormatException(file + ": " + field + " must be a whole number >= 0, found " + n);
        }
        return OptionalInt.of(n.asInt());
    }

    private static Optional<String> text(Path file, ObjectNode json, String field) throws TensorFormatException {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw new TensorFormatException(file + ": " + field + " must be a string, found " + n);
        }
        return Optional.of(n.asText());
    }
}
