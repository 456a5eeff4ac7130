/**
 * Runs Llama-family decoders ({@code LlamaForCausalLM}, {@code MistralForCausalLM}, {@code Qwen2ForCausalLM},
 * {@code Qwen3ForCausalLM}) on the tensor bundle's kernels.
 * <ul>
 * <li>{@link dev.kumiki.llm.runtime.DecoderConfig}: config.json read and checked; what would change the maths
 * unsupported is refused by key.</li>
 * <li>{@link dev.kumiki.llm.runtime.Transformer}: the weights (mapped from a folder in their stored dtype, or computed
 * in memory from a {@link dev.kumiki.llm.runtime.TensorSource}) checked against the config, and the forward pass;
 * {@link dev.kumiki.llm.runtime.Session} holds one sequence's KV cache.</li>
 * <li>{@link dev.kumiki.llm.runtime.Sampler} and {@link dev.kumiki.llm.runtime.Generator}: greedy and seeded
 * sampling, token-level generation with stop tokens.</li>
 * <li>{@link dev.kumiki.llm.runtime.TransformerLanguageModel}: the text-level
 * {@link dev.kumiki.llm.LanguageModel} with any {@link dev.kumiki.llm.Tokenizer}.</li>
 * </ul>
 * {@snippet :
 * try (LanguageModel lm = TransformerLanguageModel.open(dir, tokenizer, RuntimeOptions.defaults())) {
 *     LanguageModel.LogLikelihood l = lm.loglikelihood("Question: 2+2=", " 4");
 *     LanguageModel.Generation g = lm.generate("Once upon a time", GenerationSettings.greedy(32), System.out::print);
 * }
 * }
 */
package dev.kumiki.llm.runtime;
