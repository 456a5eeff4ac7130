package dev.kumiki.train;

import java.util.Optional;

/**
 * How a model is trained. The names users write (settings file of {@code kumiki train}, the Train node) are those of
 * Hugging Face's {@code TrainingArguments} where it has one: {@code max_steps}, {@code learning_rate},
 * {@code per_device_train_batch_size} (here {@code batch_size}), {@code gradient_accumulation_steps},
 * {@code warmup_steps}, {@code weight_decay}, {@code max_grad_norm}, {@code seed}, {@code eval_steps},
 * {@code save_steps}; LLaMA-Factory's {@code cutoff_len}, {@code val_size} and {@code packing}.
 *
 * @param mode                 scratch, full or lora
 * @param maxSteps             optimizer steps (each of {@code batchSize × gradientAccumulation} sequences)
 * @param batchSize            sequences per forward pass
 * @param gradientAccumulation forward passes whose gradients are summed before one optimizer step
 * @param cutoffLength         tokens per sequence (longer examples are cut; packing fills sequences to this length)
 * @param learningRate         peak learning rate
 * @param minLearningRateRatio the cosine schedule ends at {@code learningRate × minLearningRateRatio}
 * @param warmupSteps          linear warm-up from 0 to the peak
 * @param weightDecay          AdamW's decoupled weight decay (not applied to norms, biases and adapters' … as HF)
 * @param beta1                AdamW
 * @param beta2                AdamW
 * @param epsilon              AdamW
 * @param maxGradNorm          clip the global gradient norm to this (0: no clipping)
 * @param seed                 initialisation, data order, dropout and the validation split all follow from it
 * @param evalSteps            validation loss every this many steps (0: only at the end)
 * @param saveSteps            a checkpoint every this many steps (0: only at the end)
 * @param validationSize       share of the dataset held out for validation (0 to 1), split with the seed
 * @param packing              concatenate examples into full sequences instead of padding each
 * @param lora                 present exactly when {@code mode} is LORA
 */
public record TrainingSettings(TrainingMode mode, int maxSteps, int batchSize, int gradientAccumulation,
        int cutoffLength, double learningRate, double minLearningRateRatio, int warmupSteps, double weightDecay,
        double beta1, double beta2, double epsilon, double maxGradNorm, long seed, int evalSteps, int saveSteps,
        double validationSize, boolean packing, Optional<LoraSettings> lora) {
}
