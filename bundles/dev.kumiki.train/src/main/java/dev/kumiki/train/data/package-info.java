/**
 * Training data: JSONL datasets of plain text, prompt/completion pairs or chat messages; tokenization with the
 * model's tokenizer and chat template, loss masks, packing and a seeded train/validation split.
 */
package dev.kumiki.train.data;
