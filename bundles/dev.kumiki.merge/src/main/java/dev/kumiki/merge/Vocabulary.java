package dev.kumiki.merge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.tensor.io.InputFiles;

/**
 * The tokens of a model as its {@code tokenizer.json} (Hugging Face tokenizers) defines them: the model's vocabulary
 * (BPE and WordPiece maps, Unigram lists) and the added tokens, by id, limited to ids below the model's
 * {@code vocab_size} (tokens beyond it have no embedding row).
 *
 * @param model    the model reference, for messages
 * @param json     the tokenizer.json as read
 * @param ids      token → id, in id order
 * @param added    content → the added-token entry, for added tokens
 */
public record Vocabulary(String model, ObjectNode json, Map<String, Integer> ids, Map<String, JsonNode> added) {
    /** Reads {@code dir/tokenizer.json}, keeping ids below {@code rows} (the embedding's rows). */
    static Vocabulary read(String model, Path dir, int rows) throws ConfigException, IOException {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.exists(file)) {
            throw new ConfigException(file + ": model '" + model + "' has no tokenizer.json; merging vocabularies "
                    + "(tokenizer_source) needs the Hugging Face tokenizers file of every model");
        }
        JsonNode root = InputFiles.readJson(file, "tokenizer.json"); // refuses a folder, a named pipe, a device
        JsonNode vocab = root.path("model").path("vocab");
        Map<Integer, String> byId = new java.util.TreeMap<>();
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> e : vocab.properties()) {
                byId.put(e.getValue().asInt(), e.getKey());
            }
        } else if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                byId.put(i, vocab.get(i).get(0).asText());
            }
        } else {
            throw new ConfigException(file + ": no model.vocab in tokenizer.json (type "
                    + root.path("model").path("type").asText("?") + ")");
        }
        Map<String, JsonNode> added = new LinkedHashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt(-1);
            if (id >= 0 && id < rows) {
                byId.put(id, t.path("content").asText());
                added.put(t.path("content").asText(), t);
            }
        }
        Map<String, Integer> ids = new LinkedHashMap<>();
        byId.forEach((id, token) -> {
            if (id < rows) {
                ids.putIfAbsent(token, id);
            }
        });
        return new Vocabulary(model, (ObjectNode) root, ids, added);
    }

    public Optional<Integer> id(String token) {
        return Optional.ofNullable(ids.get(token));
    }

    public int size() {
        return ids.size();
    }
}
