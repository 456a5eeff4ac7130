package dev.kumiki.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.eval.task.Dataset;
import dev.kumiki.eval.task.DatasetReader;
import dev.kumiki.eval.task.Doc;
import dev.kumiki.eval.task.Task;
import dev.kumiki.eval.task.TaskException;

/** Datasets, templates and prompts exactly as lm-eval builds them, and their mistakes by message. */
class TaskPromptTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    private void arithmeticData() throws Exception {
        StringBuilder train = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            train.append("{\"question\": \"train ").append(i).append("\", \"answer\": \"").append(i).append("\"}\n");
        }
        write("data/train.jsonl", train.toString());
        StringBuilder test = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            test.append("{\"question\": \"test ").append(i).append("\", \"answer\": \"").append(10 + i).append("\"}\n");
        }
        write("data/test.jsonl", test.toString());
    }

    private List<String> prompts(Task t, int n) throws TaskException {
        Task.Prompter p = t.prompter(1234);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(p.context(t.evalDocs().get(i)));
        }
        return out;
    }

    @Test
    void fewshotPromptsAreLmEvalsWithItsSeededSample() throws Exception {
        arithmeticData();
        Task t = Task.load(write("t.yaml", """
                task: arith
                dataset_path: data
                training_split: train
                test_split: test
                description: "Solve.\\n\\n"
                doc_to_text: "Q: {{question}}\\nA:"
                doc_to_target: "{{answer}}"
                num_fewshot: 2
                """));
        // random.Random(1234).sample(range(6), 2) three times in a row: [3, 0], [0, 5], [4, 0] (CPython 3)
        assertEquals("[[3, 0], [0, 5], [4, 0]]", Python.run("""
                import random
                r = random.Random(1234)
                print([r.sample(range(6), 2) for _ in range(3)])
                """));
        assertEquals(List.of(
                "Solve.\n\nQ: train 3\nA: 3\n\nQ: train 0\nA: 0\n\nQ: test 0\nA:",
                "Solve.\n\nQ: train 0\nA: 0\n\nQ: train 5\nA: 5\n\nQ: test 1\nA:",
                "Solve.\n\nQ: train 4\nA: 4\n\nQ: train 0\nA: 0\n\nQ: test 2\nA:"), prompts(t, 3));
        assertEquals("11", t.targetText(t.evalDocs().get(1)));

        Path tooMany = write("many.yaml", """
                task: many
                dataset_path: data
                test_split: test
                fewshot_split: test
                doc_to_text: "{{question}}"
                doc_to_target: answer
                num_fewshot: 4
                """);
        TaskException e = assertThrows(TaskException.class, () -> Task.load(tooMany));
        assertEquals(tooMany + ":7:14: task many asks for 4 few-shot examples, but the split 'test' has 4 documents "
                + "(examples drawn from the evaluated split need one more, to leave the document out); lower "
                + "num_fewshot", e.getMessage());
    }

    @Test
    void examplesFromTheEvaluatedSplitLeaveTheDocumentOut() throws Exception {
        arithmeticData();
        Task t = Task.load(write("t.yaml", """
                task: same
                dataset_path: data
                test_split: test
                fewshot_split: test
                doc_to_text: "{{question}}"
                doc_to_target: answer
                num_fewshot: 2
                fewshot_config:
                  fewshot_delimiter: "\\n###\\n"
                  target_delimiter: " => "
                """));
        // sample(range(4), 3) with Random(1234), the evaluated document dropped, the first 2 kept
        assertEquals("[[3, 2], [0, 2], [0, 3], [1, 0]]", Python.run("""
                import random
                r = random.Random(1234)
                out = []
                for d in range(4):
                    out.append([x for x in r.sample(range(4), 3) if x != d][:2])
                print(out)
                """));
        assertEquals(List.of(
                "test 3 => 13\n###\ntest 2 => 12\n###\ntest 0",
                "test 0 => 10\n###\ntest 2 => 12\n###\ntest 1",
                "test 0 => 10\n###\ntest 3 => 13\n###\ntest 2",
                "test 1 => 11\n###\ntest 0 => 10\n###\ntest 3"), prompts(t, 4));

        Task first = Task.load(write("f.yaml", """
                task: first
                dataset_path: data
                test_split: test
                fewshot_split: test
                doc_to_text: "{{question}}"
                doc_to_target: answer
                num_fewshot: 2
                fewshot_config: {sampler: first_n}
                """));
        assertEquals(List.of("test 1 11\n\ntest 2 12\n\ntest 0", "test 0 10\n\ntest 2 12\n\ntest 1"),
                prompts(first, 2));
    }

    @Test
    void multipleChoiceTemplatesListsAndFilters() throws Exception {
        write("mc/test.jsonl", """
                {"question": "Sky colour?", "choices": ["blue", "green", "red"], "label": 0}
                {"question": "Grass colour?", "choices": ["blue", "green", "red"], "label": 1}
                """);
        Task t = Task.load(write("mc.yaml", """
                task: mc
                dataset_path: mc
                test_split: test
                output_type: multiple_choice
                doc_to_text: "Question: {{question | regex_replace('colour', 'color')}}\\nAnswer:"
                doc_to_target: label
                doc_to_choice: "{{choices}}"
                """));
        Doc d = t.evalDocs().get(1);
        assertEquals("Question: Grass color?\nAnswer:", t.prompter(1234).context(d));
        assertEquals(List.of("blue", "green", "red"), t.choices(d));
        assertEquals(1, t.target(d));
        assertEquals("green", t.targetText(d));

        write("ab/test.csv", "q,gold\n\"Is it, or not?\",B\n\"Two\nlines\",A\n");
        Task letters = Task.load(write("ab.yaml", """
                task: ab
                dataset_path: ab
                test_split: test
                output_type: multiple_choice
                doc_to_text: "{{q}}"
                doc_to_target: "{{ ['A', 'B'].index(gold) }}"
                doc_to_choice: ["A", "B"]
                """));
        assertEquals("Is it, or not?", letters.text(letters.evalDocs().get(0)));
        assertEquals("Two\nlines", letters.text(letters.evalDocs().get(1)));
        assertEquals(1, letters.target(letters.evalDocs().get(0)));
    }

    @Test
    void jsonlCsvAndTsvWithSplits() throws Exception {
        write("d/train.csv", "id,text,score\n1,\"a, \"\"quoted\"\" cell\",0.5\n2,\"multi\nline\",2\n");
        write("d/test.tsv", "id\ttext\n7\thello\n8\tworld\n");
        write("d/validation.jsonl", "{\"id\": 3, \"tags\": [\"x\", \"y\"], \"ok\": true}\n\n{\"id\": 4, \"tags\": [],"
                + " \"ok\": false}\n");
        Path yaml = write("d.yaml", """
                task: d
                dataset_path: d
                training_split: train
                validation_split: validation
                test_split: test
                doc_to_text: text
                doc_to_target: id
                num_fewshot: 1
                """);
        Task t = Task.load(yaml);
        Dataset ds = t.dataset();
        assertEquals(List.of(Map.of("id", 1L, "text", "a, \"quoted\" cell", "score", 0.5),
                Map.of("id", 2L, "text", "multi\nline", "score", 2.0)),
                ds.split("train").stream().map(Doc::fields).toList());
        assertEquals(3, ds.split("train").get(1).line(), "the second row starts on line 3");
        assertEquals(List.of(Map.of("id", 7L, "text", "hello"), Map.of("id", 8L, "text", "world")),
                t.evalDocs().stream().map(Doc::fields).toList());
        List<Doc> v = DatasetReader.readFile(dir.resolve("d/validation.jsonl"));
        assertEquals(List.of("x", "y"), v.get(0).fields().get("tags"));
        assertEquals(3, v.get(1).line(), "blank lines are skipped, line numbers kept");
        assertEquals("7", t.targetText(t.evalDocs().get(0)));

        TaskException e = assertThrows(TaskException.class, () -> Task.load(write("m.yaml", """
                task: m
                dataset_path: d
                test_split: tests
                doc_to_text: text
                doc_to_target: id
                """)));
        assertTrue(e.getMessage().endsWith("test_split 'tests' is not a split of the dataset " + dir.resolve("d")
                + " (it has test, train, validation)"), e.getMessage());

        write("bad/test.jsonl", "{\"a\": 1}\n{\"a\": 2,}\n");
        e = assertThrows(TaskException.class, () -> DatasetReader.readFile(dir.resolve("bad/test.jsonl")));
        assertTrue(e.getMessage().startsWith(dir.resolve("bad/test.jsonl") + ":2: not valid JSON"), e.getMessage());
        write("bad/rows.csv", "a,b\n1,2\n3\n");
        e = assertThrows(TaskException.class, () -> DatasetReader.readFile(dir.resolve("bad/rows.csv")));
        assertEquals(dir.resolve("bad/rows.csv") + ":3: has 1 values, but the header has 2 columns (a, b)",
                e.getMessage());
    }

    @Test
    void missingFieldIsNamedWithFileLineAndField() throws Exception {
        Path data = write("x/test.jsonl", "{\"question\": \"q0\", \"answer\": \"a0\"}\n{\"question\": \"q1\"}\n");
        Task t = Task.load(write("x.yaml", """
                task: x
                dataset_path: x
                test_split: test
                doc_to_text: question
                doc_to_target: answer
                """));
        TaskException e = assertThrows(TaskException.class, () -> t.target(t.evalDocs().get(1)));
        assertEquals(data + ":2: the document has no field 'answer', which doc_to_target of task x uses (it has "
                + "question)", e.getMessage());

        Path yaml = write("y.yaml", """
                task: y
                dataset_path: x
                test_split: test
                doc_to_text: "Q: {{question}}"
                doc_to_target: "{{answr}}"
                """);
        e = assertThrows(TaskException.class, () -> Task.load(yaml));
        assertEquals(yaml + ":5:16: task y, doc_to_target (template line 1): 'answr' is undefined: the document "
                + data + ":1 has no field 'answr' (it has question, answer)", e.getMessage());
    }

    @Test
    void templateErrorNamesTaskKeyAndLine() throws Exception {
        write("z/test.jsonl", "{\"question\": \"q0\", \"answer\": \"a0\"}\n");
        Path yaml = write("z.yaml", """
                task: z
                dataset_path: z
                test_split: test
                doc_to_text: "Q: {{question}}\\nA: {{ question | nosuchfilter }}"
                doc_to_target: answer
                """);
        TaskException e = assertThrows(TaskException.class, () -> Task.load(yaml));
        assertTrue(e.getMessage().startsWith(yaml + ":4:14: task z, doc_to_text (template line 2): "),
                e.getMessage());
        assertTrue(e.getMessage().contains("nosuchfilter"), e.getMessage());
    }
}
