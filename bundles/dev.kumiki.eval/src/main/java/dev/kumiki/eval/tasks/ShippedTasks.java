package dev.kumiki.eval.tasks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The tasks Kumiki ships: lm-evaluation-harness task files with their datasets, generated from templates with a
 * fixed seed, so they run offline and give the same bytes on every machine (no hash-order iteration, no
 * locale-dependent formatting, {@link java.util.Random}'s specified generator). Nothing is downloaded.
 * {@snippet :
 * List<Path> taskFiles = ShippedTasks.write(dir);  // dir/arith_ja.yaml, dir/arith_ja/test.jsonl, ...
 * }
 * Each task file names its data with {@code dataset_path: json} and {@code dataset_kwargs.data_files}, relative
 * to the task file's folder.
 */
public final class ShippedTasks {

    /** The seed every dataset is generated from. Changing it changes the data: bump the tasks' versions then. */
    public static final long SEED = 20261201L;

    /**
     * A shipped task, for listings ({@code kumiki tasks}).
     *
     * @param name the task's name ({@code task:} in its file, and the file's base name)
     * @param outputType lm-eval's {@code output_type}
     * @param metrics the metric names in its {@code metric_list}
     * @param summary one line on what it measures and on what data
     */
    public record Task(String name, String outputType, List<String> metrics, String summary) {
    }

    private static final List<Task> TASKS = List.of(
            new Task("arith_en", "generate_until", List.of("exact_match"),
                    "English arithmetic word problems (add, subtract, multiply, two steps); 288 train / 200 test, "
                            + "split by template; step-by-step few-shot"),
            new Task("arith_ja", "generate_until", List.of("exact_match"),
                    "the same problems in Japanese (counters 個/本/枚/冊/円), answers 答えは…です; also scored "
                            + "counting only answers written in Japanese"),
            new Task("mult_en", "generate_until", List.of("exact_match"),
                    "English multiplication word problems past the times table (bags of 10 to 19); 80 validation / "
                            + "200 test"),
            new Task("mult_ja", "generate_until", List.of("exact_match"),
                    "the same in Japanese, answers 答えは…です, also counted only when answered in Japanese: the "
                            + "target of the Micro EvoLLM-JP example"),
            new Task("counters_ja", "multiple_choice", List.of("acc", "acc_norm"),
                    "Japanese counters: which counter an object takes and how number + counter is read; "
                            + "split by object"),
            new Task("qa_ja", "generate_until", List.of("exact_match", "char_f1", "rouge_l", "token_f1"),
                    "questions on two-sentence Japanese stories, answered in a Japanese sentence; split by place"),
            new Task("ppl_en", "loglikelihood_rolling", List.of("word_perplexity", "byte_perplexity", "bits_per_byte"),
                    "perplexity on 40 short English stories"),
            new Task("ppl_ja", "loglikelihood_rolling", List.of("byte_perplexity", "bits_per_byte"),
                    "perplexity on the same 40 stories in Japanese"));

    private ShippedTasks() {
    }

    /** The shipped tasks, in a fixed order. */
    public static List<Task> list() {
        return TASKS;
    }

    /**
     * Every file of the shipped tasks: path relative to the tasks folder ({@code /}-separated) → content. The
     * task files are {@code <name>.yaml}; the data is in {@code <name>/<split>.jsonl}.
     */
    public static SortedMap<String, byte[]> files() {
        SortedMap<String, byte[]> copy = new TreeMap<>();
        Generated.FILES.forEach((k, v) -> copy.put(k, v.clone()));
        return Collections.unmodifiableSortedMap(copy);
    }

    /**
     * The files, generated once per JVM: they depend on nothing but the code, and generating them takes seconds
     * (every pipeline configure and every evaluation asks for them).
     */
    private static final class Generated {
        static final SortedMap<String, byte[]> FILES = generate();
    }

    private static SortedMap<String, byte[]> generate() {
        SortedMap<String, byte[]> files = new TreeMap<>();
        for (String split : List.of("train", "test")) {
            List<ArithmeticProblems.Problem> problems = ArithmeticProblems.split(split, SEED);
            files.put("arith_en/" + split + ".jsonl", JsonLines.encode(ArithmeticProblems.rows(problems, false)));
            files.put("arith_ja/" + split + ".jsonl", JsonLines.encode(ArithmeticProblems.rows(problems, true)));
            files.put("counters_ja/" + split + ".jsonl", JsonLines.encode(CounterQuestions.rows(split, SEED)));
            files.put("qa_ja/" + split + ".jsonl", JsonLines.encode(Stories.qaRows(split, SEED)));
        }
        List<ArithmeticProblems.Problem> validation = ArithmeticProblems.validation(
                ArithmeticProblems.VALIDATION_PER_TEMPLATE, SEED ^ 0x76616cL, arithmeticExcluded());
        files.put("arith_en/validation.jsonl", JsonLines.encode(ArithmeticProblems.rows(validation, false)));
        files.put("arith_ja/validation.jsonl", JsonLines.encode(ArithmeticProblems.rows(validation, true)));
        for (var e : pastTable().entrySet()) {
            files.put("mult_en/" + e.getKey() + ".jsonl", JsonLines.encode(ArithmeticProblems.rows(e.getValue(), false)));
            files.put("mult_ja/" + e.getKey() + ".jsonl", JsonLines.encode(ArithmeticProblems.rows(e.getValue(), true)));
        }
        files.put("ppl_en/test.jsonl", JsonLines.encode(Stories.pplRows(false, SEED)));
        files.put("ppl_ja/test.jsonl", JsonLines.encode(Stories.pplRows(true, SEED)));
        files.put("arith_en.yaml", utf8(ARITH_EN));
        files.put("arith_ja.yaml", utf8(ARITH_JA));
        files.put("mult_en.yaml", utf8(pastTableTask(ARITH_EN, "mult_en", MULT_EN_COMMENT)));
        files.put("mult_ja.yaml", utf8(pastTableTask(ARITH_JA, "mult_ja", MULT_JA_COMMENT)));
        files.put("counters_ja.yaml", utf8(COUNTERS_JA));
        files.put("qa_ja.yaml", utf8(QA_JA));
        files.put("ppl_en.yaml", utf8(PPL_EN));
        files.put("ppl_ja.yaml", utf8(PPL_JA));
        return Collections.unmodifiableSortedMap(files);
    }

    /** Problems per split of the mult tasks. */
    static final int PAST_TABLE_VALIDATION = 80;
    static final int PAST_TABLE_TEST = 200;

    /**
     * The mult tasks' splits (test, validation): problems past the times table, none of them an arithmetic task's
     * item or a problem of the base corpus (whose bags hold up to 12: the products of 10, 11 and 12 are in both).
     * The maths fine-tune's data holds none of them either (ShippedDatasets excludes them).
     */
    static java.util.SortedMap<String, List<ArithmeticProblems.Problem>> pastTable() {
        java.util.Set<String> exclude = new java.util.HashSet<>(ShippedDatasets.baseQuestions());
        for (String split : List.of("train", "test")) {
            ArithmeticProblems.split(split, SEED).forEach(p -> exclude.add(p.questionEn()));
        }
        List<ArithmeticProblems.Problem> test = ArithmeticProblems.pastTable(PAST_TABLE_TEST, SEED ^ 0x6d756c74L,
                exclude, "mult-test");
        test.forEach(p -> exclude.add(p.questionEn()));
        List<ArithmeticProblems.Problem> validation = ArithmeticProblems.pastTable(PAST_TABLE_VALIDATION,
                SEED ^ 0x6d756c76L, exclude, "mult-val");
        java.util.SortedMap<String, List<ArithmeticProblems.Problem>> splits = new TreeMap<>();
        splits.put("test", test);
        splits.put("validation", validation);
        return splits;
    }

    /**
     * A mult task's file: the arithmetic task's (prompt, filters, metrics) over the mult data, its few-shot examples
     * from the arithmetic task's train split.
     */
    private static String pastTableTask(String arithmetic, String name, String comment) {
        String language = name.substring(name.length() - 2);
        String body = arithmetic.substring(arithmetic.indexOf("task: "))
                .replace("task: arith_" + language, "task: " + name)
                .replace("validation: arith_" + language + "/", "validation: " + name + "/")
                .replace("test: arith_" + language + "/", "test: " + name + "/")
                .replace("version: 1.3", "version: 1.0");
        return comment + body;
    }

    private static final String MULT_EN_COMMENT = """
            # Multiplication word problems past the times table, in English, generated by Kumiki (dev.kumiki.eval.tasks,
            # seed 20261201): bags of 10 to 19 things, 2 to 9 bags. Parallel to mult_ja. Kumiki's base corpus
            # has bags of 2 to 12 only; its maths fine-tune data (arith_en_sft) has bags of up to 19 but none of these
            # problems. The validation split is for choosing among models (a merge search's fitness), the test split
            # for reporting; few-shot examples come from arith_en's train split.
            """;

    private static final String MULT_JA_COMMENT = """
            # 九九を超えるかけ算の文章題 (multiplication past the times table), generated by Kumiki (dev.kumiki.eval.tasks,
            # seed 20261201): 10 to 19 things in a bag, 2 to 9 bags. Parallel to mult_en. The target task of the
            # Micro EvoLLM-JP example: Japanese questions, answered in Japanese (japanese-only, Sakana's acc_ja).
            # No model of the example is trained on Japanese problems past 12; the validation split is for a merge
            # search's fitness, the test split for reporting; few-shot examples come from arith_ja's train split.
            """;

    /** What the arithmetic validation split must not repeat: the train and test splits and the training data. */
    private static java.util.Set<String> arithmeticExcluded() {
        java.util.Set<String> exclude = new java.util.HashSet<>(ShippedDatasets.trainingQuestions());
        for (String split : List.of("train", "test")) {
            ArithmeticProblems.split(split, SEED).forEach(p -> exclude.add(p.questionEn()));
        }
        return exclude;
    }

    /**
     * Writes the shipped tasks into {@code dir} (created if missing) and returns the task files in
     * {@link #list()}'s order. Files already there with the same bytes are left alone; each file is written to a
     * temporary file beside it and moved into place, so an interrupted write leaves no half-written file.
     */
    public static List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (var e : Generated.FILES.entrySet()) {
            Path target = dir.resolve(e.getKey());
            Files.createDirectories(target.getParent());
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), e.getValue())) {
                continue;
            }
            Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
            try {
                Files.write(tmp, e.getValue());
                readableByAll(tmp);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException notAtomic) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        List<Path> yamls = new ArrayList<>();
        for (Task t : TASKS) {
            yamls.add(dir.resolve(t.name() + ".yaml"));
        }
        return yamls;
    }

    /** Temporary files are created owner-only; the task files are ordinary files others may read. */
    private static void readableByAll(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException notPosix) {
            // other file systems keep their defaults
        }
    }

    /**
     * The task file of a shipped task, written into {@code dir} first if needed (see {@link #write}); empty when
     * Kumiki ships no task of that name. This is how a task name on the command line finds a shipped task.
     */
    public static Optional<Path> resolve(String name, Path dir) throws IOException {
        if (TASKS.stream().noneMatch(t -> t.name().equals(name))) {
            return Optional.empty();
        }
        write(dir);
        return Optional.of(dir.resolve(name + ".yaml"));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // The task files. Regular expressions are in single-quoted YAML scalars, where a backslash is just a backslash.

    private static final String ARITH_EN = """
            # Arithmetic word problems in English, generated by Kumiki (dev.kumiki.eval.tasks, seed 20261201).
            # Parallel to arith_ja (same ids, numbers and answers). Twelve templates, three per operation
            # (addition, subtraction, multiplication, two steps); the test split uses one held-out template per
            # operation, so no test item shares a template with a few-shot (train) item. The validation split has
            # other problems of the held-out templates (none of the test split's or of Kumiki's training data), for
            # choosing among models: a merge search's fitness, a checkpoint.
            task: arith_en
            dataset_path: json
            dataset_kwargs:
              data_files:
                train: arith_en/train.jsonl
                validation: arith_en/validation.jsonl
                test: arith_en/test.jsonl
            output_type: generate_until
            training_split: train
            validation_split: validation
            fewshot_split: train
            test_split: test
            num_fewshot: 4
            description: "Solve the following arithmetic word problems step by step. End with \\"The answer is N.\\"\\n\\n"
            doc_to_text: "Question: {{question}}\\nAnswer:"
            doc_to_target: "{{solution}}"
            target_delimiter: " "
            fewshot_delimiter: "\\n\\n"
            generation_kwargs:
              until:
                - "Question:"
                - "\\n\\n"
              do_sample: false
              temperature: 0.0
              max_gen_toks: 256
            filter_list:
              - name: strict-match
                filter:
                  - function: regex
                    regex_pattern: 'The answer is (\\-?[0-9\\.\\,]*[0-9]+)'
                  - function: take_first
              - name: flexible-extract
                filter:
                  - function: numeric_answer
                  - function: take_first
            metric_list:
              - metric: exact_match
                aggregation: mean
                higher_is_better: true
                ignore_case: true
                ignore_punctuation: false
                # the reference is the whole solution: keep only its final number, as gsm8k.yaml does
                regexes_to_ignore:
                  - ','
                  - '(?s).*The answer is '
                  - '\\.$'
            metadata:
              version: 1.3
            """;

    private static final String ARITH_JA = """
            # 算数の文章題 (Japanese arithmetic word problems), generated by Kumiki (dev.kumiki.eval.tasks,
            # seed 20261201). Parallel to arith_en; counters agree with the objects (個, 本, 枚, 冊, 円). The test split
            # uses one held-out template per operation; the validation split, other problems of those templates (for
            # a merge search's fitness). Three scores, as lm-eval's mgsm_native_cot_ja and Sakana's
            # acc_ja: strict-match (答えは…です。), flexible-extract (MGSM-ja style: the marked number, else the last
            # number), and japanese-only (strict-match counting only responses written in Japanese).
            task: arith_ja
            dataset_path: json
            dataset_kwargs:
              data_files:
                train: arith_ja/train.jsonl
                validation: arith_ja/validation.jsonl
                test: arith_ja/test.jsonl
            output_type: generate_until
            training_split: train
            validation_split: validation
            fewshot_split: train
            test_split: test
            num_fewshot: 4
            description: "次の算数の文章題を、一歩ずつ考えて解いてください。最後に「答えは（数）です。」と書いてください。\\n\\n"
            doc_to_text: "問題：{{question}}\\nステップごとの答え："
            doc_to_target: "{{solution}}"
            target_delimiter: ""
            fewshot_delimiter: "\\n\\n"
            generation_kwargs:
              until:
                - "問題："
                - "\\n\\n"
              do_sample: false
              temperature: 0.0
              max_gen_toks: 256
            filter_list:
              - name: strict-match
                filter:
                  - function: regex
                    regex_pattern: '答えは(\\-?[0-9\\.\\,]+)です。'
                  - function: take_first
              - name: flexible-extract
                filter:
                  - function: numeric_answer
                  - function: take_first
              - name: japanese-only
                filter:
                  - function: japanese_only
                  - function: regex
                    regex_pattern: '答えは(\\-?[0-9\\.\\,]+)です。'
                  - function: take_first
            metric_list:
              - metric: exact_match
                aggregation: mean
                higher_is_better: true
                ignore_case: true
                ignore_punctuation: false
                # the reference is the whole solution: keep only its final number, as gsm8k.yaml does
                regexes_to_ignore:
                  - ','
                  - '(?s).*答えは'
                  - 'です。$'
            metadata:
              version: 1.3
            """;

    private static final String COUNTERS_JA = """
            # Japanese counters (助数詞), generated by Kumiki (dev.kumiki.eval.tasks, seed 20261201): which counter an
            # object takes (個, 本, 枚, 冊) and how a number with its counter is read (いっぽん, さんぼん, ろっこ, ...).
            # The test split holds out one object per counter (ボール, 傘, はがき, 辞書).
            task: counters_ja
            dataset_path: json
            dataset_kwargs:
              data_files:
                train: counters_ja/train.jsonl
                test: counters_ja/test.jsonl
            output_type: multiple_choice
            training_split: train
            fewshot_split: train
            test_split: test
            num_fewshot: 0
            doc_to_text: "質問：{{question}}\\n答え："
            doc_to_choice: "{{choices}}"
            doc_to_target: "{{label}}"
            target_delimiter: ""
            fewshot_delimiter: "\\n\\n"
            metric_list:
              - metric: acc
                aggregation: mean
                higher_is_better: true
              - metric: acc_norm
                aggregation: mean
                higher_is_better: true
            metadata:
              version: 1.0
            """;

    private static final String QA_JA = """
            # Questions on short Japanese stories (who, where, when, what), answered with a short Japanese sentence;
            # generated by Kumiki (dev.kumiki.eval.tasks, seed 20261201). Scored with llm-jp-eval's char_f1 and with
            # ROUGE-L and token F1 over Kuromoji morphemes. The test split uses two places no training story has.
            task: qa_ja
            dataset_path: json
            dataset_kwargs:
              data_files:
                train: qa_ja/train.jsonl
                test: qa_ja/test.jsonl
            output_type: generate_until
            training_split: train
            fewshot_split: train
            test_split: test
            num_fewshot: 3
            description: "次の文章を読んで、質問に短い文で答えてください。\\n\\n"
            doc_to_text: "文章：{{story}}\\n質問：{{question}}\\n答え："
            doc_to_target: "{{answer}}"
            target_delimiter: ""
            fewshot_delimiter: "\\n\\n"
            generation_kwargs:
              until:
                - "\\n"
              do_sample: false
              temperature: 0.0
              max_gen_toks: 64
            metric_list:
              - metric: exact_match
                aggregation: mean
                higher_is_better: true
              - metric: char_f1
                aggregation: mean
                higher_is_better: true
              - metric: rouge_l
                aggregation: mean
                higher_is_better: true
              - metric: token_f1
                aggregation: mean
                higher_is_better: true
            metadata:
              version: 1.0
            """;

    private static final String PPL_EN = """
            # Perplexity on 40 short English shopping stories, generated by Kumiki (dev.kumiki.eval.tasks,
            # seed 20261201); the same stories as ppl_ja. Each story is scored as a whole (rolling windows when it is
            # longer than the model's context).
            task: ppl_en
            dataset_path: json
            dataset_kwargs:
              data_files:
                test: ppl_en/test.jsonl
            output_type: loglikelihood_rolling
            test_split: test
            doc_to_text: ""
            doc_to_target: "{{text}}"
            metric_list:
              - metric: word_perplexity
              - metric: byte_perplexity
              - metric: bits_per_byte
            metadata:
              version: 1.0
            """;

    private static final String PPL_JA = """
            # Perplexity on the 40 stories of ppl_en, in Japanese. No word_perplexity: lm-eval counts words by
            # whitespace, and Japanese is written without spaces; byte perplexity and bits per byte compare models
            # with different tokenizers.
            task: ppl_ja
            dataset_path: json
            dataset_kwargs:
              data_files:
                test: ppl_ja/test.jsonl
            output_type: loglikelihood_rolling
            test_split: test
            doc_to_text: ""
            doc_to_target: "{{text}}"
            metric_list:
              - metric: byte_perplexity
              - metric: bits_per_byte
            metadata:
              version: 1.0
            """;
}
