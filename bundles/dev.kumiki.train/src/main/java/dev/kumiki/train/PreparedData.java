package dev.kumiki.train;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.train.data.TokenizedDataset;

/**
 * A job's data, tokenized and split, with what identifies it in a checkpoint's fingerprint.
 *
 * @param train           the training split
 * @param validation      the held-out split, when {@code val_size} is above 0
 * @param tokenizer       the folder with the tokenizer files the output gets (scratch and full)
 * @param vocabularySize  the tokenizer's size, checked against the model's vocab_size
 * @param modelConfig     for scratch: the config.json the model is made from
 * @param identity        what the run's result depends on besides the settings (dataset, tokenizer and model
 *                        hashes), by key
 * @param summary         lines for the model card (dataset, examples, truncation)
 */
record PreparedData(TokenizedDataset train, Optional<TokenizedDataset> validation, Optional<Path> tokenizer,
        OptionalInt vocabularySize, JsonNode modelConfig, Map<String, String> identity, String summary) {
}
