/**
 * Tokenizers and chat templates of Hugging Face model folders: {@link dev.kumiki.llm.tokenizer.PretrainedTokenizer}
 * reads {@code tokenizer.json} with Hugging Face's own tokenizers library (through DJL, which ships it as a native
 * library for linux x86_64 and aarch64) and {@code tokenizer_config.json}'s special tokens and chat template, which
 * {@link dev.kumiki.llm.tokenizer.ChatTemplate} renders with jinjava in Hugging Face's template environment.
 */
package dev.kumiki.llm.tokenizer;
