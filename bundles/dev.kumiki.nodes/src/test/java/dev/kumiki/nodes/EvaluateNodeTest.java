package dev.kumiki.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
import dev.kumiki.eval.MetricResult;
import dev.kumiki.eval.TaskResult;
import dev.kumiki.eval.report.ResultsJson;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.llm.tokenizer.PretrainedTokenizer;
import dev.kumiki.model.yaml.PipelineYaml;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * Evaluate and Generate in pipelines over small generated models with a byte-level tokenizer: a merge evaluated
 * straight from its recipe scores exactly what the same merge saved to disk scores, nothing being written for it;
 * scores are cached; mistakes in task names and task files are found when the pipeline is configured.
 */
class EvaluateNodeTest {
    static final NodeKinds KINDS = NodeKinds.discover();
    static final Engine ENGINE = new Engine(KINDS);

    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        for (int v = 0; v < 3; v++) {
            SyntheticModel.llama().layers(2).hidden(32).intermediate(48).vocab(320).variant(v).contextLength(128)
                    .byteLevelTokenizer().write(dir.resolve("models/" + List.of("base", "chat", "code").get(v)));
        }
    }

    static final String MERGE = """
            kumiki: 1
            nodes:
              base: {kind: LoadModel, path: models/base}
              chat: {kind: LoadModel, path: models/chat}
              code: {kind: LoadModel, path: models/code}
              merge:
                kind: Merge
                method: ties
                models:
                  chat: {weight: 0.6, density: 0.5}
                  code: {weight: 0.4, density: 0.7}
            """;

    static final String TASKS = "{kind: Evaluate, tasks: [ppl_en, counters_ja], limit: 4, threads: 2}";

    static Execution.Result run(String text, boolean cache) {
        PipelineYaml.Result r = KINDS.yaml().read(text, "p.kumiki");
        assertEquals(List.of(), r.errors());
        Configuration c = ENGINE.configure(r.pipeline(), dir);
        assertEquals(List.of(), c.diagnostics());
        return ENGINE.execute(c, RunOptions.defaults(dir).withUseCache(cache), RunListener.NONE).run();
    }

    static List<String> diagnostics(String text) {
        PipelineYaml.Result r = KINDS.yaml().read(text, "p.kumiki");
        assertEquals(List.of(), r.errors());
        return ENGINE.configure(r.pipeline(), dir).diagnostics().stream().map(Diagnostic::toString).toList();
    }

    @Test
    void aMergeNeverSavedScoresWhatTheSameMergeSavedScores() throws Exception {
        Execution.Result inMemory = run(MERGE + "  eval: " + TASKS + "\nconnections: [base.model -> merge.base, "
                + "chat.model -> merge.models, code.model -> merge.models, merge.model -> eval.model]\n", false);
        assertEquals(Execution.Status.SUCCEEDED, inMemory.status(), inMemory.nodes().toString());
        assertFalse(Files.exists(dir.resolve("out")), "nothing was saved");

        Execution.Result saved = run(MERGE + "  save: {kind: SaveModel, path: out/ties}\n  eval: " + TASKS
                + "\nconnections: [base.model -> merge.base, chat.model -> merge.models, code.model -> merge.models, "
                + "merge.model -> save.model, save.model -> eval.model]\n", false);
        assertEquals(Execution.Status.SUCCEEDED, saved.status(), saved.nodes().toString());

        Scores a = (Scores) inMemory.values().get("eval").get("scores");
        Scores b = (Scores) saved.values().get("eval").get("scores");
        assertEquals(List.of("ppl_en", "counters_ja"), a.results().tasks().stream().map(TaskResult::task).toList());
        assertEquals("ties of base (base), chat, code", a.results().model());
        assertEquals("ties", b.results().model(), "the saved folder's name");
        for (TaskResult t : b.results().tasks()) {
            TaskResult m = a.results().task(t.task()).orElseThrow();
            assertEquals(4, m.effective());
            assertEquals(t.metrics().size(), m.metrics().size());
            for (MetricResult r : t.metrics()) {
                MetricResult x = m.metric(r.metric(), r.filter()).orElseThrow();
                // the runtime gives bit-identical logits for the merge in memory and saved (same dtype rounding)
                assertEquals(r.value(), x.value(), t.task() + " " + r.key());
                assertEquals(r.stderr(), x.stderr(), t.task() + " " + r.key());
                assertTrue(Double.isFinite(r.value()), r.toString());
            }
        }
        // a random model is far from perfect: perplexity above 1, a word perplexity not below the byte one
        MetricResult wordPpl = a.results().task("ppl_en").orElseThrow().metric("word_perplexity", "none").orElseThrow();
        assertTrue(wordPpl.value() > 1, wordPpl.toString());

        // the files the scores name exist, and results.json reads back to the same scores
        assertEquals(inMemory.recordDir().resolve("nodes/eval/results.json"), a.resultsJson());
        assertEquals(a.results().tasks().get(0).metrics(), ResultsJson.read(a.resultsJson()).tasks().get(0).metrics());
        for (Path p : a.samples()) {
            assertEquals(4, Files.readAllLines(p).size(), p.toString());
        }
        assertTrue(a.summary().startsWith("ppl_en word_perplexity "), a.summary());
        assertTrue(Files.readString(a.report().orElseThrow()).contains("ppl_en"), "the HTML report");
        assertTrue(a.table().lines().anyMatch(l -> l.startsWith("counters_ja  acc ")), a.table());
        assertTrue(Files.readString(inMemory.recordDir().resolve("log.txt")).contains("scores of ties of base"),
                "the table is in the run's log");
    }

    @Test
    void scoresComeFromTheCacheWhenNothingChanged() {
        String text = MERGE + "  eval: {kind: Evaluate, tasks: [ppl_en], limit: 2}\nconnections: [base.model -> "
                + "merge.base, chat.model -> merge.models, code.model -> merge.models, merge.model -> eval.model]\n";
        Execution.Result first = run(text, true);
        assertEquals(NodeState.DONE, first.nodes().get("eval").state(), first.nodes().toString());
        Execution.Result again = run(text, true);
        assertEquals(NodeState.CACHED, again.nodes().get("eval").state());
        assertEquals(((Scores) first.values().get("eval").get("scores")).results().tasks(),
                ((Scores) again.values().get("eval").get("scores")).results().tasks());
        Execution.Result changed = run(text.replace("weight: 0.6", "weight: 0.5"), true);
        assertEquals(NodeState.DONE, changed.nodes().get("eval").state(), "another merge is evaluated again");
    }

    @Test
    void progressCountsItemsAndTokensAndCancellingStopsBetweenRequestsWritingNoResults() {
        String text = "kumiki: 1\nnodes:\n  chat: {kind: LoadModel, path: models/chat}\n  eval: {kind: Evaluate, "
                + "tasks: [ppl_en], limit: 6}\nconnections: [chat.model -> eval.model]\n";
        PipelineYaml.Result read = KINDS.yaml().read(text, "p.kumiki");
        Configuration c = ENGINE.configure(read.pipeline(), dir);
        List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
        Execution[] running = new Execution[1];
        running[0] = ENGINE.execute(c, RunOptions.defaults(dir).withUseCache(false), new RunListener() {
            @Override
            public void nodeProgress(String node, double fraction, String message) {
                if (node.equals("eval") && message != null && message.contains("items")) {
                    messages.add(message);
                    if (message.startsWith("2/6 items")) {
                        running[0].cancel();
                    }
                }
            }
        });
        Execution.Result r = running[0].run();
        assertEquals(Execution.Status.CANCELLED, r.status(), r.nodes().toString());
        assertTrue(messages.get(0).matches("1/6 items, \\d+ tokens/s"), messages.toString());
        assertTrue(messages.stream().noneMatch(m -> m.startsWith("4/6")), "stopped between requests: " + messages);
        assertFalse(Files.exists(r.recordDir().resolve("nodes/eval/results.json")), "no results for half a run");
        assertFalse(Files.exists(r.recordDir().resolve("nodes/eval/samples_ppl_en.jsonl")), "nor samples");
    }

    @Test
    void generateWritesTheSameTextAsTheRuntimeAndKeepsItInTheRecord() throws Exception {
        String text = """
                kumiki: 1
                nodes:
                  chat: {kind: LoadModel, path: models/chat}
                  greedy: {kind: Generate, prompt: "Once upon a time", max_tokens: 12}
                  sampled: {kind: Generate, prompt: "Once upon a time", max_tokens: 12, temperature: 0.8, top_k: 20, seed: 7}
                  chatting: {kind: Generate, prompt: "Hello", max_tokens: 5, chat: true}
                connections: [chat.model -> greedy.model, chat.model -> sampled.model, chat.model -> chatting.model]
                """;
        Execution.Result r = run(text, false);
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());
        TextValue greedy = (TextValue) r.values().get("greedy").get("text");
        assertEquals(r.recordDir().resolve("nodes/greedy/generation.txt"), greedy.file());
        assertEquals(greedy.text(), Files.readString(greedy.file()));
        // the same tokens as the runtime's own greedy generation
        try (PretrainedTokenizer tok = PretrainedTokenizer.load(dir.resolve("models/chat"));
                Transformer t = Transformer.open(dir.resolve("models/chat"), new RuntimeOptions(Kernels.scalar(), 1,
                        8))) {
            int[] prompt = tok.encode("Once upon a time", true);
            int[] tokens = dev.kumiki.llm.runtime.Generator.generate(t, prompt,
                    dev.kumiki.llm.GenerationSettings.greedy(12), tok.eosTokens()).tokens();
            assertEquals(tok.decode(tokens, true), greedy.text());
        }
        Execution.Result again = run(text, false);
        assertEquals(greedy.text(), ((TextValue) again.values().get("greedy").get("text")).text(), "deterministic");
        assertEquals(((TextValue) r.values().get("sampled").get("text")).text(),
                ((TextValue) again.values().get("sampled").get("text")).text(), "seeded");
        assertNotEquals(greedy.text(), ((TextValue) r.values().get("sampled").get("text")).text());
        assertTrue(greedy.summary().startsWith("\""), greedy.summary());
    }

    @Test
    void configureFindsTaskMistakes() throws IOException {
        String model = "kumiki: 1\nnodes:\n  chat: {kind: LoadModel, path: models/chat}\n";
        assertEquals(List.of("error: node 'eval', tasks: there is no task 'ppl_eng' (did you mean 'ppl_en'?); the "
                + "shipped tasks are arith_en, arith_ja, mult_en, mult_ja, counters_ja, qa_ja, ppl_en, ppl_ja (kumiki tasks lists them), "
                + "and a task YAML file is named by its path ending in .yaml"),
                diagnostics(model + "  eval: {kind: Evaluate, tasks: [ppl_eng]}\nconnections: [chat.model -> "
                        + "eval.model]\n"));
        Files.writeString(dir.resolve("bad.yaml"), "task: bad\ndataset_path: data\noutput_typ: multiple_choice\n");
        List<String> bad = diagnostics(model + "  eval: {kind: Evaluate, tasks: [bad.yaml]}\nconnections: "
                + "[chat.model -> eval.model]\n");
        assertEquals(1, bad.size(), bad.toString());
        assertTrue(bad.get(0).startsWith("error: node 'eval', tasks: " + dir.resolve("bad.yaml") + ":3"), bad.get(0));
        assertTrue(bad.get(0).contains("output_type"), "the nearest key is suggested: " + bad.get(0));
        assertEquals(List.of("error: node 'eval', tasks: no task is given; name shipped tasks (arith_en, arith_ja, "
                + "mult_en, mult_ja, counters_ja, qa_ja, ppl_en, ppl_ja) or task YAML files, e.g. tasks: [ppl_en]"),
                diagnostics(model + "  eval: {kind: Evaluate}\nconnections: [chat.model -> eval.model]\n"));
        assertEquals(List.of("error: node 'gen', prompt: the prompt is empty; give the text the model continues, e.g. "
                + "prompt: \"Once upon a time\""), diagnostics(model + "  gen: {kind: Generate}\nconnections: "
                + "[chat.model -> gen.model]\n"));
    }
}
