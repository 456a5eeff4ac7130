package dev.kumiki.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kumiki train: a small model trained from scratch on a few lines of text, with plain progress lines and a summary;
 * Ctrl-C (SIGTERM, the same shutdown path) stops a run at the next step with its checkpoint kept, and the same
 * command resumes from it; mistakes in the settings exit 2 with the message alone.
 */
class TrainCommandTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void files() throws IOException {
        Files.createDirectories(dir.resolve("tiny"));
        Files.writeString(dir.resolve("tiny/config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32,
                 "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                 "vocab_size": 300, "max_position_embeddings": 128, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
                 "tie_word_embeddings": false, "torch_dtype": "float32"}
                """);
        StringBuilder lines = new StringBuilder();
        String[] words = {"the cat sat on the mat", "a dog ran in the park", "birds sing in the morning",
            "the sun is warm today", "rain falls on the roof"};
        for (int i = 0; i < 60; i++) {
            lines.append("{\"text\": \"").append(words[i % words.length]).append(' ').append(i).append("\"}\n");
        }
        Files.writeString(dir.resolve("corpus.jsonl"), lines);
    }

    static Path settings(String name, String extra) throws IOException {
        Path file = dir.resolve(name + ".yml");
        Files.writeString(file, """
                mode: scratch
                config: tiny
                dataset: corpus.jsonl
                output: out/%s
                batch_size: 4
                cutoff_len: 32
                learning_rate: 3e-3
                warmup_steps: 1
                val_size: 0.1
                seed: 3
                """.formatted(name) + extra);
        return file;
    }

    @Test
    void mistakesInTheSettingsExitTwoWithTheMessageAlone() throws IOException {
        Path bad = settings("bad", "learning_rte: 1e-3\n");
        Cli.Result r = Cli.kumiki("train", bad.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals("kumiki train: " + bad + ":11:1: unknown key 'learning_rte' in the training settings; did you "
                + "mean 'learning_rate'? (known keys: mode, model, config, tokenizer, vocab_size, dataset, format, "
                + "output, checkpoints, max_steps, batch_size, gradient_accumulation_steps, cutoff_len, learning_rate, "
                + "min_lr_ratio, warmup_steps, weight_decay, adam_beta1, adam_beta2, adam_epsilon, max_grad_norm, seed, "
                + "eval_steps, save_steps, val_size, packing, lora)\n", r.err());
        assertEquals("", r.out());

        Cli.Result missing = Cli.kumiki("train", dir.resolve("nothing.yml").toString());
        assertEquals(2, missing.code());
        assertEquals("kumiki train: no such settings file: " + dir.resolve("nothing.yml") + "\n", missing.err());

        Cli.Result range = Cli.kumiki("train", settings("range", "max_steps: 0\n").toString());
        assertEquals(2, range.code());
        assertEquals("kumiki train: " + dir.resolve("range.yml") + ":11:12: max_steps must be at least 1; found 0\n",
                range.err());
    }

    @Test
    void aDryRunSaysWhatWouldBeTrainedAndWritesNothing() throws IOException {
        Cli.Result r = Cli.kumiki("train", settings("dry", "max_steps: 20\n").toString(), "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(
                "Training a new model from " + dir.resolve("tiny/config.json") + " with a byte-level BPE of 300 tokens "
                        + "trained on the data",
                "Data     " + dir.resolve("corpus.jsonl") + " (auto), 0.1 held out for validation",
                "Steps    20 of 4×1 sequences of up to 32 tokens; learning rate 0.003, warm-up 1, cosine to ×0; seed 3",
                "Output   " + dir.resolve("out/dry") + "; checkpoints in " + dir.resolve("out/dry.checkpoints"),
                "Dry run: the settings are complete; nothing was trained or written."), r.out().lines().toList());
        assertFalse(Files.exists(dir.resolve("out/dry")));
    }

    @Test
    void aSmallModelTrainsFromScratchWithProgressAndASummary() throws IOException {
        Cli.Result r = Cli.kumiki("train", settings("scratch", "max_steps: 6\neval_steps: 3\nsave_steps: 3\n")
                .toString());
        assertEquals(0, r.code(), r.err() + r.out());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.matches("step 1/6  loss \\d+\\.\\d{4}  \\d+ tokens/s  \\d+s left")),
                r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("step 3: validation loss \\d+\\.\\d{4}")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("step 6/6  loss \\d+\\.\\d{4}  val \\d+\\.\\d{4}  .*")),
                r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("Trained 6 steps \\(\\d+ tokens\\) in \\d+s, \\d+ tokens/s: "
                + "loss \\d+\\.\\d{4}, validation loss \\d+\\.\\d{4}\\.")), r.out());
        assertTrue(lines.contains("Model:   " + dir.resolve("out/scratch")), r.out());
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            assertTrue(Files.isRegularFile(dir.resolve("out/scratch").resolve(f)), f);
        }
        // the model it wrote runs in Kumiki's own runtime
        Cli.Result g = Cli.kumiki("generate", dir.resolve("out/scratch").toString(), "--prompt", "the cat",
                "--max-tokens", "4");
        assertEquals(0, g.code(), g.err());
    }

    @Test
    void aStopKeepsTheCheckpointAndTheSameCommandResumes() throws Exception {
        Path cfg = settings("stopped", "max_steps: 200\nsave_steps: 1\n");
        Path log = dir.resolve("stopped.log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Dai.djl.offline=true", "-DDJL_CACHE_DIR=" + System.getProperty("DJL_CACHE_DIR"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "train", cfg.toString()));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(log).contains("step 3: checkpoint")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                fail("the run did not reach its third checkpoint: " + Files.readString(log));
            }
            Thread.sleep(50);
        }
        p.destroy(); // SIGTERM: the JVM runs its shutdown hooks, as for Ctrl-C
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the run stopped");
        String out = Files.readString(log);
        assertTrue(out.contains("Stopping after the step in progress; the last checkpoint is kept"), out);
        assertTrue(out.matches("(?s).*Stopped at step \\d+ of 200 .*"), out);
        assertTrue(out.contains("Last checkpoint: " + dir.resolve("out/stopped.checkpoints")), out);
        assertFalse(Files.exists(dir.resolve("out/stopped")), "no output for a stopped run");

        Cli.Result resumed = Cli.kumiki("train", cfg.toString());
        assertEquals(0, resumed.code(), resumed.err() + resumed.out());
        assertTrue(resumed.out().contains("Trained 200 steps"), resumed.out());
        assertFalse(resumed.out().contains("step 1/200 "), "resumed, not started again: " + resumed.out());
    }
}
