package dev.kumiki.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalDouble;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.tensor.io.OutputFolder;
import dev.kumiki.train.model.LlamaNetwork;

/** The folder a finished run writes: a Hugging Face model folder (scratch, full) or a PEFT adapter folder (lora). */
final class Outputs {
    private Outputs() {
    }

    static Path write(TrainingJob job, PreparedData data, LlamaNetwork network, ObjectNode settings,
            ArrayNode history, int steps, long tokens, double trainLoss, OptionalDouble validationLoss)
            throws TrainingException, IOException {
        OutputFolder out;
        try {
            out = OutputFolder.begin(job.output(), Trainer.inputs(job));
        } catch (IllegalArgumentException e) {
            throw new TrainingException(e.getMessage());
        }
        try (out) {
            Path dir = out.staging();
            boolean lora = job.settings().mode() == TrainingMode.LORA;
            if (lora) {
                Trainer.adapter(job, network).writeFiles(dir);
            } else {
                ObjectNode config = network.configJson();
                // the weights are written as trained, in float32
                config.put("torch_dtype", "float32");
                Files.writeString(dir.resolve("config.json"), Checkpoints.JSON.writeValueAsString(config) + "\n",
                        StandardCharsets.UTF_8);
                network.writeSafetensors(dir.resolve("model.safetensors"), Map.of("format", "pt"));
                if (data.tokenizer().isPresent()) {
                    Trainer.copyTokenizer(data.tokenizer().get(), dir);
                }
                if (job.model().isPresent() && Files.isRegularFile(job.model().get().resolve("generation_config.json"))) {
                    Files.copy(job.model().get().resolve("generation_config.json"), dir.resolve(
                            "generation_config.json"));
                }
            }
            Files.writeString(dir.resolve("README.md"), card(job, data, network, settings, history, steps, tokens,
                    trainLoss, validationLoss), StandardCharsets.UTF_8);
            out.commit();
        } catch (IllegalArgumentException e) {
            throw new TrainingException(e.getMessage());
        }
        return job.output().toAbsolutePath().normalize();
    }

    /** The model card: what was trained, from what, how, and how well. */
    static String card(TrainingJob job, PreparedData data, LlamaNetwork network, ObjectNode settings,
            ArrayNode history, int steps, long tokens, double trainLoss, OptionalDouble validationLoss) {
        TrainingSettings s = job.settings();
        StringBuilder b = new StringBuilder();
        b.append("---\n");
        b.append("library_name: ").append(s.mode() == TrainingMode.LORA ? "peft" : "transformers").append('\n');
        job.model().ifPresent(m -> b.append("base_model: ").append(m.toAbsolutePath().normalize()).append('\n'));
        b.append("tags:\n- kumiki\n- ").append(s.mode().userName()).append('\n');
        b.append("---\n\n");
        b.append("# ").append(job.output().toAbsolutePath().normalize().getFileName()).append("\n\n");
        String what = switch (s.mode()) {
            case SCRATCH -> "A Llama-family model trained from scratch (weights initialised from seed " + s.seed()
                    + ") on the config " + job.modelConfig().map(Path::toString).orElse("given") + ".";
            case FULL -> "A full fine-tune (every weight trained) of " + job.model().orElseThrow() + ".";
            case LORA -> "A LoRA adapter in PEFT's layout for " + job.model().orElseThrow() + " (r "
                    + s.lora().orElseThrow().rank() + ", lora_alpha " + s.lora().orElseThrow().alpha()
                    + ", target_modules " + String.join(", ", s.lora().orElseThrow().targetModules()) + ").";
        };
        b.append(what).append(" Trained with Kumiki ").append(Trainer.KUMIKI_VERSION)
                .append(" through DJL's PyTorch engine, in float32.\n\n");
        b.append("## Training\n\n");
        b.append("- Mode: ").append(s.mode().userName()).append('\n');
        b.append("- Data: ").append(data.train().description()).append(" (").append(data.train().size())
                .append(" sequences)");
        data.validation().ifPresent(v -> b.append("; validation: ").append(v.description()).append(" (")
                .append(v.size()).append(" sequences)"));
        b.append('\n');
        if (!data.summary().isBlank()) {
            b.append("- ").append(data.summary()).append('\n');
        }
        b.append("- Steps: ").append(steps).append(" optimizer steps of ").append(s.batchSize()).append(" × ")
                .append(s.gradientAccumulation()).append(" sequences of up to ").append(s.cutoffLength())
                .append(" tokens; ").append(tokens).append(" tokens seen\n");
        b.append("- Trained parameters: ").append(network.trainableCount()).append('\n');
        b.append("- Final training loss: ").append(format(trainLoss)).append('\n');
        validationLoss.ifPresent(v -> b.append("- Final validation loss: ").append(format(v)).append(" (perplexity ")
                .append(format(Math.exp(v))).append(")\n"));
        b.append("\n## Settings\n\n| setting | value |\n|---|---|\n");
        Iterator<Map.Entry<String, JsonNode>> fields = settings.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            b.append("| ").append(f.getKey()).append(" | ").append(f.getValue().isTextual() ? f.getValue().asText()
                    : f.getValue().toString()).append(" |\n");
        }
        b.append("| eval_steps | ").append(s.evalSteps()).append(" |\n");
        b.append("| save_steps | ").append(s.saveSteps()).append(" |\n");
        b.append("\nOptimizer AdamW (decoupled weight decay, none on norms and biases), linear warm-up then cosine "
                + "decay to min_lr_rate × learning_rate, global gradient-norm clipping at max_grad_norm.\n");
        b.append("\n## Losses\n\n| step | training loss | validation loss |\n|---|---|---|\n");
        int every = Math.max(1, steps / 20);
        Map<Integer, String[]> rows = new java.util.TreeMap<>();
        for (JsonNode e : history) {
            int at = e.path("step").asInt();
            if (at % every != 0 && at != steps && !e.has("eval_loss")) {
                continue;
            }
            String[] row = rows.computeIfAbsent(at, k -> new String[] {"", ""});
            if (e.has("loss")) {
                row[0] = format(e.get("loss").asDouble());
            }
            if (e.has("eval_loss")) {
                row[1] = format(e.get("eval_loss").asDouble());
            }
        }
        rows.forEach((at, row) -> b.append("| ").append(at).append(" | ").append(row[0]).append(" | ")
                .append(row[1]).append(" |\n"));
        return b.toString();
    }

    private static String format(double v) {
        return String.format(java.util.Locale.ROOT, "%.4f", v);
    }
}
