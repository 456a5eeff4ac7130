/**
 * Kumiki's language-model runtime: Hugging Face model folders (and models computed in memory) of the Llama family,
 * a forward pass with a KV cache, generation and scoring, and the tokenizer a model folder defines. A plain library:
 * no EMF, engine or UI.
 */
package dev.kumiki.llm;
