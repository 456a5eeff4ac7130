package dev.kumiki.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a run's result depends on, as the names users write: every setting that changes the weights (not
 * {@code eval_steps} or {@code save_steps}), the model, the dataset and the tokenizer. A checkpoint records it; a run
 * resumes only from a checkpoint with the same.
 */
final class Fingerprint {
    private Fingerprint() {
    }

    static ObjectNode settings(TrainingJob job, PreparedData data) {
        TrainingSettings s = job.settings();
        ObjectNode o = Checkpoints.JSON.createObjectNode();
        o.put("mode", s.mode().userName());
        o.put("max_steps", s.maxSteps());
        o.put("batch_size", s.batchSize());
        o.put("gradient_accumulation_steps", s.gradientAccumulation());
        o.put("cutoff_len", s.cutoffLength());
        o.put("learning_rate", s.learningRate());
        o.put("min_lr_rate", s.minLearningRateRatio());
        o.put("warmup_steps", s.warmupSteps());
        o.put("weight_decay", s.weightDecay());
        o.put("adam_beta1", s.beta1());
        o.put("adam_beta2", s.beta2());
        o.put("adam_epsilon", s.epsilon());
        o.put("max_grad_norm", s.maxGradNorm());
        o.put("seed", s.seed());
        o.put("val_size", s.validationSize());
        o.put("packing", s.packing());
        s.lora().ifPresent(l -> {
            o.put("r", l.rank());
            o.put("lora_alpha", l.alpha());
            o.put("lora_dropout", l.dropout());
            ArrayNode targets = o.putArray("target_modules");
            l.targetModules().forEach(targets::add);
            o.put("use_rslora", l.rslora());
        });
        o.put("dataset", job.dataset().toAbsolutePath().normalize().toString());
        o.put("dataset_format", job.format().userName());
        job.model().ifPresent(m -> o.put("model", m.toAbsolutePath().normalize().toString()));
        for (Map.Entry<String, String> e : data.identity().entrySet()) {
            o.put(e.getKey(), e.getValue());
        }
        return o;
    }

    static String of(ObjectNode settings) {
        return Trainer.sha256(settings.toString());
    }

    /** Why a checkpoint cannot be resumed: the settings that differ, and what to do. */
    static String mismatch(Path checkpoint, JsonNode saved, ObjectNode now) {
        List<String> differences = new ArrayList<>();
        Iterator<String> names = now.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            JsonNode was = saved.get(n);
            // compared as JSON text: a seed read back is an int node, the one made here a long node
            if (was == null || !was.toString().equals(now.get(n).toString())) {
                differences.add(n + " is " + (was == null ? "not set" : show(was)) + " there and " + show(now.get(n))
                        + " here");
            }
        }
        Iterator<String> old = saved.fieldNames();
        while (old.hasNext()) {
            String n = old.next();
            if (!now.has(n)) {
                differences.add(n + " is " + show(saved.get(n)) + " there and not set here");
            }
        }
        String what = differences.isEmpty() ? "it was written by another version of Kumiki"
                : "it was written by a run with other settings: " + String.join("; ", differences);
        return "cannot resume from checkpoint " + checkpoint + ": " + what + ". A run resumes only with the settings "
                + "it started with (so that it ends as an uninterrupted run would): run again with the checkpoint's "
                + "settings to continue it, or give another checkpoints folder (or delete " + checkpoint.getParent()
                + ") to start afresh";
    }

    private static String show(JsonNode v) {
        return v.isTextual() ? v.asText() : v.toString();
    }
}
