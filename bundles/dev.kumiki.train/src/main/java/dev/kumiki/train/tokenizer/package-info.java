/**
 * Tokenizers for models trained from scratch: a byte-level BPE trained on the corpus and written as Hugging Face's
 * {@code tokenizer.json} and {@code tokenizer_config.json}.
 */
package dev.kumiki.train.tokenizer;
