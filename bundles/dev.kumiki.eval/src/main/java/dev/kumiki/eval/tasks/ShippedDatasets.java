package dev.kumiki.eval.tasks;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import dev.kumiki.eval.tasks.Vocabulary.Day;
import dev.kumiki.eval.tasks.Vocabulary.Person;
import dev.kumiki.eval.tasks.Vocabulary.Place;
import dev.kumiki.eval.tasks.Vocabulary.Thing;

/**
 * Training data Kumiki ships for its examples: JSONL datasets generated from the same vocabulary and templates as the
 * {@linkplain ShippedTasks shipped tasks}, with their own seed, so that a small model trained on them learns what
 * those tasks measure without seeing their test items. Nothing is downloaded; the bytes are the same on every
 * machine (no hash-order iteration, no locale-dependent formatting, {@link Random}'s specified generator).
 * <ul>
 * <li>{@code corpus_base} ({@code text}): a mixed English/Japanese corpus for a model trained from scratch —
 * shopping stories in both languages, lines of equations, and a few solved word problems in each language.</li>
 * <li>{@code corpus_ja} ({@code text}): Japanese only — more stories, questions on stories answered in the form of
 * {@code qa_ja}, counter questions answered in the form of {@code counters_ja} (its training split), and sentences
 * about bags of 2 to 19 things, without sums (the Japanese the mult tasks are written in).</li>
 * <li>{@code corpus_anneal} ({@code text}): a base model's last stage of pretraining (annealing) — documents of
 * {@code corpus_base} with a few Japanese story questions in the form of {@code qa_ja} among them, so that the
 * base half-has the form that a Japanese fine-tune then completes (the Micro EvoLLM-JP example).</li>
 * <li>{@code arith_en_sft} ({@code prompt}/{@code completion}): English word problems of all twelve templates in
 * the prompt of {@code arith_en} without few-shot examples, the step-by-step solution as the completion — a maths
 * fine-tune's data, as GSM8K's training split is for its test split.</li>
 * </ul>
 * What the tasks test is held out here as it is there: the corpora's word problems come from the training templates
 * only (never {@code arith_en}'s test templates, so that a Japanese problem of a test template is new to every model
 * but the maths fine-tune's English), no word problem repeats a task's question, and stories never use
 * {@code qa_ja}'s test places and never repeat a {@code ppl_en}/{@code ppl_ja} story.
 */
public final class ShippedDatasets {

    /** The seed every dataset is generated from. Changing it changes the data. */
    public static final long SEED = 20261211L;

    /**
     * A shipped dataset, for listings.
     *
     * @param name    the dataset's name (its file is {@code <name>.jsonl})
     * @param format  the lines' shape as the Dataset node names it: {@code text} or {@code prompt_completion}
     * @param rows    lines in the file
     * @param summary one line on what it holds
     */
    public record Dataset(String name, String format, int rows, String summary) {
    }

    // the base corpus is four times the first one's (1.94 M tokens of the example's BPE): a 1.07 M-parameter base
    // learned to copy names and numbers from its context only after some 4-8 M tokens, and with fewer documents it
    // would see each one a dozen times by then
    static final int BASE_STORIES_EN = 6400;
    static final int BASE_STORIES_JA = 6400;
    static final int BASE_EQUATION_LINES = 9600;
    /** Solved English word problems per training template in the base corpus. */
    static final int BASE_PROBLEMS_EN_PER_TEMPLATE = 800;
    /** Solved Japanese word problems per training template (the first of the English ones, in Japanese). */
    static final int BASE_PROBLEMS_JA_PER_TEMPLATE = 320;
    static final int JA_STORIES = 1600;
    static final int JA_QA = 800;
    /** Japanese sentences about bags of 2 to 19 things in corpus_ja (no sums). */
    static final int JA_GROUP_STORIES = 2400;
    /** Documents of corpus_base in corpus_anneal: the first of its shuffled order. */
    static final int ANNEAL_BASE_DOCS = 8000;
    /**
     * Story questions in qa_ja's form in corpus_anneal, one in 500 documents: enough that a base annealed on it answers
     * some story questions in a sentence and its Japanese fine-tune's task vector keeps most of that skill at half
     * strength, few enough that the fine-tune still has most of the skill to add (examples/evollm-jp/README.md has
     * the measurements: 8, 12, 16 and 24 of them).
     */
    static final int ANNEAL_QA = 16;
    /** Problems per template (all twelve) in arith_en_sft. */
    static final int SFT_PROBLEMS_PER_TEMPLATE = 250;

    /** The description arith_en's prompts begin with (its task file's {@code description}). */
    static final String ARITH_EN_DESCRIPTION = "Solve the following arithmetic word problems step by step. End with "
            + "\"The answer is N.\"\n\n";
    /** The description qa_ja's prompts begin with. */
    static final String QA_JA_DESCRIPTION = "次の文章を読んで、質問に短い文で答えてください。\n\n";

    private static final List<Dataset> DATASETS = List.of(
            new Dataset("corpus_base", "text", BASE_STORIES_EN + BASE_STORIES_JA + BASE_EQUATION_LINES
                    + 8 * (BASE_PROBLEMS_EN_PER_TEMPLATE + BASE_PROBLEMS_JA_PER_TEMPLATE),
                    "mixed English/Japanese text for a model trained from scratch: shopping stories in both "
                            + "languages, lines of equations, a few solved word problems in each language"),
            new Dataset("corpus_ja", "text", JA_STORIES + JA_QA + 168 + JA_GROUP_STORIES,
                    "Japanese text: stories, questions on stories answered as in qa_ja, counter questions "
                            + "answered as in counters_ja (its training split), sentences about bags of 2 to 19 "
                            + "things (no sums)"),
            new Dataset("arith_en_sft", "prompt_completion", 12 * SFT_PROBLEMS_PER_TEMPLATE,
                    "English word problems in arith_en's prompt (no few-shot examples), the step-by-step solution "
                            + "as the completion; all twelve templates, groups of up to 19, no task question "
                            + "repeated"),
            new Dataset("corpus_anneal", "text", ANNEAL_BASE_DOCS + ANNEAL_QA,
                    "a base model's annealing stage: documents of corpus_base with a few story questions in qa_ja's "
                            + "form (one in 500) among them"));

    private ShippedDatasets() {
    }

    /** The shipped datasets, in a fixed order. */
    public static List<Dataset> list() {
        return DATASETS;
    }

    /** Every file: {@code <name>.jsonl} → content. */
    public static SortedMap<String, byte[]> files() {
        SortedMap<String, byte[]> copy = new TreeMap<>();
        for (String name : GENERATORS.keySet()) {
            copy.put(name, content(name).clone());
        }
        return Collections.unmodifiableSortedMap(copy);
    }

    /** How each file is made; it depends on nothing but the code. */
    private static final Map<String, java.util.function.Supplier<byte[]>> GENERATORS = Map.of(
            "corpus_base.jsonl", () -> JsonLines.encode(texts(base())),
            "corpus_ja.jsonl", () -> JsonLines.encode(texts(japanese())),
            "arith_en_sft.jsonl", () -> JsonLines.encode(arithmeticSft()),
            "corpus_anneal.jsonl", () -> JsonLines.encode(texts(anneal())));
    /**
     * The files made so far in this JVM: generating one takes a second or more, and every pipeline configure and
     * training asks for them; each is made when first needed (a pipeline training on one dataset makes only that).
     */
    private static final Map<String, byte[]> GENERATED = new java.util.concurrent.ConcurrentHashMap<>();

    private static byte[] content(String file) {
        return GENERATED.computeIfAbsent(file, f -> GENERATORS.get(f).get());
    }

    /**
     * Writes the datasets into {@code dir} (created if missing) and returns their files in {@link #list()}'s order.
     * Files already there with the same bytes are left alone; each file is written beside its place and moved in, so
     * an interrupted write leaves no half-written file.
     */
    public static List<Path> write(Path dir) throws IOException {
        for (Dataset d : DATASETS) {
            write(dir, d.name() + ".jsonl");
        }
        return DATASETS.stream().map(d -> dir.resolve(d.name() + ".jsonl")).toList();
    }

    private static void write(Path dir, String file) throws IOException {
        Files.createDirectories(dir);
        byte[] content = content(file);
        Path target = dir.resolve(file);
        if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), content)) {
            return;
        }
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            Files.write(tmp, content);
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException notPosix) {
                // other file systems keep their defaults
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException notAtomic) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The file of a shipped dataset, written into {@code dir} first if needed; empty when Kumiki ships no dataset of
     * that name.
     */
    public static Optional<Path> resolve(String name, Path dir) throws IOException {
        if (DATASETS.stream().noneMatch(d -> d.name().equals(name))) {
            return Optional.empty();
        }
        write(dir, name + ".jsonl");
        return Optional.of(dir.resolve(name + ".jsonl"));
    }

    // ---- the corpora

    private static List<Map<String, Object>> texts(List<String> texts) {
        List<Map<String, Object>> rows = new ArrayList<>(texts.size());
        for (String t : texts) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("text", t);
            rows.add(row);
        }
        return rows;
    }

    /** The base corpus: documents of every kind, shuffled with the seed. */
    static List<String> base() {
        Random r = new Random(SEED);
        Set<String> held = heldOutStories();
        List<String> docs = new ArrayList<>();
        List<Place> places = Vocabulary.PLACES;
        for (int i = 0; i < BASE_STORIES_EN; i++) {
            docs.add(unique(r, places, false, held));
        }
        for (int i = 0; i < BASE_STORIES_JA; i++) {
            docs.add(unique(r, places, true, held));
        }
        for (int i = 0; i < BASE_EQUATION_LINES; i++) {
            docs.add(equations(r));
        }
        // a base that has not learned to copy a question's numbers into an equation gives a fine-tune nothing to
        // build on (a 300-step base with 40 problems a template answered every question with a training story's
        // numbers): many English problems, fewer Japanese ones, so that Japanese maths starts weak but above zero
        List<ArithmeticProblems.Problem> problems = ArithmeticProblems.training(BASE_PROBLEMS_EN_PER_TEMPLATE,
                SEED ^ 0x62617365L, taskQuestions(), "base");
        Map<String, Integer> japanese = new HashMap<>();
        for (ArithmeticProblems.Problem p : problems) {
            docs.add("Question: " + p.questionEn() + "\nAnswer: " + p.solutionEn());
            if (japanese.merge(p.template(), 1, Integer::sum) <= BASE_PROBLEMS_JA_PER_TEMPLATE) {
                docs.add("問題：" + p.questionJa() + "\nステップごとの答え：" + p.solutionJa());
            }
        }
        Collections.shuffle(docs, r);
        return docs;
    }

    /** The places of stories a model may be trained on: all but qa_ja's test places. */
    private static List<Place> trainPlaces() {
        return Vocabulary.PLACES.stream().filter(p -> !Stories.TEST_PLACES.contains(p.ja())).toList();
    }

    /**
     * The annealing corpus: the first documents of the base corpus and a few story questions in qa_ja's form, as a
     * language model's last stage of pretraining mixes a little instruction-shaped text into its own data.
     */
    static List<String> anneal() {
        Random r = new Random(SEED ^ 0x616E6E65616CL);
        List<String> docs = new ArrayList<>(base().subList(0, ANNEAL_BASE_DOCS));
        List<Place> places = trainPlaces();
        for (int i = 0; i < ANNEAL_QA; i++) {
            docs.add(question(r, places));
        }
        Collections.shuffle(docs, r);
        return docs;
    }

    /** The Japanese corpus: stories, story questions (qa_ja's form), counter questions (counters_ja's form). */
    static List<String> japanese() {
        Random r = new Random(SEED ^ 0x6A61L);
        Set<String> held = heldOutStories();
        List<Place> trainPlaces = trainPlaces();
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < JA_STORIES; i++) {
            docs.add(unique(r, trainPlaces, true, held));
        }
        for (int i = 0; i < JA_QA; i++) {
            docs.add(question(r, trainPlaces));
        }
        for (Map<String, Object> row : CounterQuestions.rows("train", ShippedTasks.SEED)) {
            List<?> choices = (List<?>) row.get("choices");
            docs.add("質問：" + row.get("question") + "\n答え：" + choices.get((Integer) row.get("label")));
        }
        Random groups = new Random(SEED ^ 0x67727073L);
        Set<String> statements = pastTableStatements();
        int before = docs.size();
        while (docs.size() < before + JA_GROUP_STORIES) {
            String story = groupStory(groups);
            if (!statements.contains(story.substring(0, story.indexOf('。') + 1))) {
                docs.add(story); // never a mult task's question's first sentence
            }
        }
        Collections.shuffle(docs, r);
        return docs;
    }

    /**
     * A few Japanese sentences about bags of 2 to 19 things, without a question or a sum: the Japanese model reads
     * how many there are in a bag past the times table (十五本ずつ), which the base corpus's problems never say.
     */
    static String groupStory(Random r) {
        Person p = Vocabulary.pick(r, Vocabulary.PEOPLE);
        Thing t = Vocabulary.pick(r, Vocabulary.THINGS);
        int bags = Vocabulary.between(r, 2, 9);
        int each = Vocabulary.between(r, 2, 19);
        String c = t.counter();
        return switch (r.nextInt(3)) {
            case 0 -> p.ja() + "さんは、" + t.ja() + "が" + each + c + "ずつ入った袋を" + bags + "袋買いました。" + each + c
                    + "ずつ入った袋が" + bags + "袋です。";
            case 1 -> p.ja() + "さんは、" + t.ja() + "が" + each + c + "ずつ入った袋を" + bags + "袋持っています。袋には"
                    + t.ja() + "が" + each + c + "ずつ入っています。袋は" + bags + "袋あります。";
            default -> "店に、" + t.ja() + "が" + each + c + "ずつ入った袋が" + bags + "袋あります。" + p.ja() + "さんは"
                    + each + c + "ずつ入った袋を見ました。";
        };
    }

    /**
     * Word problems of all twelve templates as arith_en asks them without few-shot examples; the completion ends the
     * answer's paragraph.
     */
    static List<Map<String, Object>> arithmeticSft() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ArithmeticProblems.Problem p : sftProblems()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("prompt", ARITH_EN_DESCRIPTION + "Question: " + p.questionEn() + "\nAnswer:");
            row.put("completion", " " + p.solutionEn() + "\n\n");
            rows.add(row);
        }
        Collections.shuffle(rows, new Random(SEED ^ 0x736675L));
        return rows;
    }

    /**
     * The English questions of every arithmetic problem in the shipped training data (the base corpus's, in either
     * language, and the maths fine-tune's): the arithmetic tasks' validation split holds none of them.
     */
    static Set<String> trainingQuestions() {
        Set<String> questions = baseQuestions();
        for (ArithmeticProblems.Problem p : sftProblems()) {
            questions.add(p.questionEn());
        }
        return questions;
    }

    /**
     * The maths fine-tune's problems: all twelve templates, bags and shares of up to 19 (past the times table, as
     * the mult tasks ask), none of the arithmetic or mult tasks' items.
     */
    private static List<ArithmeticProblems.Problem> sftProblems() {
        Set<String> exclude = taskQuestions();
        ShippedTasks.pastTable().values().forEach(split -> split.forEach(p -> exclude.add(p.questionEn())));
        return ArithmeticProblems.training(SFT_PROBLEMS_PER_TEMPLATE, SEED ^ 0x736674L, exclude, "sft", true,
                ArithmeticProblems.Groups.UP_TO_19);
    }

    /** The first sentence of every mult_ja question (the bags bought), which corpus_ja never says. */
    static Set<String> pastTableStatements() {
        Set<String> statements = new HashSet<>();
        ShippedTasks.pastTable().values().forEach(split -> split.forEach(
                p -> statements.add(p.questionJa().substring(0, p.questionJa().indexOf('。') + 1))));
        return statements;
    }

    /** The English questions of the base corpus's word problems (in either language). */
    static Set<String> baseQuestions() {
        Set<String> questions = new HashSet<>();
        for (ArithmeticProblems.Problem p : ArithmeticProblems.training(BASE_PROBLEMS_EN_PER_TEMPLATE,
                SEED ^ 0x62617365L, taskQuestions(), "base")) {
            questions.add(p.questionEn());
        }
        return questions;
    }

    /** The English questions of the arithmetic tasks, both splits: never repeated in training data. */
    private static Set<String> taskQuestions() {
        Set<String> questions = new HashSet<>();
        for (String split : List.of("train", "test")) {
            for (ArithmeticProblems.Problem p : ArithmeticProblems.split(split, ShippedTasks.SEED)) {
                questions.add(p.questionEn());
            }
        }
        return questions;
    }

    /** The ppl_en and ppl_ja stories: never repeated in training data. */
    private static Set<String> heldOutStories() {
        Set<String> held = new HashSet<>();
        for (boolean ja : new boolean[] {false, true}) {
            for (Map<String, Object> row : Stories.pplRows(ja, ShippedTasks.SEED)) {
                held.add((String) row.get("text"));
            }
        }
        return held;
    }

    private static String unique(Random r, List<Place> places, boolean japanese, Set<String> held) {
        while (true) {
            String s = story(r, places, japanese);
            if (!held.contains(s)) {
                return s;
            }
        }
    }

    private static final String[][] WEATHER = {{"sunny", "晴れ"}, {"cloudy", "くもり"}, {"rainy", "雨"}};

    /**
     * A shopping story of four to eight sentences: the sentences of ppl_en/ppl_ja's stories, some left out, and a few
     * others (the weather, the friend's purchase, how it felt).
     */
    static String story(Random r, List<Place> places, boolean ja) {
        Person[] p = Vocabulary.pair(r);
        Place place = Vocabulary.pick(r, places);
        Day day = Vocabulary.pick(r, Vocabulary.DAYS);
        Thing t = Vocabulary.pick(r, Vocabulary.THINGS);
        Thing t2 = Vocabulary.pick(r, Vocabulary.THINGS);
        int n = Vocabulary.between(r, 2, 9);
        int m = Vocabulary.between(r, 1, 9);
        int price = Vocabulary.stepBetween(r, 20, 200, 10);
        int given = Vocabulary.between(r, 1, n - 1);
        String[] weather = WEATHER[r.nextInt(WEATHER.length)];
        boolean sayWeather = r.nextInt(3) == 0;
        boolean sayPrice = r.nextInt(4) != 0;
        boolean friend = r.nextInt(3) == 0;
        boolean give = r.nextInt(4) != 0;
        boolean happy = r.nextInt(4) == 0;
        String a = ja ? p[0].ja() : p[0].en();
        String b = ja ? p[1].ja() : p[1].en();
        String c = t.counter();
        int total = n * price;
        int left = n - given;
        StringBuilder s = new StringBuilder();
        if (ja) {
            if (sayWeather) {
                s.append(day.ja()).append("は").append(weather[1]).append("でした。");
            }
            s.append(a).append("さんは").append(day.ja()).append("に、").append(b).append("さんと").append(place.ja())
                    .append("へ行きました。そこで").append(t.ja()).append("を").append(n).append(c).append("買いました。");
            if (sayPrice) {
                s.append(t.ja()).append("は1").append(c).append(price).append("円でした。全部で").append(total)
                        .append("円払いました。");
            }
            if (friend) {
                s.append(b).append("さんも").append(t2.ja()).append("を").append(m).append(t2.counter())
                        .append("買いました。");
            }
            if (give) {
                s.append("帰り道で、").append(b).append("さんに").append(t.ja()).append("を").append(given).append(c)
                        .append("あげました。家に着いたとき、").append(t.ja()).append("は").append(left).append(c)
                        .append("残っていました。");
            }
            if (happy) {
                s.append(a).append("さんはうれしかったです。");
            }
        } else {
            if (sayWeather) {
                s.append("It was ").append(weather[0]).append(" on ").append(day.en()).append(". ");
            }
            s.append("On ").append(day.en()).append(", ").append(a).append(" went to ").append(place.en())
                    .append(" with ").append(b).append(". There ").append(a).append(" bought ").append(n).append(' ')
                    .append(t.en()).append('.');
            if (sayPrice) {
                s.append(" Each one cost ").append(price).append(" yen. ").append(a).append(" paid ").append(total)
                        .append(" yen in all.");
            }
            if (friend) {
                s.append(' ').append(b).append(" bought ").append(m).append(' ').append(m == 1 ? singular(t2) : t2.en())
                        .append(" too.");
            }
            if (give) {
                s.append(" On the way home, ").append(a).append(" gave ").append(given).append(" of them to ")
                        .append(b).append(". When ").append(a).append(" got home, ").append(a).append(" had ")
                        .append(left).append(" of them left.");
            }
            if (happy) {
                s.append(' ').append(a).append(" was happy.");
            }
        }
        return s.toString();
    }

    private static String singular(Thing t) {
        String en = t.en();
        if (en.endsWith("ies")) {
            return "a " + en.substring(0, en.length() - 3) + "y";
        }
        String one = en.substring(0, en.length() - 1);
        return (one.matches("[aeiou].*") ? "an " : "a ") + one;
    }

    /** A line of eight equations: sums and differences under 100, products of the times table, prices. */
    static String equations(Random r) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i > 0) {
                s.append(' ');
            }
            switch (r.nextInt(4)) {
                case 0 -> {
                    int a = Vocabulary.between(r, 1, 60);
                    int b = Vocabulary.between(r, 1, 40);
                    s.append(a).append(" + ").append(b).append(" = ").append(a + b).append('.');
                }
                case 1 -> {
                    int a = Vocabulary.between(r, 2, 90);
                    int b = Vocabulary.between(r, 1, a - 1);
                    s.append(a).append(" - ").append(b).append(" = ").append(a - b).append('.');
                }
                case 2 -> {
                    int a = Vocabulary.between(r, 2, 9);
                    int b = Vocabulary.between(r, 2, 12);
                    s.append(a).append(" × ").append(b).append(" = ").append(a * b).append('.');
                }
                default -> {
                    int a = Vocabulary.between(r, 2, 9);
                    int b = Vocabulary.stepBetween(r, 30, 300, 10);
                    s.append(a).append(" × ").append(b).append(" = ").append(a * b).append('.');
                }
            }
        }
        return s.toString();
    }

    /** A story question in qa_ja's prompt (no few-shot examples) with its answer. */
    static String question(Random r, List<Place> places) {
        Person[] p = Vocabulary.pair(r);
        Place place = Vocabulary.pick(r, places);
        Day day = Vocabulary.pick(r, Vocabulary.DAYS);
        Thing t = Vocabulary.pick(r, Vocabulary.THINGS);
        int n = Vocabulary.between(r, 2, 9);
        String a = p[0].ja();
        String story = a + "さんは" + day.ja() + "に、" + p[1].ja() + "さんと" + place.ja() + "へ行きました。そこで" + t.ja()
                + "を" + n + t.counter() + "買いました。";
        String q;
        String answer;
        switch (r.nextInt(4)) {
            case 0 -> {
                q = a + "さんはどこへ行きましたか。";
                answer = place.ja() + "へ行きました。";
            }
            case 1 -> {
                q = a + "さんはだれと行きましたか。";
                answer = p[1].ja() + "さんと行きました。";
            }
            case 2 -> {
                q = a + "さんはいつ" + place.ja() + "へ行きましたか。";
                answer = day.ja() + "に行きました。";
            }
            default -> {
                q = a + "さんは" + place.ja() + "で何を買いましたか。";
                answer = t.ja() + "を" + n + t.counter() + "買いました。";
            }
        }
        return QA_JA_DESCRIPTION + "文章：" + story + "\n質問：" + q + "\n答え：" + answer;
    }
}
