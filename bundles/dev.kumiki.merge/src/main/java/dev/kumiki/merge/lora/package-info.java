/**
 * LoRA adapters in PEFT's layout ({@code adapter_config.json}, {@code adapter_model.safetensors} with PEFT's tensor
 * names): reading adapters made elsewhere, writing Kumiki's, and applying one to a model (W + scaling · B·A), lazily
 * tensor by tensor or into a folder, as mergekit's {@code model+lora} references need.
 */
package dev.kumiki.merge.lora;
