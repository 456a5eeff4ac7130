package dev.kumiki.cli;

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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.tensor.io.SyntheticModel;

/**
 * kumiki eval, generate, tasks and logits on a tiny generated model with random weights and a byte-level tokenizer:
 * meaningless but deterministic text, files where the commands say, logits equal to the runtime's; and the mistakes
 * a user makes (a model Kumiki cannot run, an unknown task, a prompt longer than the context) exit 2 with a message
 * and leave nothing behind.
 */
class ModelCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Path tiny;

    @BeforeAll
    static void models() throws IOException {
        tiny = SyntheticModel.llama().layers(2).hidden(32).intermediate(48).vocab(300).variant(1).contextLength(256)
                .byteLevelTokenizer().write(dir.resolve("tiny"));
        Path falcon = SyntheticModel.llama().write(dir.resolve("falcon"));
        ObjectNode config = (ObjectNode) JSON.readTree(falcon.resolve("config.json").toFile());
        config.putArray("architectures").add("FalconForCausalLM");
        Files.writeString(falcon.resolve("config.json"), config.toString());
    }

    static String p(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void evalPrintsATableAndWritesResultsAndSamples() throws IOException {
        Cli.Result r = Cli.kumiki("eval", tiny.toString(), "--tasks", "ppl_en,counters_ja", "--limit", "3",
                "--output", p("eval1"), "--threads", "2");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("tiny, 6 items (--limit 3)", lines.get(0));
        assertTrue(lines.get(1).matches("task +metric +filter +value +stderr +items +better"), lines.get(1));
        assertTrue(lines.stream().anyMatch(l -> l.matches("ppl_en +byte_perplexity +none +[0-9.]+ +[0-9.]+ +3/40 +lower")),
                r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("counters_ja +acc +none +0\\.[0-9]{4} +0\\.[0-9]{4} +3/\\d+ "
                + "+higher")), r.out());
        assertTrue(r.out().contains("Results: " + p("eval1/results.json")), r.out());
        assertEquals(3, Files.readAllLines(dir.resolve("eval1/samples_ppl_en.jsonl")).size());
        assertTrue(r.out().contains("Report:  " + p("eval1/report.html")), r.out());
        assertTrue(Files.readString(dir.resolve("eval1/report.html")).contains("counters_ja"));
        assertEquals(3, Files.readAllLines(dir.resolve("eval1/samples_counters_ja.jsonl")).size());

        // --json: results.json on stdout, the same scores again (deterministic)
        Cli.Result j = Cli.kumiki("eval", tiny.toString(), "--tasks", "ppl_en,counters_ja", "--limit", "3",
                "--output", p("eval2"), "--json");
        assertEquals(0, j.code(), j.err());
        JsonNode printed = JSON.readTree(j.out());
        JsonNode written = JSON.readTree(dir.resolve("eval1/results.json").toFile());
        assertEquals(written.get("results"), printed.get("results"));
        double ppl = printed.get("results").get("ppl_en").get("word_perplexity,none").asDouble();
        assertTrue(ppl > 1, "a random model is far from perfect: " + ppl);

        // --num-fewshot 1 (counters_ja has none of its own): a solved example before the question (two would not
        // fit in this model's 256 tokens: Japanese is three bytes a character in a byte-level vocabulary)
        Cli.Result one = Cli.kumiki("eval", tiny.toString(), "--tasks", "counters_ja", "--limit", "1",
                "--num-fewshot", "1", "--output", p("eval3"));
        assertEquals(0, one.code(), one.err());
        String own = JSON.readTree(Files.readAllLines(dir.resolve("eval1/samples_counters_ja.jsonl")).get(0))
                .get("prompt").asText();
        String shots = JSON.readTree(Files.readAllLines(dir.resolve("eval3/samples_counters_ja.jsonl")).get(0))
                .get("prompt").asText();
        assertTrue(shots.endsWith(own) && shots.length() > own.length(), shots);
        assertEquals(2, shots.split("質問：", -1).length - 1, "an example and the question: " + shots);
    }

    @Test
    void theNodeReferenceDescribesEvaluateAndGenerate() {
        Cli.Result r = Cli.kumiki("nodes", "Evaluate");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("scores") && r.out().contains("num_fewshot") && r.out().contains("limit"),
                r.out());
        Cli.Result g = Cli.kumiki("nodes", "Generate");
        assertEquals(0, g.code(), g.err());
        assertTrue(g.out().contains("top_p") && g.out().contains("max_tokens") && g.out().contains("chat"), g.out());
    }

    @Test
    void evalRefusesAnUnknownTaskAndAModelItCannotRunWritingNothing() throws IOException {
        Cli.Result r = Cli.kumiki("eval", tiny.toString(), "--tasks", "ppl_eng", "--output", p("nothing"));
        assertEquals(2, r.code(), r.err());
        assertEquals("kumiki eval: there is no task 'ppl_eng' (did you mean 'ppl_en'?); the shipped tasks are "
                + "arith_en, arith_ja, mult_en, mult_ja, counters_ja, qa_ja, ppl_en, ppl_ja (kumiki tasks lists them), and a task YAML "
                + "file is named by its path ending in .yaml\n", r.err());
        assertFalse(Files.exists(dir.resolve("nothing")));

        Cli.Result f = Cli.kumiki("eval", p("falcon"), "--tasks", "ppl_en", "--output", p("nothing"));
        assertEquals(2, f.code(), f.err());
        assertTrue(f.err().startsWith("kumiki eval: ") && f.err().contains("FalconForCausalLM")
                && f.err().lines().count() == 1, f.err());
        assertFalse(Files.exists(dir.resolve("nothing")), "no output folder is left behind");

        Files.writeString(dir.resolve("typo.yaml"), "task: typo\noutput_typ: loglikelihood\n");
        Cli.Result t = Cli.kumiki("eval", tiny.toString(), "--tasks", p("typo.yaml"), "--output", p("nothing"));
        assertEquals(2, t.code(), t.err());
        assertTrue(t.err().startsWith("kumiki eval: " + p("typo.yaml") + ":2") && t.err().contains("output_type"),
                t.err());
        assertFalse(Files.exists(dir.resolve("nothing")));
    }

    @Test
    void generateIsDeterministicAndRefusesAPromptLongerThanTheContext() {
        Cli.Result a = Cli.kumiki("generate", tiny.toString(), "Once upon a time", "--max-tokens", "10");
        assertEquals(0, a.code(), a.err());
        Cli.Result b = Cli.kumiki("generate", tiny.toString(), "Once upon a time", "--max-tokens", "10");
        assertEquals(a.out(), b.out(), "greedy decoding gives the same text");
        assertTrue(a.err().matches("(?s)\\d+ prompt tokens, \\d+ generated \\((max tokens|end of sequence)\\).*"),
                a.err());
        Cli.Result s1 = Cli.kumiki("generate", tiny.toString(), "Once upon a time", "--max-tokens", "10",
                "--temperature", "0.9", "--top-p", "0.95", "--seed", "3");
        Cli.Result s2 = Cli.kumiki("generate", tiny.toString(), "Once upon a time", "--max-tokens", "10",
                "--temperature", "0.9", "--top-p", "0.95", "--seed", "3");
        assertEquals(0, s1.code(), s1.err());
        assertEquals(s1.out(), s2.out(), "the same seed gives the same sample");
        assertNotEquals(a.out(), s1.out());
        Cli.Result chat = Cli.kumiki("generate", tiny.toString(), "Hello", "--max-tokens", "4", "--chat");
        assertEquals(0, chat.code(), chat.err());

        Cli.Result tooLong = Cli.kumiki("generate", tiny.toString(), "word ".repeat(300));
        assertEquals(2, tooLong.code(), tooLong.err());
        assertTrue(tooLong.err().startsWith("kumiki generate: the prompt is ") && tooLong.err().contains(
                "accepts at most 256 (max_position_embeddings)"), tooLong.err());
        assertEquals("", tooLong.out(), "nothing was generated");

        Cli.Result badT = Cli.kumiki("generate", tiny.toString(), "x", "--top-p", "0");
        assertEquals(2, badT.code());
        assertEquals("kumiki generate: --top-p must be in (0, 1], not 0.0\n", badT.err());
    }

    @Test
    void tasksListsTheShippedTasksWithTheirMetricsAndItems() {
        Cli.Result r = Cli.kumiki("tasks");
        assertEquals(0, r.code(), r.err());
        for (String t : List.of("arith_en", "arith_ja", "counters_ja", "qa_ja", "ppl_en", "ppl_ja")) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(t + " ")), t + " in\n" + r.out());
        }
        assertTrue(r.out().lines().anyMatch(l -> l.matches("ppl_en +loglikelihood_rolling +word_perplexity, "
                + "byte_perplexity, bits_per_byte +40 +perplexity on 40 short English stories")), r.out());
    }

    @Test
    void logitsPrintsWhatTheRuntimeComputes() throws IOException {
        int[] tokens = {0, 72, 105, 33, 299};
        Cli.Result r = Cli.kumiki("logits", tiny.toString(), "--tokens", "0,72,105,33,299", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = JSON.readTree(r.out());
        assertEquals(300, json.get("vocab_size").asInt());
        try (Transformer t = Transformer.open(tiny, RuntimeOptions.defaults())) {
            float[][] expected = t.logits(tokens);
            assertEquals(expected.length, json.get("logits").size());
            for (int p = 0; p < expected.length; p++) {
                assertEquals(300, json.get("logits").get(p).size());
                for (int v = 0; v < expected[p].length; v++) {
                    // printed as the shortest decimal that reads back to the same float
                    assertEquals(expected[p][v], json.get("logits").get(p).get(v).floatValue(), 0f, p + "," + v);
                }
            }
        }
        Cli.Result top = Cli.kumiki("logits", tiny.toString(), "--tokens", "0,72");
        assertEquals(0, top.code(), top.err());
        assertTrue(top.out().lines().anyMatch(l -> l.startsWith("position 1 (token 72): ")), top.out());

        Cli.Result bad = Cli.kumiki("logits", tiny.toString(), "--tokens", "1,300");
        assertEquals(2, bad.code());
        assertEquals("kumiki logits: token 300 is not in the vocabulary of tiny (ids 0 to 299)\n", bad.err());
        Cli.Result falcon = Cli.kumiki("logits", p("falcon"), "--tokens", "1");
        assertEquals(2, falcon.code());
        assertTrue(falcon.err().contains("FalconForCausalLM"), falcon.err());
        Cli.Result missing = Cli.kumiki("logits", p("absent"), "--tokens", "1");
        assertEquals(2, missing.code());
        assertTrue(missing.err().startsWith("kumiki logits: there is no folder " + p("absent")), missing.err());
    }
}
