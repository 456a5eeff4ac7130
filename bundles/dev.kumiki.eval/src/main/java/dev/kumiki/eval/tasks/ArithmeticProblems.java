package dev.kumiki.eval.tasks;

import static dev.kumiki.eval.tasks.Vocabulary.between;
import static dev.kumiki.eval.tasks.Vocabulary.pair;
import static dev.kumiki.eval.tasks.Vocabulary.pick;
import static dev.kumiki.eval.tasks.Vocabulary.stepBetween;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import dev.kumiki.eval.tasks.Vocabulary.Item;
import dev.kumiki.eval.tasks.Vocabulary.Person;
import dev.kumiki.eval.tasks.Vocabulary.Thing;

/**
 * Arithmetic word problems in parallel English and Japanese versions, from twelve templates (three each for
 * addition, subtraction, multiplication and two-step problems). Every problem has a one-line step-by-step solution
 * whose English version ends with {@code The answer is N.} and whose Japanese version ends with {@code 答えはNです。};
 * answers are integers computed here. Japanese counters agree with the object (りんご 個, 鉛筆 本, 切手 枚, 本 冊,
 * prices in 円). One template per operation is held out: the test split uses only those four templates and the
 * train split only the other eight, so no test item shares a template with a training (few-shot) item.
 */
final class ArithmeticProblems {

    /** Items per training template and per test template. */
    static final int TRAIN_PER_TEMPLATE = 36;
    static final int TEST_PER_TEMPLATE = 50;
    /** Items per held-out template in the validation split. */
    static final int VALIDATION_PER_TEMPLATE = 20;

    /** The held-out templates (one per operation): the test split. */
    static final Set<String> TEST_TEMPLATES = Set.of("add2", "sub3", "mul2", "two3");

    /** One generated problem. */
    record Problem(String id, String template, String operation, String questionEn, String solutionEn,
            String questionJa, String solutionJa, int answer) {
    }

    /**
     * How many things a group holds in the multiplication problems (a bag, a child's share, a box): the times
     * table's 2 to 12 in the arithmetic tasks and the base corpus, 10 to 19 in the mult tasks.
     */
    record Groups(int low, int high) {
        static final Groups TABLE = new Groups(2, 12);
        static final Groups PAST_TABLE = new Groups(10, 19);
        /** The maths fine-tune's data: both. */
        static final Groups UP_TO_19 = new Groups(2, 19);
    }

    private interface Template {
        Problem make(Random r, String id, Groups groups);
    }

    private record Named(String name, String operation, Template template) {
    }

    private static final List<Named> TEMPLATES = List.of(
            new Named("add1", "addition", (r, id, g) -> add1(r, id)),
            new Named("add2", "addition", (r, id, g) -> add2(r, id)),
            new Named("add3", "addition", (r, id, g) -> add3(r, id)),
            new Named("sub1", "subtraction", (r, id, g) -> sub1(r, id)),
            new Named("sub2", "subtraction", (r, id, g) -> sub2(r, id)),
            new Named("sub3", "subtraction", (r, id, g) -> sub3(r, id)),
            new Named("mul1", "multiplication", ArithmeticProblems::mul1),
            new Named("mul2", "multiplication", ArithmeticProblems::mul2),
            new Named("mul3", "multiplication", (r, id, g) -> mul3(r, id)),
            new Named("two1", "two-step", (r, id, g) -> two1(r, id)),
            new Named("two2", "two-step", (r, id, g) -> two2(r, id)),
            new Named("two3", "two-step", ArithmeticProblems::two3));

    private ArithmeticProblems() {
    }

    /**
     * The problems of one split ("train" or "test"), in a fixed order, from {@code seed}: the templates take turns
     * (first item of each, second of each, …), so that an evaluation limited to its first N documents covers every
     * template rather than only the first one.
     */
    static List<Problem> split(String split, long seed) {
        boolean test = split.equals("test");
        Groups groups = Groups.TABLE;
        List<List<Problem>> perTemplate = new ArrayList<>();
        for (int t = 0; t < TEMPLATES.size(); t++) {
            Named named = TEMPLATES.get(t);
            if (TEST_TEMPLATES.contains(named.name()) != test) {
                continue;
            }
            // one stream per template, so that adding a template never changes another's items
            Random r = new Random(seed * 1_000_003L + t);
            int wanted = test ? TEST_PER_TEMPLATE : TRAIN_PER_TEMPLATE;
            Set<String> seen = new HashSet<>();
            List<Problem> items = new ArrayList<>();
            while (items.size() < wanted) {
                String id = "arith-" + named.name() + "-" + pad3(items.size());
                Problem p = named.template().make(r, id, groups);
                if (seen.add(p.questionEn())) {
                    items.add(new Problem(id, named.name(), named.operation(), p.questionEn(), p.solutionEn(),
                            p.questionJa(), p.solutionJa(), p.answer()));
                }
            }
            perTemplate.add(items);
        }
        List<Problem> out = new ArrayList<>();
        int wanted = test ? TEST_PER_TEMPLATE : TRAIN_PER_TEMPLATE;
        for (int i = 0; i < wanted; i++) {
            for (List<Problem> items : perTemplate) {
                out.add(items.get(i));
            }
        }
        return out;
    }

    /**
     * Further problems from the training templates (never the held-out test templates), {@code perTemplate} of each,
     * none of whose English questions is in {@code exclude} (the tasks' own items): training data for fine-tunes
     * that the tasks' splits do not contain. Ids are {@code <prefix>-<template>-NNNN}.
     */
    static List<Problem> training(int perTemplate, long seed, Set<String> exclude, String prefix) {
        return training(perTemplate, seed, exclude, prefix, false);
    }

    /**
     * {@link #training(int, long, Set, String)}, of the held-out test templates too when {@code allTemplates}: other
     * problems of the test split's shapes, as a maths fine-tune's data (GSM8K's training split to its test split).
     */
    static List<Problem> training(int perTemplate, long seed, Set<String> exclude, String prefix,
            boolean allTemplates) {
        return training(perTemplate, seed, exclude, prefix, allTemplates, Groups.TABLE);
    }

    /** {@link #training(int, long, Set, String, boolean)} with multiplication groups of {@code groups}. */
    static List<Problem> training(int perTemplate, long seed, Set<String> exclude, String prefix,
            boolean allTemplates, Groups groups) {
        List<Problem> out = new ArrayList<>();
        for (int t = 0; t < TEMPLATES.size(); t++) {
            Named named = TEMPLATES.get(t);
            if (!allTemplates && TEST_TEMPLATES.contains(named.name())) {
                continue;
            }
            Random r = new Random(seed * 1_000_033L + t);
            Set<String> seen = new HashSet<>(exclude);
            int made = 0;
            int tries = 0;
            // some templates have fewer distinct questions than asked for: stop after enough misses
            while (made < perTemplate && tries < perTemplate * 20) {
                tries++;
                String id = prefix + "-" + named.name() + "-" + pad4(made);
                Problem p = named.template().make(r, id, groups);
                if (seen.add(p.questionEn())) {
                    out.add(new Problem(id, named.name(), named.operation(), p.questionEn(), p.solutionEn(),
                            p.questionJa(), p.solutionJa(), p.answer()));
                    made++;
                }
            }
        }
        return out;
    }

    /**
     * The validation split: other problems of the held-out test templates, {@code perTemplate} of each, none of whose
     * English questions is in {@code exclude} (the train and test splits' items and every problem of the shipped
     * training data), interleaved by template as the other splits are. It is for choosing among models — a merge
     * search's fitness, a checkpoint — as Sakana's search used GSM8K items that MGSM (its test) does not hold; ids
     * are {@code arith-val-<template>-NNNN}.
     */
    static List<Problem> validation(int perTemplate, long seed, Set<String> exclude) {
        List<List<Problem>> perTemplateItems = new ArrayList<>();
        List<Problem> all = training(perTemplate, seed, exclude, "arith-val", true);
        for (Named named : TEMPLATES) {
            if (TEST_TEMPLATES.contains(named.name())) {
                perTemplateItems.add(all.stream().filter(p -> p.template().equals(named.name())).toList());
            }
        }
        List<Problem> out = new ArrayList<>();
        for (int i = 0; i < perTemplate; i++) {
            for (List<Problem> items : perTemplateItems) {
                if (i < items.size()) {
                    out.add(items.get(i));
                }
            }
        }
        return out;
    }

    /**
     * Multiplication problems past the times table: the bags template ({@code mul1}, a training template whose
     * Japanese wording every model of the example has read) with 10 to 19 things in a bag, {@code count} of them,
     * none of whose English questions is in {@code exclude}; ids are {@code <prefix>-NNNN}. A base trained on the
     * table's 2 to 12 sets these up but has not learnt the products past 12; the maths fine-tune learns them in
     * English.
     */
    static List<Problem> pastTable(int count, long seed, Set<String> exclude, String prefix) {
        Named bags = TEMPLATES.stream().filter(t -> t.name().equals("mul1")).findFirst().orElseThrow();
        Random r = new Random(seed);
        Set<String> seen = new HashSet<>(exclude);
        List<Problem> out = new ArrayList<>();
        while (out.size() < count) {
            String id = prefix + "-" + pad4(out.size());
            Problem p = bags.template().make(r, id, Groups.PAST_TABLE);
            if (seen.add(p.questionEn())) {
                out.add(new Problem(id, bags.name(), bags.operation(), p.questionEn(), p.solutionEn(),
                        p.questionJa(), p.solutionJa(), p.answer()));
            }
        }
        return out;
    }

    static String pad4(int i) {
        String s = Integer.toString(i);
        return "0000".substring(s.length()) + s;
    }

    /** The rows of the English or Japanese dataset file. */
    static List<Map<String, Object>> rows(List<Problem> problems, boolean japanese) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Problem p : problems) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", p.id());
            row.put("template", p.template());
            row.put("operation", p.operation());
            row.put("question", japanese ? p.questionJa() : p.questionEn());
            row.put("solution", japanese ? p.solutionJa() : p.solutionEn());
            row.put("answer", p.answer());
            rows.add(row);
        }
        return rows;
    }

    static String pad3(int i) {
        String s = Integer.toString(i);
        return "000".substring(s.length()) + s;
    }

    private static String n(int v) {
        return Integer.toString(v);
    }

    private static Problem problem(String enQ, String enSteps, String jaQ, String jaSteps, int answer) {
        return new Problem(null, null, null, enQ, enSteps + " The answer is " + n(answer) + ".", jaQ,
                jaSteps + "答えは" + n(answer) + "です。", answer);
    }

    // ---- addition

    private static Problem add1(Random r, String id) {
        Person[] p = pair(r);
        Thing t = pick(r, Vocabulary.THINGS);
        int a = between(r, 2, 60);
        int b = between(r, 2, 40);
        int s = a + b;
        String c = t.counter();
        return problem(
                p[0].en() + " has " + a + " " + t.en() + ". " + p[1].en() + " gives " + p[0].en() + " " + b
                        + " more " + t.en() + ". How many " + t.en() + " does " + p[0].en() + " have now?",
                p[0].en() + " had " + a + " " + t.en() + " and got " + b + " more, so " + a + " + " + b + " = " + s
                        + ".",
                p[0].ja() + "さんは" + t.ja() + "を" + a + c + "持っています。" + p[1].ja() + "さんから" + t.ja() + "を" + b
                        + c + "もらいました。" + p[0].ja() + "さんは今、" + t.ja() + "を何" + c + "持っていますか。",
                p[0].ja() + "さんは" + t.ja() + "を" + a + c + "持っていて、" + b + c + "もらったので、" + a + " + " + b
                        + " = " + s + "です。",
                s);
    }

    private static Problem add2(Random r, String id) {
        Thing t = pick(r, Vocabulary.THINGS);
        int a = between(r, 2, 60);
        int b = between(r, 2, 60);
        int s = a + b;
        String c = t.counter();
        return problem(
                "There are " + a + " " + t.en() + " in a box and " + b + " " + t.en()
                        + " on a desk. How many " + t.en() + " are there in all?",
                "There are " + a + " in the box and " + b + " on the desk, so " + a + " + " + b + " = " + s + ".",
                "箱の中に" + t.ja() + "が" + a + c + "、机の上に" + b + c + "あります。" + t.ja() + "は全部で何" + c
                        + "ありますか。",
                "箱の中に" + a + c + "、机の上に" + b + c + "あるので、" + a + " + " + b + " = " + s + "です。",
                s);
    }

    private static Problem add3(Random r, String id) {
        Person p = pick(r, Vocabulary.PEOPLE);
        Item x = pick(r, Vocabulary.ITEMS);
        Item y = pick(r, Vocabulary.ITEMS);
        while (y == x) {
            y = pick(r, Vocabulary.ITEMS);
        }
        int a = stepBetween(r, 50, 500, 10);
        int b = stepBetween(r, 50, 500, 10);
        int s = a + b;
        return problem(
                p.en() + " buys a " + x.en() + " for " + a + " yen and a " + y.en() + " for " + b
                        + " yen. How many yen does " + p.en() + " pay in all?",
                "The " + x.en() + " costs " + a + " yen and the " + y.en() + " costs " + b + " yen, so " + a + " + "
                        + b + " = " + s + ".",
                p.ja() + "さんは" + a + "円の" + x.ja() + "と" + b + "円の" + y.ja() + "を買いました。全部で何円払いましたか。",
                x.ja() + "が" + a + "円、" + y.ja() + "が" + b + "円なので、" + a + " + " + b + " = " + s + "です。",
                s);
    }

    // ---- subtraction

    private static Problem sub1(Random r, String id) {
        Person[] p = pair(r);
        Thing t = pick(r, Vocabulary.THINGS);
        int a = between(r, 10, 80);
        int b = between(r, 1, a - 1);
        int d = a - b;
        String c = t.counter();
        return problem(
                p[0].en() + " has " + a + " " + t.en() + " and gives " + b + " of them to " + p[1].en()
                        + ". How many " + t.en() + " does " + p[0].en() + " have left?",
                p[0].en() + " had " + a + " " + t.en() + " and gave away " + b + ", so " + a + " - " + b + " = " + d
                        + ".",
                p[0].ja() + "さんは" + t.ja() + "を" + a + c + "持っています。そのうち" + b + c + "を" + p[1].ja()
                        + "さんにあげました。" + p[0].ja() + "さんの" + t.ja() + "は何" + c + "残っていますか。",
                p[0].ja() + "さんは" + a + c + "持っていて、" + b + c + "あげたので、" + a + " - " + b + " = " + d + "です。",
                d);
    }

    private static Problem sub2(Random r, String id) {
        Person p = pick(r, Vocabulary.PEOPLE);
        Item x = pick(r, Vocabulary.ITEMS);
        int a = stepBetween(r, 200, 1000, 10);
        int b = stepBetween(r, 50, a - 10, 10);
        int d = a - b;
        return problem(
                p.en() + " has " + a + " yen and buys a " + x.en() + " for " + b + " yen. How many yen does " + p.en()
                        + " have left?",
                p.en() + " had " + a + " yen and spent " + b + " yen, so " + a + " - " + b + " = " + d + ".",
                p.ja() + "さんは" + a + "円持っています。" + b + "円の" + x.ja() + "を買いました。残りは何円ですか。",
                a + "円から" + b + "円を使ったので、" + a + " - " + b + " = " + d + "です。",
                d);
    }

    private static Problem sub3(Random r, String id) {
        Person[] p = pair(r);
        Thing t = pick(r, Vocabulary.THINGS);
        int a = between(r, 10, 90);
        int b = between(r, 1, a - 1);
        int d = a - b;
        String c = t.counter();
        return problem(
                p[0].en() + " has " + a + " " + t.en() + " and " + p[1].en() + " has " + b + " " + t.en()
                        + ". How many more " + t.en() + " does " + p[0].en() + " have than " + p[1].en() + "?",
                p[0].en() + " has " + a + " and " + p[1].en() + " has " + b + ", so " + a + " - " + b + " = " + d
                        + ".",
                p[0].ja() + "さんは" + t.ja() + "を" + a + c + "、" + p[1].ja() + "さんは" + b + c + "持っています。" + p[0].ja()
                        + "さんは" + p[1].ja() + "さんより何" + c + "多く持っていますか。",
                p[0].ja() + "さんは" + a + c + "、" + p[1].ja() + "さんは" + b + c + "なので、" + a + " - " + b + " = " + d
                        + "です。",
                d);
    }

    // ---- multiplication

    private static Problem mul1(Random r, String id, Groups groups) {
        Person p = pick(r, Vocabulary.PEOPLE);
        Thing t = pick(r, Vocabulary.THINGS);
        int a = between(r, 2, 9);
        int b = between(r, groups.low(), groups.high());
        int m = a * b;
        String c = t.counter();
        return problem(
                p.en() + " buys " + a + " bags of " + t.en() + ". Each bag has " + b + " " + t.en() + ". How many "
                        + t.en() + " does " + p.en() + " buy?",
                "There are " + a + " bags with " + b + " in each, so " + a + " × " + b + " = " + m + ".",
                p.ja() + "さんは、" + t.ja() + "が" + b + c + "ずつ入った袋を" + a + "袋買いました。" + t.ja() + "は全部で何" + c
                        + "ですか。",
                b + c + "ずつ入った袋が" + a + "袋なので、" + a + " × " + b + " = " + m + "です。",
                m);
    }

    private static Problem mul2(Random r, String id, Groups groups) {
        Thing t = pick(r, Vocabulary.THINGS);
        int a = between(r, 2, 9);
        int b = between(r, groups.low(), groups.high());
        int m = a * b;
        String c = t.counter();
        return problem(
                a + " children each have " + b + " " + t.en() + ". How many " + t.en()
                        + " do the children have in all?",
                a + " children have " + b + " each, so " + a + " × " + b + " = " + m + ".",
                "子どもが" + a + "人いて、1人" + b + c + "ずつ" + t.ja() + "を持っています。" + t.ja() + "は全部で何" + c
                        + "ありますか。",
                a + "人が" + b + c + "ずつ持っているので、" + a + " × " + b + " = " + m + "です。",
                m);
    }

    private static Problem mul3(Random r, String id) {
        Person p = pick(r, Vocabulary.PEOPLE);
        Item x = pick(r, Vocabulary.ITEMS);
        int a = between(r, 2, 9);
        int b = stepBetween(r, 30, 300, 10);
        int m = a * b;
        String c = x.counter();
        return problem(
                "One " + x.en() + " costs " + b + " yen. " + p.en() + " buys " + a + " " + x.enPlural()
                        + ". How many yen does " + p.en() + " pay?",
                a + " " + x.enPlural() + " at " + b + " yen each cost " + a + " × " + b + " = " + m + ".",
                x.ja() + "は1" + c + b + "円です。" + p.ja() + "さんは" + x.ja() + "を" + a + c + "買いました。全部で何円ですか。",
                "1" + c + b + "円の" + x.ja() + "を" + a + c + "買ったので、" + a + " × " + b + " = " + m + "です。",
                m);
    }

    // ---- two steps

    private static Problem two1(Random r, String id) {
        Person[] p = pair(r);
        Thing t = pick(r, Vocabulary.THINGS);
        int a = between(r, 5, 40);
        int b = between(r, 2, 30);
        int s = a + b;
        int g = between(r, 1, s - 1);
        int d = s - g;
        String c = t.counter();
        return problem(
                p[0].en() + " has " + a + " " + t.en() + ". " + p[0].en() + " buys " + b + " more and then gives "
                        + g + " to " + p[1].en() + ". How many " + t.en() + " does " + p[0].en() + " have now?",
                "After buying, " + p[0].en() + " has " + a + " + " + b + " = " + s + ". After giving " + g + " away, "
                        + s + " - " + g + " = " + d + ".",
                p[0].ja() + "さんは" + t.ja() + "を" + a + c + "持っています。" + b + c + "買ってから、" + p[1].ja() + "さんに" + g
                        + c + "あげました。" + p[0].ja() + "さんの" + t.ja() + "は今何" + c + "ですか。",
                "買ったあとは" + a + " + " + b + " = " + s + "です。" + g + c + "あげたので、" + s + " - " + g + " = " + d
                        + "です。",
                d);
    }

    private static Problem two2(Random r, String id) {
        Person p = pick(r, Vocabulary.PEOPLE);
        Item x = pick(r, Vocabulary.ITEMS);
        int k = between(r, 2, 6);
        int price = stepBetween(r, 30, 150, 10);
        int cost = k * price;
        int a = stepBetween(r, cost + 10, cost + 500, 10);
        int d = a - cost;
        String c = x.counter();
        return problem(
                p.en() + " has " + a + " yen and buys " + k + " " + x.enPlural() + " at " + price
                        + " yen each. How many yen does " + p.en() + " have left?",
                "The " + x.enPlural() + " cost " + k + " × " + price + " = " + cost + " yen, so " + a + " - " + cost
                        + " = " + d + ".",
                p.ja() + "さんは" + a + "円持っています。1" + c + price + "円の" + x.ja() + "を" + k + c + "買いました。残りは何円ですか。",
                x.ja() + "の代金は" + k + " × " + price + " = " + cost + "円なので、" + a + " - " + cost + " = " + d + "です。",
                d);
    }

    private static Problem two3(Random r, String id, Groups groups) {
        Thing t = pick(r, Vocabulary.THINGS);
        int a = between(r, 2, 9);
        int b = between(r, groups.low(), groups.high());
        int extra = between(r, 1, 20);
        int m = a * b;
        int s = m + extra;
        String c = t.counter();
        return problem(
                "There are " + a + " boxes with " + b + " " + t.en() + " in each, and " + extra + " more " + t.en()
                        + " on a table. How many " + t.en() + " are there in all?",
                "The boxes hold " + a + " × " + b + " = " + m + ". With the ones on the table, " + m + " + " + extra
                        + " = " + s + ".",
                t.ja() + "が" + b + c + "ずつ入った箱が" + a + "箱と、机の上に" + t.ja() + "が" + extra + c + "あります。" + t.ja()
                        + "は全部で何" + c + "ありますか。",
                "箱の中は" + a + " × " + b + " = " + m + "です。机の上の分を足すと、" + m + " + " + extra + " = " + s + "です。",
                s);
    }
}
