package dev.kumiki.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training example (examples/train: train.kumiki fine-tunes the shipped base, merge.kumiki merges the fine-tunes,
 * base.kumiki makes the base again) as a user runs it: every node checks at configure time (the shipped datasets are
 * generated, the config and LoRA targets fit), and the pipelines run end to end with training cut to a few steps and
 * each evaluation to a few items, so that they stay cheap on two shared cores. The real run's figures are in
 * examples/train/README.md.
 */
class TrainExampleTest {

    private static final List<String> MODELS = List.of("eval_base", "eval_ja", "eval_math");

    private static Path copy(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("train/model-config"));
        Files.createDirectories(dir.resolve("train/base"));
        for (String f : List.of("train.kumiki", "merge.kumiki", "base.kumiki", "model-config/config.json",
                "base/config.json", "base/model.safetensors", "base/tokenizer.json", "base/tokenizer_config.json")) {
            Files.copy(Path.of("../../examples/train", f), dir.resolve("train").resolve(f));
        }
        return dir.resolve("train/train.kumiki");
    }

    @Test
    void theExampleValidates(@TempDir Path dir) throws IOException {
        Cli.Result r = Cli.kumiki("validate", copy(dir).toString());
        assertEquals(0, r.code(), r.out() + r.err());
        Cli.Result b = Cli.kumiki("validate", dir.resolve("train/base.kumiki").toString());
        assertEquals(0, b.code(), b.out() + b.err());
    }

    @Test
    void thePipelineThatMakesTheShippedBaseRunsWithFewSteps(@TempDir Path dir) throws IOException {
        copy(dir);
        Cli.Result r = Cli.kumiki("run", dir.resolve("train/base.kumiki").toString(), "--set", "base.max_steps=2",
                "--set", "base.warmup_steps=1", "--set", "base.eval_steps=0", "--set", "base.save_steps=0",
                "--set", "base.batch_size=2", "--set", "eval_base.limit=2");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().matches("(?s).*\nbase\s+Train\s+done.*"), r.out());
        assertTrue(r.out().matches("(?s).*\neval_base\s+Evaluate\s+done.*"), r.out());
        // the shipped base is the same architecture and vocabulary as what the pipeline makes
        assertEquals(Files.readString(dir.resolve("train/base/config.json")).replaceAll("\\s", ""),
                Files.readString(dir.resolve("train/.kumiki/models/base/config.json")).replaceAll("\\s", ""));
    }

    @Test
    void theExampleRunsEndToEndWithFewSteps(@TempDir Path dir) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", copy(dir).toString()));
        for (String node : List.of("ja_lora", "math_lora")) {
            args.addAll(List.of("--set", node + ".max_steps=2", "--set", node + ".warmup_steps=1", "--set",
                    node + ".eval_steps=0", "--set", node + ".save_steps=0", "--set", node + ".batch_size=2"));
        }
        for (String node : MODELS) {
            args.addAll(List.of("--set", node + ".limit=2"));
        }
        Cli.Result r = Cli.kumiki(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.out() + r.err());
        for (String node : List.of("ja_lora", "math_lora")) {
            assertTrue(r.out().matches("(?s).*\n" + node + "\\s+Train\\s+done.*"), node + " in\n" + r.out());
        }
        for (String node : MODELS) {
            assertTrue(r.out().matches("(?s).*\n" + node + "\\s+Evaluate\\s+done.*"), node + " in\n" + r.out());
        }
        for (String task : List.of("ppl_en", "ppl_ja", "arith_en", "mult_ja", "qa_ja", "counters_ja")) {
            assertTrue(r.out().contains(" " + task + " "), task + " in\n" + r.out());
        }
        // the merge of the two fine-tunes the training wrote, evaluated beside them
        List<String> merge = new ArrayList<>(List.of("run", dir.resolve("train/merge.kumiki").toString()));
        for (String node : List.of("eval_merge", "eval_ja", "eval_math")) {
            merge.addAll(List.of("--set", node + ".limit=2"));
        }
        Cli.Result m = Cli.kumiki(merge.toArray(String[]::new));
        assertEquals(0, m.code(), m.out() + m.err());
        assertTrue(m.out().matches("(?s).*\ntask_arithmetic of base \\(base\\), ja, math +arith_en .*"), m.out());
    }

    /**
     * The example as it is, with its full training (minutes): only when asked for with
     * {@code -Dkumiki.example.full=true}. Its output, the figures of examples/train/README.md, is kept in
     * {@code target/train-example/run.txt}.
     */
    @Test
    @EnabledIfSystemProperty(named = "kumiki.example.full", matches = "true")
    void theFullExampleTrainsModelsThatKnowSomething() throws IOException {
        Path dir = Path.of("target/train-example").toAbsolutePath();
        Path pipeline = dir.resolve("train/train.kumiki");
        if (!Files.exists(pipeline)) {
            copy(dir);
        }
        long started = System.nanoTime();
        Cli.Result r = Cli.kumiki("run", pipeline.toString());
        String load = Files.readString(Path.of("/proc/loadavg")).strip();
        Files.writeString(dir.resolve("run.txt"), r.out() + r.err() + String.format("%nwall time %.1f s, load average"
                + " at the end %s%n", (System.nanoTime() - started) / 1e9, load));
        assertEquals(0, r.code(), r.out() + r.err());
        started = System.nanoTime();
        Cli.Result m = Cli.kumiki("run", dir.resolve("train/merge.kumiki").toString());
        Files.writeString(dir.resolve("merge.txt"), m.out() + m.err() + String.format("%nwall time %.1f s, load "
                + "average at the end %s%n", (System.nanoTime() - started) / 1e9,
                Files.readString(Path.of("/proc/loadavg")).strip()));
        assertEquals(0, m.code(), m.out() + m.err());
    }
}
