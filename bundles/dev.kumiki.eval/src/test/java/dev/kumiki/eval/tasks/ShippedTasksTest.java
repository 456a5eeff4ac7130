package dev.kumiki.eval.tasks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.eval.metrics.JapaneseText;
import dev.kumiki.eval.metrics.NumericAnswer;

class ShippedTasksTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The keys lm-evaluation-harness's TaskConfig knows (docs/task_guide.md); the shipped files use no others. */
    private static final Set<String> LM_EVAL_KEYS = Set.of("task", "task_alias", "tag", "dataset_path",
            "dataset_name", "dataset_kwargs", "training_split", "validation_split", "test_split", "fewshot_split",
            "description", "doc_to_text", "doc_to_target", "doc_to_choice", "fewshot_delimiter", "target_delimiter",
            "num_fewshot", "metric_list", "output_type", "generation_kwargs", "repeats", "filter_list", "metadata");

    /**
     * SHA-256 over every shipped file (path, NUL, bytes, in path order). It pins the generated data: a change here
     * means different data on some machine or after an edit — bump the tasks' metadata.version when that is meant.
     */
    private static final String DIGEST = "39b0c241d98664bd2e2a444ff082dc6565feddb81939d22ea2f7e575c6610aaa";

    @Test
    void theSameBytesEveryTime() throws Exception {
        Map<String, byte[]> a = ShippedTasks.files();
        Map<String, byte[]> b = ShippedTasks.files();
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
    void taskFilesUseLmEvalKeysAndNameTheirData(@TempDir Path dir) throws Exception {
        List<Path> yamls = ShippedTasks.write(dir);
        assertEquals(ShippedTasks.list().stream().map(t -> dir.resolve(t.name() + ".yaml")).toList(), yamls);
        for (int i = 0; i < yamls.size(); i++) {
            ShippedTasks.Task task = ShippedTasks.list().get(i);
            Map<String, Object> yaml = new Yaml().load(Files.readString(yamls.get(i)));
            assertTrue(LM_EVAL_KEYS.containsAll(yaml.keySet()), task.name() + " keys " + yaml.keySet());
            assertEquals(task.name(), yaml.get("task"));
            assertEquals(task.outputType(), yaml.get("output_type"));
            // the arithmetic tasks' items were reordered (1.1: templates take turns, so that --limit covers them all)
            // and got a validation split (1.2), whose items changed with the maths fine-tune's data (1.3)
            assertEquals(Map.of("version", task.name().startsWith("arith_") ? 1.3 : 1.0), yaml.get("metadata"));
            assertEquals("json", yaml.get("dataset_path"));
            @SuppressWarnings("unchecked")
            Map<String, String> files = (Map<String, String>) ((Map<String, Object>) yaml.get("dataset_kwargs"))
                    .get("data_files");
            for (String split : files.keySet()) {
                Path data = dir.resolve(files.get(split));
                assertTrue(Files.isRegularFile(data), task.name() + ": " + data);
                assertTrue(Files.size(data) > 0);
            }
            assertEquals(files.get("test") == null ? null : "test", yaml.get("test_split"));
            assertEquals(files.get("validation") == null ? null : "validation", yaml.get("validation_split"));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> metrics = (List<Map<String, Object>>) yaml.get("metric_list");
            assertEquals(task.metrics(), metrics.stream().map(m -> (String) m.get("metric")).toList());
        }
    }

    @Test
    void writingAgainChangesNothingAndLeavesNoTemporaryFiles(@TempDir Path dir) throws Exception {
        ShippedTasks.write(dir);
        Path probe = dir.resolve("arith_ja/test.jsonl");
        FileTime old = FileTime.fromMillis(0);
        Files.setLastModifiedTime(probe, old);
        Files.writeString(dir.resolve("qa_ja.yaml"), "damaged");
        ShippedTasks.write(dir);
        assertEquals(old, Files.getLastModifiedTime(probe), "an unchanged file is not rewritten");
        assertArrayEquals(ShippedTasks.files().get("qa_ja.yaml"), Files.readAllBytes(dir.resolve("qa_ja.yaml")));
        try (Stream<Path> all = Files.walk(dir)) {
            List<String> names = all.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .sorted().toList();
            assertEquals(List.copyOf(ShippedTasks.files().keySet()), names);
        }
    }

    @Test
    void aShippedTaskIsFoundByName(@TempDir Path dir) throws Exception {
        assertEquals(java.util.Optional.of(dir.resolve("arith_ja.yaml")), ShippedTasks.resolve("arith_ja", dir));
        assertTrue(Files.isRegularFile(dir.resolve("arith_ja/test.jsonl")));
        assertEquals(java.util.Optional.empty(), ShippedTasks.resolve("gsm8k", dir));
    }

    @Test
    void arithmeticSplitsAreDisjointByTemplateAndParallel() throws IOException {
        Map<String, byte[]> files = ShippedTasks.files();
        List<JsonNode> enTrain = rows(files.get("arith_en/train.jsonl"));
        List<JsonNode> enTest = rows(files.get("arith_en/test.jsonl"));
        List<JsonNode> jaTrain = rows(files.get("arith_ja/train.jsonl"));
        List<JsonNode> jaTest = rows(files.get("arith_ja/test.jsonl"));
        List<JsonNode> enValidation = rows(files.get("arith_en/validation.jsonl"));
        List<JsonNode> jaValidation = rows(files.get("arith_ja/validation.jsonl"));
        assertEquals(288, enTrain.size());
        assertEquals(200, enTest.size());
        assertEquals(80, enValidation.size());
        // the validation split: other problems of the test templates, taking turns as the test split does
        assertEquals(List.of("add2", "sub3", "mul2", "two3", "add2"), enValidation.subList(0, 5).stream()
                .map(r -> r.get("template").asText()).toList());
        assertEquals("arith-val-add2-0000", enValidation.get(0).get("id").asText());
        Set<String> trainTemplates = field(enTrain, "template");
        Set<String> testTemplates = field(enTest, "template");
        assertEquals(Set.of("add1", "add3", "sub1", "sub2", "mul1", "mul3", "two1", "two2"), trainTemplates);
        assertEquals(Set.of("add2", "sub3", "mul2", "two3"), testTemplates);
        assertEquals(testTemplates, field(enValidation, "template"));
        assertEquals(Set.of("addition", "subtraction", "multiplication", "two-step"), field(enTest, "operation"));
        assertEquals(field(enTrain, "operation"), field(enTest, "operation"));
        Set<String> questions = new HashSet<>();
        for (List<JsonNode>[] pair : List.of(new List[] {enTrain, jaTrain}, new List[] {enTest, jaTest},
                new List[] {enValidation, jaValidation})) {
            for (int i = 0; i < pair[0].size(); i++) {
                JsonNode en = pair[0].get(i);
                JsonNode ja = pair[1].get(i);
                assertEquals(en.get("id").asText(), ja.get("id").asText());
                assertEquals(en.get("answer").asInt(), ja.get("answer").asInt());
                assertTrue(questions.add(en.get("question").asText()), "duplicate " + en.get("question"));
                checkSolution(en, "The answer is " + en.get("answer").asInt() + ".");
                checkSolution(ja, "答えは" + ja.get("answer").asInt() + "です。");
                assertTrue(JapaneseText.isJapanese(ja.get("solution").asText()), ja.toString());
                assertFalse(JapaneseText.isJapanese(en.get("solution").asText()), en.toString());
            }
        }
    }

    @Test
    void multProblemsArePastTheTimesTableParallelAndNewToTheArithmeticTasks() throws IOException {
        Map<String, byte[]> files = ShippedTasks.files();
        Set<String> arithmetic = new HashSet<>();
        for (String split : List.of("train", "validation", "test")) {
            rows(files.get("arith_en/" + split + ".jsonl")).forEach(r -> arithmetic.add(r.get("question").asText()));
        }
        Set<String> questions = new HashSet<>();
        for (String split : List.of("validation", "test")) {
            List<JsonNode> en = rows(files.get("mult_en/" + split + ".jsonl"));
            List<JsonNode> ja = rows(files.get("mult_ja/" + split + ".jsonl"));
            assertEquals(split.equals("test") ? 200 : 80, en.size());
            assertEquals(en.size(), ja.size());
            Set<Integer> groups = new java.util.TreeSet<>();
            for (int i = 0; i < en.size(); i++) {
                assertEquals(en.get(i).get("id").asText(), ja.get(i).get("id").asText());
                assertEquals(en.get(i).get("answer").asInt(), ja.get(i).get("answer").asInt());
                assertEquals("mul1", en.get(i).get("template").asText());
                String q = en.get(i).get("question").asText();
                assertTrue(questions.add(q), "in both splits: " + q);
                assertFalse(arithmetic.contains(q), "an arithmetic task's item: " + q);
                checkSolution(en.get(i), "The answer is " + en.get(i).get("answer").asInt() + ".");
                checkSolution(ja.get(i), "答えは" + ja.get(i).get("answer").asInt() + "です。");
                Matcher m = STEP.matcher(ja.get(i).get("solution").asText());
                assertTrue(m.find());
                groups.add(Integer.parseInt(m.group(3)));
            }
            // ten to nineteen in a bag: past the times table the base learnt (2 to 12), with a few of 10-12
            assertEquals(10, groups.iterator().next());
            assertEquals(19, ((java.util.TreeSet<Integer>) groups).last());
        }
        String task = new String(files.get("mult_ja.yaml"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(task.contains("task: mult_ja\n") && task.contains("validation: mult_ja/validation.jsonl")
                && task.contains("test: mult_ja/test.jsonl") && task.contains("train: arith_ja/train.jsonl")
                && task.contains("name: japanese-only"), task);
    }

    private static final Pattern STEP = Pattern.compile("(\\d+) ([-+×]) (\\d+) = (\\d+)");
    private static final Pattern COUNTED = Pattern.compile("(りんご|みかん|あめ|ボール|鉛筆|ペン|バナナ|傘|切手|シール|クッキー|はがき|本|ノート|絵本|辞書)を\\d+(.)");
    private static final Map<String, String> COUNTER = Map.ofEntries(Map.entry("りんご", "個"), Map.entry("みかん", "個"),
            Map.entry("あめ", "個"), Map.entry("ボール", "個"), Map.entry("鉛筆", "本"), Map.entry("ペン", "本"),
            Map.entry("バナナ", "本"), Map.entry("傘", "本"), Map.entry("切手", "枚"), Map.entry("シール", "枚"),
            Map.entry("クッキー", "枚"), Map.entry("はがき", "枚"), Map.entry("本", "冊"), Map.entry("ノート", "冊"),
            Map.entry("絵本", "冊"), Map.entry("辞書", "冊"));

    /** Every step's arithmetic is right, the last step gives the answer, the ending is the expected one. */
    private static void checkSolution(JsonNode row, String ending) {
        String solution = row.get("solution").asText();
        int answer = row.get("answer").asInt();
        assertTrue(solution.endsWith(ending), solution);
        Matcher m = STEP.matcher(solution);
        int last = Integer.MIN_VALUE;
        int steps = 0;
        while (m.find()) {
            long a = Long.parseLong(m.group(1));
            long b = Long.parseLong(m.group(3));
            long expected = switch (m.group(2)) {
                case "+" -> a + b;
                case "-" -> a - b;
                default -> a * b;
            };
            assertEquals(expected, Long.parseLong(m.group(4)), solution);
            last = Integer.parseInt(m.group(4));
            steps++;
        }
        assertEquals(row.get("operation").asText().equals("two-step") ? 2 : 1, steps, solution);
        assertEquals(answer, last, solution);
        assertTrue(answer > 0, solution);
        // what a model is asked to write is what the task's filters read back
        assertEquals(String.valueOf(answer), NumericAnswer.extract(solution).orElseThrow());
        Matcher counted = COUNTED.matcher(row.get("question").asText());
        while (counted.find()) {
            assertEquals(COUNTER.get(counted.group(1)), counted.group(2), row.get("question").asText());
        }
    }

    @Test
    void theRegexFiltersOfTheTaskFilesFindTheAnswerInEverySolution() throws IOException {
        Map<String, byte[]> files = ShippedTasks.files();
        for (String lang : List.of("en", "ja")) {
            Map<String, Object> yaml = new Yaml().load(new String(files.get("arith_" + lang + ".yaml"), StandardCharsets.UTF_8));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> filters = (List<Map<String, Object>>) yaml.get("filter_list");
            @SuppressWarnings("unchecked")
            String regex = (String) ((List<Map<String, Object>>) filters.get(0).get("filter")).get(0).get("regex_pattern");
            Pattern p = Pattern.compile(regex);
            for (String split : List.of("train", "test")) {
                for (JsonNode row : rows(files.get("arith_" + lang + "/" + split + ".jsonl"))) {
                    Matcher m = p.matcher(row.get("solution").asText());
                    assertTrue(m.find(), row.toString());
                    assertEquals(row.get("answer").asText(), m.group(1));
                }
            }
        }
    }

    @Test
    void countersHaveOneRightChoiceAndHoldOutObjects() throws IOException {
        Map<String, byte[]> files = ShippedTasks.files();
        List<JsonNode> train = rows(files.get("counters_ja/train.jsonl"));
        List<JsonNode> test = rows(files.get("counters_ja/test.jsonl"));
        assertEquals(4 * 7 * 2, test.size());
        assertEquals(12 * 7 * 2, train.size());
        for (JsonNode row : test) {
            String q = row.get("question").asText();
            assertTrue(Stream.of("ボール", "傘", "はがき", "辞書").anyMatch(q::startsWith), q);
        }
        for (JsonNode row : train) {
            String q = row.get("question").asText();
            assertFalse(Stream.of("ボール", "傘", "はがき", "辞書").anyMatch(q::startsWith), q);
        }
        for (JsonNode row : concat(train, test)) {
            List<String> choices = new ArrayList<>();
            row.get("choices").forEach(c -> choices.add(c.asText()));
            assertEquals(4, new TreeSet<>(choices).size(), row.toString());
            int label = row.get("label").asInt();
            String right = choices.get(label);
            if (row.get("kind").asText().equals("reading")) {
                // the question quotes number + counter; the right choice is its reading from the table
                Matcher m = Pattern.compile("「(\\d)(.)」").matcher(row.get("question").asText());
                assertTrue(m.find());
                assertEquals(CounterQuestions.reading(Integer.parseInt(m.group(1)), m.group(2)), right);
            } else {
                String object = row.get("question").asText().split("を")[0];
                assertTrue(right.endsWith(COUNTER.get(object)), row.toString());
            }
        }
        // a few readings worked out by hand (sound changes)
        assertEquals("いっぽん", CounterQuestions.reading(1, "本"));
        assertEquals("さんぼん", CounterQuestions.reading(3, "本"));
        assertEquals("ろっぽん", CounterQuestions.reading(6, "本"));
        assertEquals("ろっこ", CounterQuestions.reading(6, "個"));
        assertEquals("いっさつ", CounterQuestions.reading(1, "冊"));
        assertEquals("きゅうまい", CounterQuestions.reading(9, "枚"));
    }

    @Test
    void questionAnswersComeFromTheirStoriesAndTestPlacesAreUnseen() throws IOException {
        Map<String, byte[]> files = ShippedTasks.files();
        List<JsonNode> train = rows(files.get("qa_ja/train.jsonl"));
        List<JsonNode> test = rows(files.get("qa_ja/test.jsonl"));
        assertEquals(160, train.size());
        assertEquals(80, test.size());
        for (JsonNode row : concat(train, test)) {
            String story = row.get("story").asText();
            String answer = row.get("answer").asText();
            // the answer's content words are in the story: strip the verb ending and check the rest occurs
            String core = answer.replaceAll("(へ|に|と|を.*)?(行きました|買いました)。$", "");
            assertTrue(!core.isEmpty() && story.contains(core), row.toString());
            assertTrue(JapaneseText.isJapanese(answer));
        }
        for (JsonNode row : train) {
            assertFalse(row.get("story").asText().contains("朝市") || row.get("story").asText().contains("学校の購買"));
        }
        assertTrue(test.stream().allMatch(r -> r.get("story").asText().contains("朝市")
                || r.get("story").asText().contains("学校の購買")));
        assertEquals(Set.of("where", "who", "when", "what"), field(test, "type"));
    }

    @Test
    void perplexityTextsAreParallel() throws IOException {
        Map<String, byte[]> files = ShippedTasks.files();
        List<JsonNode> en = rows(files.get("ppl_en/test.jsonl"));
        List<JsonNode> ja = rows(files.get("ppl_ja/test.jsonl"));
        assertEquals(40, en.size());
        assertEquals(40, ja.size());
        for (int i = 0; i < en.size(); i++) {
            assertEquals(en.get(i).get("id"), ja.get(i).get("id"));
            // the same numbers in the same order, but for the Japanese unit price's "1冊" (one book costs ...)
            List<String> jaNumbers = numbers(ja.get(i).get("text").asText());
            assertEquals("1", jaNumbers.remove(1));
            assertEquals(numbers(en.get(i).get("text").asText()), jaNumbers);
            assertTrue(JapaneseText.isJapanese(ja.get(i).get("text").asText()));
        }
    }

    private static List<String> numbers(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\\d+").matcher(s);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    private static List<JsonNode> concat(List<JsonNode> a, List<JsonNode> b) {
        List<JsonNode> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static Set<String> field(List<JsonNode> rows, String name) {
        Set<String> out = new TreeSet<>();
        rows.forEach(r -> out.add(r.get(name).asText()));
        return out;
    }

    private static List<JsonNode> rows(byte[] jsonl) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : new String(jsonl, StandardCharsets.UTF_8).split("\n")) {
            out.add(JSON.readTree(line));
        }
        return out;
    }
}
