package dev.kumiki.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.train.data.DatasetFormat;

/**
 * The settings file of {@code kumiki train}: every key read with its type and range, paths relative to the file,
 * Hugging Face and PEFT defaults for keys left out, and each mistake refused with the file, line and key named.
 */
class TrainingConfigReaderTest {
    @TempDir
    static Path dir;

    static Path file;

    @BeforeAll
    static void files() throws IOException {
        Files.createDirectories(dir.resolve("models/base"));
        Files.writeString(dir.resolve("models/base/config.json"), "{\"vocab_size\": 300}");
        Files.createDirectories(dir.resolve("tiny"));
        Files.writeString(dir.resolve("tiny/config.json"), "{\"vocab_size\": 512, \"hidden_size\": 32}");
        Files.createDirectories(dir.resolve("tok"));
        Files.writeString(dir.resolve("tok/tokenizer.json"), "{}");
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/ja.jsonl"), "{\"text\": \"こんにちは\"}\n");
        Files.createDirectories(dir.resolve("runs"));
        file = dir.resolve("runs/train.yml");
    }

    static TrainingJob parse(String yaml) throws TrainingException {
        return TrainingConfigReader.parse(file, yaml);
    }

    static String refused(String yaml) {
        return assertThrows(TrainingException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void everyKeyIsReadWithPathsRelativeToTheFile() throws TrainingException {
        TrainingJob job = parse("""
                mode: lora
                model: ../models/base
                dataset: ../data/ja.jsonl
                format: prompt_completion
                output: out/adapter
                checkpoints: ckpt
                max_steps: 200
                batch_size: 4
                gradient_accumulation_steps: 2
                cutoff_len: 128
                learning_rate: 2e-4
                min_lr_ratio: 0.1
                warmup_steps: 10
                weight_decay: 0.01
                adam_beta1: 0.8
                adam_beta2: 0.95
                adam_epsilon: 1.0e-6
                max_grad_norm: 0.5
                seed: 7
                eval_steps: 20
                save_steps: 50
                val_size: 0.1
                packing: true
                lora:
                  r: 16
                  lora_alpha: 32
                  lora_dropout: 0.05
                  target_modules: [q_proj, k_proj, v_proj]
                  use_rslora: true
                """);
        Path runs = dir.resolve("runs");
        assertEquals(Optional.of(dir.resolve("models/base")), job.model());
        assertEquals(Optional.empty(), job.modelConfig());
        assertEquals(dir.resolve("data/ja.jsonl"), job.dataset());
        assertEquals(DatasetFormat.PROMPT_COMPLETION, job.format());
        assertEquals(runs.resolve("out/adapter"), job.output());
        assertEquals(runs.resolve("ckpt"), job.checkpoints());
        TrainingSettings s = job.settings();
        assertEquals(new TrainingSettings(TrainingMode.LORA, 200, 4, 2, 128, 2e-4, 0.1, 10, 0.01, 0.8, 0.95, 1e-6, 0.5,
                7, 20, 50, 0.1, true, Optional.of(new LoraSettings(16, 32, 0.05, List.of("q_proj", "k_proj",
                        "v_proj"), true))), s);
        assertEquals(32 / Math.sqrt(16), s.lora().orElseThrow().scaling(), 1e-12);
    }

    @Test
    void keysLeftOutTakeTheHuggingFaceAndPeftDefaults() throws TrainingException {
        TrainingJob job = parse("""
                model: ../models/base
                dataset: ../data/ja.jsonl
                output: /tmp/kumiki-never-written/adapter
                """);
        TrainingSettings s = job.settings();
        // LLaMA-Factory's finetuning_type defaults to lora; TrainingArguments' own defaults
        assertEquals(TrainingMode.LORA, s.mode());
        assertEquals(5e-5, s.learningRate());
        assertEquals(8, s.batchSize());
        assertEquals(1, s.gradientAccumulation());
        assertEquals(42, s.seed());
        assertEquals(0.9, s.beta1());
        assertEquals(0.999, s.beta2());
        assertEquals(1e-8, s.epsilon());
        assertEquals(1.0, s.maxGradNorm());
        assertEquals(500, s.saveSteps());
        assertEquals(0, s.validationSize());
        assertEquals(Optional.of(LoraSettings.defaults()), s.lora());
        assertEquals(List.of("q_proj", "v_proj"), s.lora().orElseThrow().targetModules());
        assertEquals(DatasetFormat.AUTO, job.format());
        // checkpoints beside the output, never inside it (the output is replaced as a whole)
        assertEquals(Path.of("/tmp/kumiki-never-written/adapter.checkpoints"), job.checkpoints());
        assertEquals(TrainingConfigReader.defaults(TrainingMode.LORA), s);
    }

    @Test
    void scratchReadsTheVocabularySizeFromConfigOrUsesTheGivenTokenizer() throws TrainingException {
        TrainingJob job = parse("""
                mode: scratch
                config: ../tiny
                dataset: ../data/ja.jsonl
                output: out/tiny
                """);
        assertEquals(Optional.of(dir.resolve("tiny/config.json")), job.modelConfig());
        assertEquals(Optional.empty(), job.model());
        assertEquals(Optional.empty(), job.tokenizer());
        assertEquals(512, job.tokenizerVocabularySize());
        assertEquals(Optional.empty(), job.settings().lora());

        TrainingJob given = parse("""
                mode: scratch
                config: ../tiny/config.json
                tokenizer: ../tok
                dataset: ../data/ja.jsonl
                output: out/tiny
                """);
        assertEquals(Optional.of(dir.resolve("tok")), given.tokenizer());
    }

    @Test
    void unknownKeysAreRefusedWithTheNearestName() {
        assertEquals(file + ":3:1: unknown key 'learning_rte' in the training settings; did you mean "
                + "'learning_rate'? (known keys: " + String.join(", ", TrainingConfigReader.KEYS) + ")", refused("""
                model: ../models/base
                dataset: ../data/ja.jsonl
                learning_rte: 1e-4
                output: out
                """));
        assertTrue(refused("""
                model: ../models/base
                dataset: ../data/ja.jsonl
                output: out
                lora:
                  lora_alpa: 16
                """).startsWith(file + ":5:3: unknown key 'lora_alpa' in the lora: block; did you mean "
                + "'lora_alpha'?"));
        // names of LLaMA-Factory and TrainingArguments that Kumiki spells otherwise
        assertEquals(file + ":2:1: per_device_train_batch_size is not a Kumiki setting: write batch_size", refused("""
                model: ../models/base
                per_device_train_batch_size: 4
                """));
        assertEquals(file + ":2:1: num_train_epochs is not a Kumiki setting: Kumiki counts optimizer steps: write "
                + "max_steps", refused("model: ../models/base\nnum_train_epochs: 3\n"));
        assertEquals(file + ":2:1: r belongs in the lora: block: write it indented under lora:",
                refused("model: ../models/base\nr: 8\n"));
    }

    @Test
    void wrongTypesAndRangesNameTheLineAndKey() {
        String head = "model: ../models/base\ndataset: ../data/ja.jsonl\noutput: out\n";
        assertEquals(file + ":4:12: max_steps must be a whole number at least 1; found 'ten'",
                refused(head + "max_steps: ten\n"));
        assertEquals(file + ":4:12: max_steps must be a whole number at least 1; found '2.5'",
                refused(head + "max_steps: 2.5\n"));
        assertEquals(file + ":4:12: max_steps must be at least 1; found 0", refused(head + "max_steps: 0\n"));
        assertEquals(file + ":4:16: learning_rate must be above 0 and at most 1; found -1",
                refused(head + "learning_rate: -1\n"));
        assertEquals(file + ":4:16: learning_rate must be a number above 0 and at most 1; found a list",
                refused(head + "learning_rate: [1, 2]\n"));
        assertEquals(file + ":4:11: val_size must be at least 0 and below 1; found 1",
                refused(head + "val_size: 1\n"));
        assertEquals(file + ":4:10: packing must be true or false; found 'maybe'", refused(head + "packing: maybe\n"));
        assertEquals(file + ":4:6: seed has no value; give a whole number of 0 or more or leave the key out",
                refused(head + "seed:\n"));
        assertEquals(file + ":4:7: mode must be scratch, full or lora; found 'lroa'; did you mean 'lora'?",
                refused(head + "mode: lroa\n"));
        assertEquals(file + ":4:9: format must be one of auto, messages, prompt_completion, text; found 'chat'",
                refused(head + "format: chat\n"));
        assertEquals(file + ":5:6: r must be at least 1 and at most 65536; found 0", refused(head + "lora:\n  r: 0\n"));
        assertEquals(file + ":5:19: target_modules must name at least one module, e.g. [q_proj, v_proj]",
                refused(head + "lora:\n  target_modules: []\n"));
        assertEquals(file + ":4:15: warmup_steps (20) is more than max_steps (10); the learning rate would never "
                + "reach its peak", refused(head + "warmup_steps: 20\nmax_steps: 10\n"));
        assertEquals(file + ":4:13: eval_steps is 10 but val_size is 0, so there is nothing to validate on; give "
                + "val_size (e.g. 0.1) or leave eval_steps out", refused(head + "eval_steps: 10\n"));
    }

    @Test
    void modeAndInputsMustAgree() {
        assertEquals(file + ": model is missing: mode is lora (the default), which fine-tunes a model folder (model: "
                + "path/to/model); for a new model from a config.json write mode: scratch and config",
                refused("dataset: ../data/ja.jsonl\noutput: out\n"));
        assertEquals(file + ":1:9: config is for mode scratch (a new model); mode is lora (the default), which "
                + "fine-tunes the model given as model and uses its tokenizer: remove config, or write mode: scratch",
                refused("config: ../tiny\nmodel: ../models/base\n"));
        assertEquals(file + ":2:8: model is given but mode is scratch, which trains a new model from config; remove "
                + "model, or write mode: full or mode: lora to fine-tune it",
                refused("mode: scratch\nmodel: ../models/base\nconfig: ../tiny\n"));
        assertEquals(file + ":6:3: a lora: block is given but mode is full; write mode: lora to train an adapter, or "
                + "remove the block", refused("mode: full\nmodel: ../models/base\ndataset: ../data/ja.jsonl\n"
                        + "output: out\nlora:\n  r: 4\n"));
        assertEquals(file + ":3:13: vocab_size is 300 but " + dir.resolve("tiny/config.json") + " says vocab_size "
                + "512; the tokenizer and the model must agree: change one of them",
                refused("mode: scratch\nconfig: ../tiny\nvocab_size: 300\n"));
    }

    @Test
    void missingFilesAndOutputsOverInputsAreRefused() throws IOException {
        assertEquals(file + ":2:10: dataset: there is no file " + dir.resolve("runs/data.jsonl") + " (relative to "
                + "the settings file's folder " + dir.resolve("runs") + "); give a JSONL file (one JSON object a line)",
                refused("model: ../models/base\ndataset: data.jsonl\noutput: out\n"));
        assertEquals(file + ":1:8: model: " + dir.resolve("runs/nothing") + " (relative to the settings file's "
                + "folder " + dir.resolve("runs") + ") is not a Hugging Face model folder (it has no config.json); "
                + "give a local model folder, Kumiki downloads nothing", refused("model: nothing\n"));
        assertEquals(file + ":3:9: output: the output folder " + dir.resolve("models/base") + " is also an input ("
                + dir.resolve("models/base") + "); write the model to another folder",
                refused("model: ../models/base\ndataset: ../data/ja.jsonl\noutput: ../models/base\n"));
        assertTrue(refused("model: ../models/base\n: x\n").startsWith(file + ":2:1: not valid YAML: "));
        assertEquals(file + ": training settings are a YAML mapping of keys (mode, model or config, dataset, output, "
                + "max_steps, …); this file is empty", refused(""));
        IOException missing = assertThrows(IOException.class, () -> TrainingConfigReader.read(dir.resolve("no.yml")));
        assertTrue(missing.getMessage().contains(dir.resolve("no.yml").toString()), missing.getMessage());
    }
}
