package dev.kumiki.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Diagnostic;
import dev.kumiki.engine.Engine;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.engine.NodeState;
import dev.kumiki.engine.RunListener;
import dev.kumiki.engine.RunOptions;
import dev.kumiki.engine.RunRecords;
import dev.kumiki.model.yaml.PipelineYaml;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.train.data.DatasetFormat;

/**
 * Dataset, Train and ApplyAdapter when a pipeline is configured: the mistakes that can be told from a dataset's first
 * line, config.json and the tensor headers are reported on their node and setting before anything runs — a mode that
 * does not fit the inputs, a LoRA target module the model lacks (nearest name suggested), a rank larger than a layer,
 * a model that exists only in memory, an adapter that is not one.
 */
class TrainNodeTest {
    static final NodeKinds KINDS = NodeKinds.discover();
    static final Engine ENGINE = new Engine(KINDS);

    @TempDir
    static Path dir;

    @BeforeAll
    static void files() throws IOException {
        SyntheticModel.llama().layers(2).hidden(32).intermediate(48).vocab(320).contextLength(128).byteLevelTokenizer()
                .write(dir.resolve("base"));
        Files.writeString(dir.resolve("text.jsonl"), "\n{\"text\": \"hello\"}\n{\"text\": \"world\"}\n");
        Files.writeString(dir.resolve("pairs.jsonl"), "{\"prompt\": \"1+1=\", \"completion\": \"2\"}\n");
        Files.writeString(dir.resolve("chat.jsonl"), "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
        Files.writeString(dir.resolve("broken.jsonl"), "{\"text\": \"ok\"\n");
        StringBuilder corpus = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            corpus.append("{\"text\": \"line ").append(i).append(": the cat sat on the mat\"}\n");
        }
        Files.writeString(dir.resolve("corpus.jsonl"), corpus);
        Files.writeString(dir.resolve("other.jsonl"), "{\"body\": \"x\", \"title\": \"y\"}\n");
        Files.createDirectories(dir.resolve("untied"));
        Files.writeString(dir.resolve("untied/config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32,
                 "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                 "vocab_size": 300, "tie_word_embeddings": false, "max_position_embeddings": 128, "rms_norm_eps": 1e-5,
                 "rope_theta": 10000.0, "torch_dtype": "float32"}
                """);
        Files.createDirectories(dir.resolve("tiny"));
        Files.writeString(dir.resolve("tiny/config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 16,
                 "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1,
                 "vocab_size": 300, "tie_word_embeddings": true, "max_position_embeddings": 64, "rms_norm_eps": 1e-5,
                 "rope_theta": 10000.0, "torch_dtype": "float32"}
                """);
    }

    static Configuration configure(String text) {
        PipelineYaml.Result r = KINDS.yaml().read("kumiki: 1\n" + text, "p.kumiki");
        assertEquals(List.of(), r.errors());
        return ENGINE.configure(r.pipeline(), dir);
    }

    static List<String> diagnostics(String text) {
        return configure(text).diagnostics().stream().map(Diagnostic::toString).toList();
    }

    static final String BASE = "nodes:\n  base: {kind: LoadModel, path: base}\n  data: {kind: Dataset, path: "
            + "text.jsonl, val_size: 0.1}\n";

    @Test
    void aDatasetsFormatIsToldFromItsFirstLineAndChecked() {
        Configuration c = configure(BASE);
        assertEquals(List.of(), c.diagnostics());
        assertEquals(Optional.of(new DatasetValue(dir.resolve("text.jsonl"), DatasetFormat.TEXT, 0.1)),
                c.spec("data", "dataset"));
        assertEquals(Optional.of(new DatasetValue(dir.resolve("pairs.jsonl"), DatasetFormat.PROMPT_COMPLETION, 0)),
                configure("nodes:\n  d: {kind: Dataset, path: pairs.jsonl}\n").spec("d", "dataset"));
        assertEquals(Optional.of(new DatasetValue(dir.resolve("chat.jsonl"), DatasetFormat.MESSAGES, 0)),
                configure("nodes:\n  d: {kind: Dataset, path: chat.jsonl}\n").spec("d", "dataset"));

        assertEquals(List.of("error: node 'd', path: there is no file " + dir.resolve("nothing.jsonl") + " (the path "
                + "is relative to the pipeline file's folder); Dataset reads a JSONL file; or name a dataset Kumiki "
                + "ships: corpus_base, corpus_ja, arith_en_sft, corpus_anneal"),
                diagnostics("nodes:\n  d: {kind: Dataset, path: nothing.jsonl}\n"));
        List<String> broken = diagnostics("nodes:\n  d: {kind: Dataset, path: broken.jsonl}\n");
        assertEquals(1, broken.size(), broken.toString());
        assertTrue(broken.get(0).startsWith("error: node 'd', path: " + dir.resolve("broken.jsonl") + ":1: not JSON ("),
                broken.get(0));
        assertEquals(List.of("error: node 'd', format: " + dir.resolve("other.jsonl") + ":1: the line has none of the "
                + "fields a dataset needs (text; prompt and completion; or messages), only body, title; rename the "
                + "field, or convert the file"), diagnostics("nodes:\n  d: {kind: Dataset, path: other.jsonl}\n"));
        assertEquals(List.of("error: node 'd', format: " + dir.resolve("pairs.jsonl") + ":1: format is text but the "
                + "line has no \"text\" string (its fields: prompt, completion); set format to auto"),
                diagnostics("nodes:\n  d: {kind: Dataset, path: pairs.jsonl, format: text}\n"));
        assertEquals(List.of("error: node 'd', val_size: 'val_size' must be between 0 and 0.99, found 1.0"),
                diagnostics("nodes:\n  d: {kind: Dataset, path: text.jsonl, val_size: 1}\n"));
    }

    @Test
    void aLoraTrainingConfiguresToTheBaseWithItsAdapterAndTheAdapterFolder() {
        Configuration c = configure(BASE + "  train: {kind: Train, max_steps: 5, lora: {r: 4, lora_alpha: 8, "
                + "target_modules: [q_proj, v_proj, down_proj]}}\nconnections: [base.model -> train.model, "
                + "data.dataset -> train.dataset]\n");
        assertEquals(List.of(), c.diagnostics());
        ModelSpec model = (ModelSpec) c.spec("train", "model").orElseThrow();
        ModelSpec base = (ModelSpec) c.spec("base", "model").orElseThrow();
        assertEquals(base.tensors(), model.tensors());
        assertEquals(Optional.empty(), model.folder(), "the adapted model exists as files nowhere");
        assertEquals(Optional.of(new TrainedFolder(dir.resolve(".kumiki/train/train/adapter"), true)),
                c.spec("train", "folder"));

        // scratch: the model config.json defines, in F32, at its output folder
        Configuration scratch = configure("nodes:\n  data: {kind: Dataset, path: text.jsonl}\n  train: {kind: Train, "
                + "mode: scratch, config: tiny, output: out/tiny}\nconnections: [data.dataset -> train.dataset]\n");
        assertEquals(List.of(), scratch.diagnostics());
        ModelSpec tiny = (ModelSpec) scratch.spec("train", "model").orElseThrow();
        assertEquals(Optional.of(dir.resolve("out/tiny")), tiny.folder());
        // embeddings (tied: no lm_head), 9 tensors a layer, the final norm; k_proj for one key-value head of 8
        assertEquals(1 + 2 * 9 + 1, tiny.tensors().size());
        assertEquals("[8, 16]", tiny.tensor("model.layers.1.self_attn.k_proj.weight").orElseThrow().shape()
                .toString());
    }

    @Test
    void theModeMustFitTheInputs() {
        String data = "connections: [data.dataset -> train.dataset";
        assertEquals(List.of("error: node 'train', mode: mode lora fine-tunes the model at the 'model' input: connect "
                + "one (LoadModel), or set mode to scratch and config to train a new model"),
                diagnostics(BASE + "  train: {kind: Train}\n" + data + "]\n"));
        assertEquals(List.of("error: node 'train', mode: mode is scratch, which trains a new model from config, but a "
                + "model is connected; set mode to full or lora to fine-tune it, or disconnect it"),
                diagnostics(BASE + "  train: {kind: Train, mode: scratch, config: tiny}\n" + data
                        + ", base.model -> train.model]\n"));
        assertEquals(List.of("error: node 'train', config: mode scratch trains a new model defined by a Hugging Face "
                + "config.json: set config (e.g. tiny/config.json), or connect a model and set mode to full or lora"),
                diagnostics(BASE + "  train: {kind: Train, mode: scratch}\n" + data + "]\n"));
        assertEquals(List.of("error: node 'train', config: config is for mode scratch; mode full fine-tunes the model "
                + "at the input and keeps its tokenizer: leave config empty"),
                diagnostics(BASE + "  train: {kind: Train, mode: full, config: tiny}\n" + data
                        + ", base.model -> train.model]\n"));
        assertEquals(List.of("error: node 'train', lora: lora settings are given but mode is full; set mode to lora "
                + "to train an adapter, or remove them"),
                diagnostics(BASE + "  train: {kind: Train, mode: full, lora: {r: 4}}\n" + data
                        + ", base.model -> train.model]\n"));
        assertEquals(List.of("error: node 'train', vocab_size: vocab_size is 512 but " + dir.resolve("tiny/config.json")
                + " says vocab_size 300; the tokenizer and the model must agree: change one"),
                diagnostics(BASE + "  train: {kind: Train, mode: scratch, config: tiny, vocab_size: 512}\n" + data
                        + "]\n"));
        assertEquals(List.of("error: node 'train', warmup_steps: warmup_steps (50) is more than max_steps (10); the "
                + "learning rate would never reach its peak"),
                diagnostics(BASE + "  train: {kind: Train, max_steps: 10, warmup_steps: 50}\n" + data
                        + ", base.model -> train.model]\n"));
    }

    @Test
    void loraTargetsAndRankAreCheckedAgainstTheModel() {
        String connections = "connections: [data.dataset -> train.dataset, base.model -> train.model]\n";
        List<String> typo = diagnostics(BASE + "  train: {kind: Train, lora: {target_modules: [q_prj]}}\n"
                + connections);
        assertEquals(1, typo.size(), typo.toString());
        assertTrue(typo.get(0).startsWith("error: node 'train', lora: target module 'q_prj' is not a module of the "
                + "model; did you mean 'q_proj'? (its linear modules: "), typo.get(0));
        assertTrue(typo.get(0).contains("down_proj"), typo.get(0));
        assertEquals(List.of("error: node 'train', lora: r is 40 but model.layers.0.self_attn.q_proj.weight is 32×32: "
                + "the rank can be at most 32; lower r"),
                diagnostics(BASE + "  train: {kind: Train, lora: {r: 40, target_modules: [q_proj]}}\n" + connections));
    }

    @Test
    void aModelThatExistsOnlyInMemoryMustBeSavedFirst() {
        String merge = BASE + "  merge: {kind: Merge, method: linear, parameters: {weight: 1}}\n";
        assertEquals(List.of("error: node 'train': Train reads the model it fine-tunes from a folder, and the model at "
                + "its input exists only in memory (a merge or a model with an adapter applied): put a SaveModel "
                + "before Train and connect its output"),
                diagnostics(merge + "  train: {kind: Train}\nconnections: [base.model -> merge.models, merge.model -> "
                        + "train.model, data.dataset -> train.dataset]\n"));
    }

    @Test
    void anAdapterComesFromATrainingOrAFolder() {
        assertEquals(List.of("error: node 'apply', path: no adapter: connect a Train node's folder (mode lora) to the "
                + "adapter input, or set path to a PEFT adapter folder (adapter_config.json, "
                + "adapter_model.safetensors)"),
                diagnostics(BASE + "  apply: {kind: ApplyAdapter}\nconnections: [base.model -> apply.model]\n"));
        assertEquals(List.of("error: node 'apply', path: " + dir.resolve("base") + " (relative to the pipeline file's "
                + "folder) is not a PEFT adapter folder: it has no adapter_config.json"),
                diagnostics(BASE + "  apply: {kind: ApplyAdapter, path: base}\nconnections: [base.model -> "
                        + "apply.model]\n"));
        assertEquals(List.of("error: node 'apply': the folder at the adapter input is not a PEFT adapter ("
                + dir.resolve(".kumiki/train/train/model") + " (model)); connect the folder output of a Train node "
                + "whose mode is lora"),
                diagnostics(BASE + "  train: {kind: Train, mode: full}\n  apply: {kind: ApplyAdapter}\nconnections: "
                        + "[base.model -> train.model, data.dataset -> train.dataset, base.model -> apply.model, "
                        + "train.folder -> apply.adapter]\n"));
        Configuration chained = configure(BASE + "  train: {kind: Train}\n  apply: {kind: ApplyAdapter}\n"
                + "connections: [base.model -> train.model, data.dataset -> train.dataset, base.model -> apply.model, "
                + "train.folder -> apply.adapter]\n");
        assertEquals(List.of(), chained.diagnostics());
    }

    static Execution.Result run(String text, RunListener listener) {
        Configuration c = configure(text);
        assertEquals(List.of(), c.diagnostics().stream().map(Diagnostic::toString).toList());
        return ENGINE.execute(c, RunOptions.defaults(dir), listener).run();
    }

    static final String LORA = """
            nodes:
              base: {kind: LoadModel, path: base}
              data: {kind: Dataset, path: corpus.jsonl, val_size: 0.2}
              train: {kind: Train, max_steps: 4, batch_size: 2, cutoff_len: 24, learning_rate: 1e-3, eval_steps: 2,
                save_steps: 2, lora: {r: 2, lora_alpha: 4}}
              eval: {kind: Evaluate, tasks: [ppl_en], limit: 2, threads: 2}
            connections: [base.model -> train.model, data.dataset -> train.dataset, train.model -> eval.model]
            """;

    @Test
    void aLoraTrainingRecordsItsLossesAndItsAdaptedModelIsEvaluatedAndCached() throws IOException {
        List<String> progress = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Execution.Result r = run(LORA, new RunListener() {
            @Override
            public void nodeProgress(String node, double fraction, String message) {
                if (node.equals("train")) {
                    progress.add(message);
                }
            }
        });
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());
        assertTrue(progress.stream().anyMatch(m -> m.matches("step 4/4, loss \\d+\\.\\d{4}, val \\d+\\.\\d{4}, \\d+ "
                + "tokens/s, \\d+s left")), progress.toString());
        var metrics = RunRecords.metrics(r.recordDir(), "train");
        assertEquals(List.of(1L, 2L, 3L, 4L), metrics.get("loss").stream().map(RunRecords.Point::step).toList());
        assertEquals(List.of(2L, 4L), metrics.get("val_loss").stream().map(RunRecords.Point::step).toList());
        Path adapter = dir.resolve(".kumiki/train/train/adapter");
        assertTrue(Files.isRegularFile(adapter.resolve("adapter_config.json")), "a PEFT adapter was written");
        assertEquals(new TrainedFolder(adapter, true), r.values().get("train").get("folder"));
        AdaptedModelHandle model = (AdaptedModelHandle) r.values().get("train").get("model");
        assertEquals(dir.resolve("base"), model.model());
        assertTrue(Files.isRegularFile(r.recordDir().resolve("nodes/train/summary.json")));
        assertEquals(NodeState.DONE, r.nodes().get("eval").state(), "the adapted model ran in memory");

        Execution.Result again = run(LORA, RunListener.NONE);
        assertEquals(NodeState.CACHED, again.nodes().get("train").state(), again.nodes().toString());
        assertEquals(NodeState.CACHED, again.nodes().get("eval").state());
    }

    @Test
    void aCancelledTrainingKeepsItsCheckpointAndTheNextRunResumes() throws Exception {
        String pipeline = """
                nodes:
                  data: {kind: Dataset, path: corpus.jsonl}
                  train: {kind: Train, mode: scratch, config: untied, max_steps: 60, batch_size: 4, cutoff_len: 32,
                    learning_rate: 1e-3, save_steps: 1, output: out/cancelled}
                connections: [data.dataset -> train.dataset]
                """;
        Configuration c = configure(pipeline);
        assertEquals(List.of(), c.diagnostics().stream().map(Diagnostic::toString).toList());
        java.util.concurrent.CountDownLatch third = new java.util.concurrent.CountDownLatch(3);
        Execution run = ENGINE.execute(c, RunOptions.defaults(dir), new RunListener() {
            @Override
            public void metric(String node, String name, long step, double value) {
                if (name.equals("loss")) {
                    third.countDown();
                }
            }
        });
        Thread canceller = new Thread(() -> {
            try {
                third.await();
            } catch (InterruptedException e) {
                return;
            }
            run.cancel();
        });
        canceller.start();
        Execution.Result r = run.run();
        canceller.interrupt(); // when the run ended before its third step, there is nothing to cancel
        canceller.join();
        assertEquals(Execution.Status.CANCELLED, r.status(), r.nodes().toString());
        assertEquals(NodeState.CANCELLED, r.nodes().get("train").state(), r.nodes().toString());
        assertTrue(r.nodes().get("train").messages().stream().anyMatch(m -> m.contains("checkpoint")),
                r.nodes().get("train").messages().toString());
        long stoppedAt = RunRecords.metrics(r.recordDir(), "train").get("loss").getLast().step();
        assertTrue(stoppedAt < 60, "stopped at step " + stoppedAt);
        assertTrue(Files.isDirectory(dir.resolve(".kumiki/train/train/checkpoints")));
        assertTrue(!Files.exists(dir.resolve("out/cancelled")), "no output for a cancelled training");

        Execution.Result resumed = ENGINE.execute(configure(pipeline),
                RunOptions.defaults(dir), RunListener.NONE).run();
        assertEquals(Execution.Status.SUCCEEDED, resumed.status(), resumed.nodes().toString());
        List<RunRecords.Point> losses = RunRecords.metrics(resumed.recordDir(), "train").get("loss");
        assertTrue(losses.getFirst().step() > 1, "resumed from the checkpoint, not from step 1: "
                + losses.getFirst());
        assertEquals(60, losses.getLast().step());
        assertTrue(Files.isRegularFile(dir.resolve("out/cancelled/model.safetensors")));
    }
}
