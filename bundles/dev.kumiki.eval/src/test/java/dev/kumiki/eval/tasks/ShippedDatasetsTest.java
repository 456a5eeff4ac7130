package dev.kumiki.eval.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.eval.task.Doc;
import dev.kumiki.eval.task.Task;
import dev.kumiki.eval.task.TaskConfig;
import dev.kumiki.eval.task.TaskReader;

class ShippedDatasetsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** SHA-256 over every file (name, NUL, bytes, in name order): the data is the same on every machine. */
    private static final String DIGEST = "af68e38af37dec51af3218c0330d077719d636459277240e174774a030dcf14c";

    private static List<JsonNode> lines(byte[] file) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : new String(file, StandardCharsets.UTF_8).split("\n")) {
            rows.add(JSON.readTree(line));
        }
        return rows;
    }

    private static List<JsonNode> dataset(String name) throws Exception {
        return lines(ShippedDatasets.files().get(name + ".jsonl"));
    }

    @Test
    void theSameBytesEveryTime() throws Exception {
        Map<String, byte[]> a = ShippedDatasets.files();
        Map<String, byte[]> b = ShippedDatasets.files();
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertArrayEquals(v, b.get(k), k));
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (var e : a.entrySet()) {
            sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(e.getValue());
        }
        assertEquals(DIGEST, HexFormat.of().formatHex(sha.digest()));
    }

    @Test
    void listingMatchesTheFiles() throws Exception {
        for (ShippedDatasets.Dataset d : ShippedDatasets.list()) {
            List<JsonNode> rows = dataset(d.name());
            assertEquals(d.rows(), rows.size(), d.name());
            Set<String> fields = d.format().equals("text") ? Set.of("text") : Set.of("prompt", "completion");
            for (JsonNode row : rows) {
                Set<String> names = new HashSet<>();
                row.fieldNames().forEachRemaining(names::add);
                assertEquals(fields, names, d.name() + ": " + row);
                for (String f : fields) {
                    assertFalse(row.get(f).asText().isBlank(), d.name() + ": " + row);
                }
            }
        }
    }

    @Test
    void noTestItemIsTrainedOn() throws Exception {
        // the perplexity stories, qa_ja's test places, and every arithmetic question of the tasks (both splits)
        Set<String> stories = new HashSet<>();
        for (boolean ja : new boolean[] {false, true}) {
            Stories.pplRows(ja, ShippedTasks.SEED).forEach(r -> stories.add((String) r.get("text")));
        }
        List<String> questions = new ArrayList<>();
        for (String split : List.of("train", "test")) {
            ArithmeticProblems.split(split, ShippedTasks.SEED).forEach(p -> {
                questions.add(p.questionEn());
                questions.add(p.questionJa());
            });
        }
        // and the validation splits' and the mult tasks', read from the task files as users get them
        for (String file : List.of("arith_en/validation", "arith_ja/validation", "mult_en/validation",
                "mult_ja/validation", "mult_en/test", "mult_ja/test")) {
            String rows = new String(ShippedTasks.files().get(file + ".jsonl"), java.nio.charset.StandardCharsets.UTF_8);
            rows.lines().forEach(l -> {
                try {
                    questions.add(JSON.readTree(l).get("question").asText());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        assertEquals(2 * (288 + 200 + 80 + 80 + 200), questions.size());
        List<String> all = new ArrayList<>();
        for (String name : List.of("corpus_base", "corpus_ja")) {
            dataset(name).forEach(r -> all.add(r.get("text").asText()));
        }
        dataset("arith_en_sft").forEach(r -> all.add(r.get("prompt").asText()));
        for (String text : all) {
            assertFalse(stories.contains(text), text);
        }
        Set<String> asked = new HashSet<>(questions);
        Pattern question = Pattern.compile("(?:Question: |問題：)([^\n]*)\n");
        int found = 0;
        for (String t : all) {
            Matcher m = question.matcher(t);
            while (m.find()) {
                assertFalse(asked.contains(m.group(1)), "a task question is in the training data: " + m.group(1));
                found++;
            }
        }
        assertEquals(8 * (ShippedDatasets.BASE_PROBLEMS_EN_PER_TEMPLATE + ShippedDatasets.BASE_PROBLEMS_JA_PER_TEMPLATE)
                + 12 * ShippedDatasets.SFT_PROBLEMS_PER_TEMPLATE, found);
        // corpus_ja's sentences about bags past the times table: no sum, and no mult question's first sentence
        Set<String> statements = new HashSet<>();
        for (String file : List.of("mult_ja/validation", "mult_ja/test")) {
            for (String l : new String(ShippedTasks.files().get(file + ".jsonl"),
                    java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                String q = JSON.readTree(l).get("question").asText();
                statements.add(q.substring(0, q.indexOf('。') + 1));
            }
        }
        assertTrue(statements.size() > 250, statements.size() + " first sentences");
        int groups = 0;
        for (JsonNode row : dataset("corpus_ja")) {
            String text = row.get("text").asText();
            if (text.contains("ずつ入った袋")) {
                groups++;
                assertFalse(text.contains("=") || text.contains("全部で") || text.contains("答え"), text);
                for (String st : statements) {
                    assertFalse(text.contains(st), "a mult_ja question's first sentence: " + text);
                }
            }
        }
        assertEquals(ShippedDatasets.JA_GROUP_STORIES, groups);
        for (JsonNode row : dataset("corpus_ja")) {
            for (String place : Stories.TEST_PLACES) {
                assertFalse(row.get("text").asText().contains(place), place + " is a qa_ja test place: " + row);
            }
        }
        // the corpora's word problems come from the training templates: none has a test template's shape; the maths
        // fine-tune's data has all twelve templates, the test shapes among them
        Pattern testShapes = Pattern.compile("in a box and|How many more|children each have|boxes with|箱の中に|"
                + "より何|人いて|ずつ入った箱");
        for (String name : List.of("corpus_base", "corpus_ja")) {
            for (JsonNode row : dataset(name)) {
                assertFalse(testShapes.matcher(row.get("text").asText()).find(), name + ": " + row);
            }
        }
        Map<String, Integer> shapes = new java.util.TreeMap<>();
        for (JsonNode row : dataset("arith_en_sft")) {
            Matcher m = testShapes.matcher(row.get("prompt").asText());
            if (m.find()) {
                shapes.merge(m.group(), 1, Integer::sum);
            }
        }
        assertEquals(Map.of("in a box and", ShippedDatasets.SFT_PROBLEMS_PER_TEMPLATE, "How many more",
                ShippedDatasets.SFT_PROBLEMS_PER_TEMPLATE, "children each have", ShippedDatasets.SFT_PROBLEMS_PER_TEMPLATE,
                "boxes with", ShippedDatasets.SFT_PROBLEMS_PER_TEMPLATE), shapes);
    }

    @Test
    void solutionsAndEquationsAreRight() throws Exception {
        Pattern eq = Pattern.compile("(\\d+) ([-+×]) (\\d+) = (\\d+)");
        int checked = 0;
        List<String> texts = new ArrayList<>();
        dataset("corpus_base").forEach(r -> texts.add(r.get("text").asText()));
        dataset("arith_en_sft").forEach(r -> texts.add(r.get("completion").asText()));
        for (String t : texts) {
            Matcher m = eq.matcher(t);
            while (m.find()) {
                long a = Long.parseLong(m.group(1));
                long b = Long.parseLong(m.group(3));
                long expected = switch (m.group(2)) {
                    case "+" -> a + b;
                    case "-" -> a - b;
                    default -> a * b;
                };
                assertEquals(expected, Long.parseLong(m.group(4)), t);
                checked++;
            }
        }
        assertTrue(checked > 10_000, checked + " equations");
        // every completion ends with its answer, the last equation's result
        Pattern answer = Pattern.compile("= (\\d+)\\. The answer is (\\d+)\\.\n\n$");
        for (JsonNode row : dataset("arith_en_sft")) {
            Matcher m = answer.matcher(row.get("completion").asText());
            assertTrue(m.find(), row.toString());
            assertEquals(m.group(1), m.group(2), row.toString());
        }
    }

    /**
     * The annealing corpus is documents of the base corpus (so it holds no test item either) and a few story
     * questions in qa_ja's zero-shot prompt, none at a test place.
     */
    @Test
    void theAnnealingCorpusIsTheBaseCorpusWithAFewStoryQuestions() throws Exception {
        Set<String> base = new HashSet<>();
        dataset("corpus_base").forEach(r -> base.add(r.get("text").asText()));
        int fromBase = 0;
        List<String> questions = new ArrayList<>();
        for (JsonNode row : dataset("corpus_anneal")) {
            String text = row.get("text").asText();
            if (base.contains(text)) {
                fromBase++;
            } else {
                questions.add(text);
            }
        }
        assertEquals(ShippedDatasets.ANNEAL_BASE_DOCS, fromBase);
        assertEquals(ShippedDatasets.ANNEAL_QA, questions.size(), questions.toString());
        Pattern form = Pattern.compile(Pattern.quote(ShippedDatasets.QA_JA_DESCRIPTION)
                + "文章：[^\n]+。\n質問：[^\n]+か。\n答え：[^\n]+。");
        for (String q : questions) {
            assertTrue(form.matcher(q).matches(), q);
            for (String place : Stories.TEST_PLACES) {
                assertFalse(q.contains(place), place + " is a qa_ja test place: " + q);
            }
        }
        assertEquals(ShippedDatasets.ANNEAL_QA, new HashSet<>(questions).size(), "no question repeated");
    }

    /** The fine-tuning prompts are exactly what the tasks ask without few-shot examples, as the harness renders them. */
    @Test
    void promptsAreTheTasksZeroShotPrompts(@TempDir Path dir) throws Exception {
        ShippedTasks.write(dir);
        TaskConfig arith = TaskReader.read(dir.resolve("arith_en.yaml")).toBuilder().setNumFewshot(0).build();
        Task task = Task.of(arith);
        Doc doc = task.evalDocs().get(0);
        String question = (String) doc.fields().get("question");
        assertEquals(ShippedDatasets.ARITH_EN_DESCRIPTION + "Question: " + question + "\nAnswer:",
                task.prompter(1234).context(doc));
        String prompt = dataset("arith_en_sft").get(0).get("prompt").asText();
        assertTrue(prompt.startsWith(ShippedDatasets.ARITH_EN_DESCRIPTION + "Question: "), prompt);
        assertTrue(prompt.endsWith("\nAnswer:"), prompt);

        TaskConfig qa = TaskReader.read(dir.resolve("qa_ja.yaml")).toBuilder().setNumFewshot(0).build();
        Task qaTask = Task.of(qa);
        Doc qaDoc = qaTask.evalDocs().get(0);
        String context = qaTask.prompter(1234).context(qaDoc);
        assertEquals(ShippedDatasets.QA_JA_DESCRIPTION + "文章：" + qaDoc.fields().get("story") + "\n質問："
                + qaDoc.fields().get("question") + "\n答え：", context);
        long qaDocs = dataset("corpus_ja").stream().map(r -> r.get("text").asText())
                .filter(t -> t.startsWith(ShippedDatasets.QA_JA_DESCRIPTION + "文章：")).count();
        assertEquals(ShippedDatasets.JA_QA, qaDocs);
    }

    @Test
    void writesOnlyWhatChanged(@TempDir Path dir) throws Exception {
        List<Path> files = ShippedDatasets.write(dir);
        assertEquals(ShippedDatasets.list().stream().map(d -> dir.resolve(d.name() + ".jsonl")).toList(), files);
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(files.get(0), old);
        Files.writeString(files.get(1), "changed");
        ShippedDatasets.write(dir);
        assertEquals(old, Files.getLastModifiedTime(files.get(0)), "an unchanged file is left alone");
        assertArrayEquals(ShippedDatasets.files().get("corpus_ja.jsonl"), Files.readAllBytes(files.get(1)));
        try (var listing = Files.list(dir)) {
            assertEquals(4, listing.count(), "no temporary file is left");
        }
        assertEquals(files.get(2), ShippedDatasets.resolve("arith_en_sft", dir).orElseThrow());
        assertTrue(ShippedDatasets.resolve("arith_ja_sft", dir).isEmpty());
    }
}
