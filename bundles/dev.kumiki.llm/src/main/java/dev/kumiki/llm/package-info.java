/**
 * Kumiki's language-model runtime: Hugging Face model folders (and models computed in memory) of the Llama family,
 * a forward pass with a KV cache, generation and scoring, and the tokenizer a model folder defines. A plain library:
 * no EMF, engine or UI.
 * <p>
 * {@link dev.kumiki.llm.LanguageModel} is what an evaluation asks of a model; {@code dev.kumiki.llm.runtime} runs one
 * ({@code Transformer} for tokens, {@code TransformerLanguageModel} for text).
 */
package dev.kumiki.llm;
