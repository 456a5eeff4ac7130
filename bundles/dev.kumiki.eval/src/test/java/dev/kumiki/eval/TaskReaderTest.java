package dev.kumiki.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.eval.task.DocTemplate;
import dev.kumiki.eval.task.FilterPipeline;
import dev.kumiki.eval.task.MetricSpec;
import dev.kumiki.eval.task.TaskCatalog;
import dev.kumiki.eval.task.TaskConfig;
import dev.kumiki.eval.task.TaskConfig.OutputType;
import dev.kumiki.eval.task.TaskException;
import dev.kumiki.eval.task.TaskReader;
import dev.kumiki.tensor.io.Names;

/** Task YAML files with lm-eval's keys: every key read, defaults, include, and mistakes refused by message. */
class TaskReaderTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void readsEveryKey() throws Exception {
        Path f = write("gsm.yaml", """
                task: arith_ja
                task_alias: 算数 (ja)
                tag: [arith, japanese]
                dataset_path: data
                dataset_name: ja
                dataset_kwargs:
                  data_files: {train: train.jsonl, test: test.jsonl}
                training_split: train
                test_split: test
                fewshot_split: train
                doc_to_text: "問題: {{question}}\\n答え:"
                doc_to_target: "{{answer}}"
                description: "次の問題を解いてください。\\n\\n"
                num_fewshot: 3
                fewshot_delimiter: "\\n\\n"
                target_delimiter: " "
                fewshot_config:
                  sampler: first_n
                  target_delimiter: ""
                output_type: generate_until
                generation_kwargs:
                  until: ["\\n\\n", "問題:"]
                  max_gen_toks: 64
                  do_sample: true
                  temperature: 0.7
                  top_k: 40
                  top_p: 0.9
                repeats: 4
                filter_list:
                  - name: strict
                    filter:
                      - function: regex
                        regex_pattern: "答えは(-?[0-9]+)"
                        group_select: -1
                        fallback: "[none]"
                      - function: majority_vote
                      - function: take_first
                  - name: flexible
                    filter:
                      - function: remove_whitespace
                      - function: lowercase
                      - function: map
                        mapping_dict: {"yes": "1", "no": "0"}
                        default_value: "-1"
                metric_list:
                  - metric: exact_match
                    aggregation: mean
                    higher_is_better: true
                    ignore_case: true
                    ignore_punctuation: true
                    regexes_to_ignore: [",", "\\\\$"]
                    only_japanese: true
                metadata:
                  version: 2.0
                  source: generated
                """);
        TaskConfig c = TaskReader.read(f);
        assertEquals("arith_ja", c.task());
        assertEquals("算数 (ja)", c.alias());
        assertEquals(List.of("arith", "japanese"), c.tags());
        assertEquals(dir.resolve("data").toAbsolutePath(), c.datasetPath());
        assertEquals("ja", c.datasetName());
        assertEquals(Map.of("train", "train.jsonl", "test", "test.jsonl"), c.dataFiles());
        assertEquals("test", c.evalSplit());
        assertEquals("train", c.effectiveFewshotSplit());
        assertEquals(new DocTemplate.Text("問題: {{question}}\n答え:"), c.docToText());
        assertEquals("次の問題を解いてください。\n\n", c.description());
        assertEquals(3, c.numFewshot());
        assertEquals("first_n", c.fewshot().sampler());
        assertEquals("", c.fewshot().targetDelimiter());
        assertEquals("\n\n", c.fewshot().fewshotDelimiter());
        assertEquals(" ", c.targetDelimiter());
        assertEquals(OutputType.GENERATE_UNTIL, c.outputType());
        assertEquals(new TaskConfig.GenerationKwargs(List.of("\n\n", "問題:"), 64, true, 0.7, 40, 0.9, 1234),
                c.generation());
        assertEquals(4, c.repeats());
        assertEquals(List.of(new FilterPipeline("strict", List.of(new FilterPipeline.Regex("答えは(-?[0-9]+)", -1,
                "[none]"), new FilterPipeline.MajorityVote(), new FilterPipeline.TakeFirst())),
                new FilterPipeline("flexible", List.of(new FilterPipeline.RemoveWhitespace(),
                        new FilterPipeline.Lowercase(), new FilterPipeline.MapValues(Map.of("yes", "1", "no", "0"),
                                "-1")))), c.filterList());
        assertEquals(List.of(new MetricSpec("exact_match", "mean", true, true, true, false, List.of(",", "\\$"),
                true)), c.metricList());
        assertEquals(2.0, c.version());
        assertEquals("generated", c.metadata().get("source"));
        assertTrue(c.where("doc_to_text").equals(f + ":11:14"), c.where("doc_to_text"));
    }

    @Test
    void defaultsAreLmEvals() throws Exception {
        TaskConfig c = TaskReader.read(write("mc.yaml", """
                task: mc
                dataset_path: data
                test_split: test
                output_type: multiple_choice
                doc_to_text: "{{question}}"
                doc_to_target: label
                doc_to_choice: ["yes", "no"]
                """));
        assertEquals("\n\n", c.fewshotDelimiter());
        assertEquals(" ", c.targetDelimiter());
        assertEquals("", c.description());
        assertEquals(0, c.numFewshot());
        assertEquals("default", c.fewshot().sampler());
        assertEquals(new DocTemplate.Choices(List.of("yes", "no")), c.docToChoice());
        assertEquals(List.of(MetricSpec.of("acc"), MetricSpec.of("acc_norm")), c.metricList());
        assertEquals(List.of(FilterPipeline.NONE), c.filterList());
        TaskConfig g = TaskReader.read(write("g.yaml", """
                task: g
                dataset_path: data
                test_split: test
                doc_to_text: q
                doc_to_target: 0
                """));
        assertEquals(OutputType.GENERATE_UNTIL, g.outputType(), "lm-eval's default output_type");
        assertEquals(new DocTemplate.Index(0), g.docToTarget());
        assertEquals(TaskConfig.GenerationKwargs.defaults("\n\n"), g.generation());
        assertEquals(256, g.generation().maxGenToks());
        assertFalse(g.generation().doSample());
        assertEquals(List.of(MetricSpec.of("exact_match")), g.metricList());
        assertEquals(Map.of("train", "d.jsonl"), TaskReader.read(write("h.yaml", """
                task: h
                dataset_path: json
                dataset_kwargs: {data_files: d.jsonl}
                validation_split: train
                doc_to_text: q
                doc_to_target: a
                """)).dataFiles(), "a lone data file is the train split, as datasets names it");
    }

    @Test
    void includeBasesATaskOnAnotherAndLocalKeysWin() throws Exception {
        write("_base.yaml", """
                dataset_path: data
                test_split: test
                output_type: multiple_choice
                doc_to_text: "{{question}}"
                doc_to_target: label
                doc_to_choice: choices
                num_fewshot: 5
                """);
        Files.createDirectories(dir.resolve("sub"));
        TaskConfig c = TaskReader.read(write("sub/child.yaml", """
                include: ../_base.yaml
                task: child
                num_fewshot: 1
                """));
        assertEquals(1, c.numFewshot());
        assertEquals(OutputType.MULTIPLE_CHOICE, c.outputType());
        assertEquals(dir.resolve("data").toAbsolutePath().normalize(), c.datasetPath(),
                "dataset_path is relative to the file that says it");
        write("a.yaml", "include: b.yaml\ntask: a\n");
        write("b.yaml", "include: a.yaml\ndataset_path: d\n");
        TaskException e = assertThrows(TaskException.class, () -> TaskReader.read(dir.resolve("a.yaml")));
        assertTrue(e.getMessage().contains("include cycle"), e.getMessage());
    }

    @Test
    void unknownKeyNamesFileLineAndNearestKey() throws Exception {
        Path f = write("t.yaml", """
                task: t
                dataset_path: data
                doc_to_txt: "{{question}}"
                doc_to_target: a
                """);
        TaskException e = assertThrows(TaskException.class, () -> TaskReader.read(f));
        assertTrue(e.getMessage().startsWith(f + ":3:1: unknown key 'doc_to_txt' in a task; did you mean "
                + "'doc_to_text'?"), e.getMessage());

        Path g = write("g.yaml", """
                task: g
                dataset_path: data
                doc_to_text: q
                doc_to_target: a
                generation_kwargs:
                  max_new_tokens: 10
                """);
        e = assertThrows(TaskException.class, () -> TaskReader.read(g));
        assertTrue(e.getMessage().startsWith(g + ":6:3: unknown key 'max_new_tokens' in generation_kwargs"),
                e.getMessage());

        Path m = write("m.yaml", """
                task: m
                dataset_path: data
                doc_to_text: q
                doc_to_target: a
                metric_list:
                  - metric: exact_match
                    ignore_cases: true
                """);
        e = assertThrows(TaskException.class, () -> TaskReader.read(m));
        assertTrue(e.getMessage().startsWith(m + ":7:5: unknown key 'ignore_cases' in a metric_list entry; did you "
                + "mean 'ignore_case'?"), e.getMessage());

        Path p = write("p.yaml", """
                task: p
                dataset_path: data
                doc_to_text: q
                doc_to_target: a
                process_docs: !function utils.process_docs
                """);
        e = assertThrows(TaskException.class, () -> TaskReader.read(p));
        assertTrue(e.getMessage().startsWith(p + ":5:1: 'process_docs' (an lm-evaluation-harness key) is not "
                + "supported by Kumiki"), e.getMessage());

        Path o = write("o.yaml", """
                task: o
                dataset_path: data
                doc_to_text: q
                doc_to_target: a
                output_type: multiple_choise
                """);
        e = assertThrows(TaskException.class, () -> TaskReader.read(o));
        assertTrue(e.getMessage().startsWith(o + ":5:14: unknown output_type 'multiple_choise'; did you mean "
                + "'multiple_choice'?"), e.getMessage());

        Path r = write("r.yaml", """
                task: r
                dataset_path: data
                doc_to_text: q
                doc_to_target: a
                filter_list:
                  - name: x
                    filter:
                      - function: regexp
                """);
        e = assertThrows(TaskException.class, () -> TaskReader.read(r));
        assertTrue(e.getMessage().startsWith(r + ":8:19: unknown filter function 'regexp'; did you mean 'regex'?"),
                e.getMessage());
    }

    @Test
    void catalogFindsTasksByNameAndTag() throws Exception {
        Files.createDirectories(dir.resolve("tasks/ja"));
        write("tasks/_base.yaml", "dataset_path: data\ntest_split: test\ndoc_to_text: q\ndoc_to_target: a\n");
        write("tasks/en.yaml", "include: _base.yaml\ntask: arith_en\ntag: arith\n");
        write("tasks/ja/ja.yml", "include: ../_base.yaml\ntask: arith_ja\ntag: [arith, japanese]\n");
        write("tasks/notes.txt", "not a task");
        TaskCatalog catalog = TaskCatalog.scan(List.of(dir.resolve("tasks")));
        assertEquals(List.of("arith_en", "arith_ja"), List.copyOf(catalog.tasks().keySet()));
        assertEquals(Map.of("arith", List.of("arith_en", "arith_ja"), "japanese", List.of("arith_ja")),
                catalog.tags());
        assertEquals(List.of("arith_ja", "arith_en"), catalog.select(List.of("japanese", "arith")).stream()
                .map(TaskConfig::task).toList());
        TaskException e = assertThrows(TaskException.class, () -> catalog.select(List.of("arith_jp")));
        assertEquals("unknown task 'arith_jp'; did you mean 'arith_ja'? (there are arith, arith_en, arith_ja, "
                + "japanese)", e.getMessage());
    }

    @Test
    void otherMistakesAreRefusedByMessage() throws Exception {
        Path d = write("d.yaml", "task: d\ntask: e\n");
        TaskException e = assertThrows(TaskException.class, () -> TaskReader.read(d));
        assertTrue(e.getMessage().startsWith(d + ":2:1: key 'task' is used twice (lines 1 and 2)"), e.getMessage());

        Path n = write("n.yaml", "task: n\ndataset_path: data\ndoc_to_text: q\ndoc_to_target: a\nnum_fewshot: many\n");
        e = assertThrows(TaskException.class, () -> TaskReader.read(n));
        assertEquals(n + ":5:14: num_fewshot is a whole number; found 'many'", e.getMessage());

        Path c = write("c.yaml", "task: c\ndataset_path: data\ndoc_to_text: q\ndoc_to_target: a\n"
                + "output_type: multiple_choice\n");
        e = assertThrows(TaskException.class, () -> TaskReader.read(c));
        assertEquals(c + ": task c: output_type multiple_choice needs doc_to_choice", e.getMessage());

        Path f = write("f.yaml", "task: f\ndataset_path: data\ndoc_to_text: q\ndoc_to_target: 0\n"
                + "doc_to_choice: [a, b]\noutput_type: multiple_choice\n"
                + "filter_list: [{name: x, filter: [{function: take_first}]}]\n");
        e = assertThrows(TaskException.class, () -> TaskReader.read(f));
        assertEquals(f + ": task f: filter_list applies to generated answers (output_type generate_until), not "
                + "to multiple_choice", e.getMessage());

        Path x = write("x.yaml", "task: x\ndoc_to_text: q\ndoc_to_target: a\n");
        e = assertThrows(TaskException.class, () -> TaskReader.read(x));
        assertTrue(e.getMessage().startsWith(x + ": task x has no dataset_path"), e.getMessage());

        Path re = write("re.yaml", "task: re\ndataset_path: d\ndoc_to_text: q\ndoc_to_target: a\n"
                + "filter_list: [{name: x, filter: [{function: regex, regex_pattern: \"([0-9]\"}]}]\n");
        e = assertThrows(TaskException.class, () -> TaskReader.read(re));
        assertTrue(e.getMessage().startsWith(re + ":5:"), e.getMessage());
        assertTrue(e.getMessage().contains("not a valid regular expression"), e.getMessage());

        TaskException empty = assertThrows(TaskException.class, () -> TaskReader.read(write("e.yaml", "")));
        assertTrue(empty.getMessage().contains("is empty"), empty.getMessage());
        assertNull(Names.nearest("zzzzzzzz", TaskReader.KEYS).orElse(null));
        assertInstanceOf(TaskException.class, assertThrows(TaskException.class,
                () -> TaskReader.read(dir.resolve("missing.yaml"))));
    }
}
