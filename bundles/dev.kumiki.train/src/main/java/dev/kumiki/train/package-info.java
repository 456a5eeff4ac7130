/**
 * Training Llama-family models through DJL's PyTorch engine: from scratch, full fine-tuning and LoRA, with AdamW,
 * warm-up and cosine schedule, clipping, accumulation, validation and resumable checkpoints. A plain library: no EMF,
 * engine or UI imports. The PyTorch engine is an optional feature; {@code Training.availability()} says what is
 * missing when it is not installed.
 */
package dev.kumiki.train;
