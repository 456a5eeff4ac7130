package dev.kumiki.train;

import java.nio.file.Path;
import java.util.Optional;

import dev.kumiki.train.data.DatasetFormat;

/**
 * One training run: what it starts from, what it learns from, where it writes.
 *
 * @param settings           how to train
 * @param model              the Hugging Face model folder to fine-tune (full, lora); empty for scratch
 * @param modelConfig        the config.json that defines a model trained from scratch; empty otherwise
 * @param tokenizer          for scratch: a folder with tokenizer.json to use; when empty, a byte-level BPE of
 *                           {@code tokenizerVocabularySize} tokens is trained on the training split first
 * @param tokenizerVocabularySize size of the tokenizer trained for scratch runs (config.json's {@code vocab_size}
 *                           must equal it)
 * @param dataset            the JSONL file
 * @param format             its lines' shape
 * @param output             the folder written at the end (a model folder, or a PEFT adapter folder for lora); it
 *                           must not exist or be a folder an earlier Kumiki run wrote
 * @param checkpoints        where checkpoints go; a run finds its latest compatible checkpoint there and resumes
 */
public record TrainingJob(TrainingSettings settings, Optional<Path> model, Optional<Path> modelConfig,
        Optional<Path> tokenizer, int tokenizerVocabularySize, Path dataset, DatasetFormat format, Path output,
        Path checkpoints) {
}
