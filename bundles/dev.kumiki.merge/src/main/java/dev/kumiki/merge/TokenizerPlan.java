package dev.kumiki.merge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The output vocabulary of a merge with {@code tokenizer_source} and how every model's embedding rows map onto it,
 * as mergekit's {@code build_tokenizer} and {@code PermutedEmbeddings} do:
 * <ul>
 * <li>{@code base}: the base model's tokens; a model's id: the base's tokens; {@code union}: the base's tokens,
 * then the other models' tokens it lacks (models in order, tokens by id), then their added tokens;</li>
 * <li>each model's embedding is re-indexed to the output vocabulary; a token the model lacks takes the row of the
 * only model that has it, else the base's row, else the average of the models that have it (zero if none).</li>
 * </ul>
 * mergekit appends union tokens in the order of a hash map; Kumiki's order (model order, then id) is deterministic,
 * so ids of appended tokens can differ from mergekit's while every token keeps its embedding.
 *
 * @param tokens   output tokens in id order
 * @param rows     per model (by reference): for each output id, the model's own row, or -1
 * @param base     the model whose rows win for tokens several models share (mergekit's base model), if any
 * @param models   the models in order
 * @param tokenizer the output tokenizer.json
 */
public record TokenizerPlan(List<String> tokens, Map<String, int[]> rows, Optional<String> base, List<String> models,
                            ObjectNode tokenizer) {

    public int size() {
        return tokens.size();
    }

    /** Where output row {@code id} of model {@code model} comes from, when the model lacks the token. */
    public sealed interface Source {
    }

    /** Row {@code row} of model {@code model}'s own embedding. */
    public record Row(String model, int row) implements Source {
    }

    /** The average of these rows. */
    public record Average(List<Row> rows) implements Source {
    }

    /** Zeros: no model has the token. */
    public record Zero() implements Source {
    }

    /** The row model {@code model} gets for output token {@code id}. */
    public Source source(String model, int id) {
        int own = rows.get(model)[id];
        if (own >= 0) {
            return new Row(model, own);
        }
        List<Row> present = new ArrayList<>();
        for (String m : models) {
            int r = rows.get(m)[id];
            if (r >= 0) {
                present.add(new Row(m, r));
            }
        }
        if (present.isEmpty()) {
            return new Zero();
        }
        if (present.size() == 1) {
            return present.get(0);
        }
        if (base.isPresent() && rows.get(base.get())[id] >= 0) {
            return new Row(base.get(), rows.get(base.get())[id]);
        }
        return new Average(present);
    }

    /**
     * Plans the vocabulary from the merged models' vocabularies (first = the base, or the first model) and, for a
     * model as tokenizer source, that model's vocabulary.
     *
     * @throws IllegalArgumentException when the output vocabulary's ids are not 0..n-1
     */
    static TokenizerPlan of(String source, Optional<Vocabulary> sourceVocabulary, Optional<String> base,
            List<Vocabulary> vocabularies) {
        Vocabulary first = vocabularies.get(0);
        Vocabulary out = sourceVocabulary.orElse(first);
        Map<String, Integer> ids = new LinkedHashMap<>(out.ids());
        ObjectNode tokenizer = out.json().deepCopy();
        if (source.equals("union")) {
            ArrayNode added = tokenizer.withArray("added_tokens");
            for (boolean specials : new boolean[] {false, true}) {
                for (Vocabulary v : vocabularies) {
                    for (String token : v.ids().keySet()) {
                        if (v.added().containsKey(token) != specials || ids.containsKey(token)) {
                            continue;
                        }
                        int id = ids.size();
                        ids.put(token, id);
                        ObjectNode entry = specials ? ((ObjectNode) v.added().get(token)).deepCopy()
                                : added.objectNode().put("content", token).put("single_word", false)
                                        .put("lstrip", false).put("rstrip", false).put("normalized", true)
                                        .put("special", false);
                        entry.put("id", id);
                        added.add(entry);
                    }
                }
            }
        }
        List<String> tokens = new ArrayList<>(ids.keySet());
        for (int i = 0; i < tokens.size(); i++) {
            if (ids.get(tokens.get(i)) != i) {
                throw new IllegalArgumentException("the tokenizer of '" + out.model() + "' has token ids with gaps (id "
                        + ids.get(tokens.get(i)) + " at position " + i + "); Kumiki merges vocabularies with ids 0..n-1");
            }
        }
        Map<String, int[]> rows = new LinkedHashMap<>();
        List<String> models = new ArrayList<>();
        for (Vocabulary v : vocabularies) {
            int[] r = new int[tokens.size()];
            for (int i = 0; i < tokens.size(); i++) {
                r[i] = v.id(tokens.get(i)).orElse(-1);
            }
            rows.put(v.model(), r);
            models.add(v.model());
        }
        return new TokenizerPlan(List.copyOf(tokens), rows, base, List.copyOf(models), tokenizer);
    }
}
