package dev.kumiki.eval.tasks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import dev.kumiki.eval.tasks.Vocabulary.Thing;

/**
 * Multiple-choice questions on Japanese counters: which counter an object takes (choices 個, 本, 枚, 冊 with the
 * number), and how a number with its counter is read, where the sound changes (いっぽん, さんぼん, ろっぽん, いっさつ,
 * ろっこ) are what is tested and the distractors are the readings a learner would wrongly build. Numbers 7, 8 and
 * 10 are left out because more than one reading of them is accepted. The split is by object: one object per
 * counter is held out for the test split.
 */
final class CounterQuestions {

    static final List<String> COUNTERS = List.of("個", "本", "枚", "冊");
    static final int[] NUMBERS = {1, 2, 3, 4, 5, 6, 9};

    /** Objects held out for the test split, one per counter. */
    static final Set<String> TEST_THINGS = Set.of("ボール", "傘", "はがき", "辞書");

    private static final String[][] STEMS = {
        // number: correct-reading stems first, then wrong ones a learner might use
        null, {"いち", "いっ", "ひと"}, {"に", "ふた"}, {"さん", "みっ"}, {"よん", "し", "よっ"}, {"ご", "いつ"},
        {"ろく", "ろっ", "むっ"}, null, null, {"きゅう", "く", "ここの"}};

    /** The accepted reading of a number with a counter. */
    static String reading(int n, String counter) {
        return switch (counter) {
            case "本" -> switch (n) {
                case 1 -> "いっぽん";
                case 3 -> "さんぼん";
                case 6 -> "ろっぽん";
                default -> STEMS[n][0] + "ほん";
            };
            case "個" -> switch (n) {
                case 1 -> "いっこ";
                case 6 -> "ろっこ";
                default -> STEMS[n][0] + "こ";
            };
            case "冊" -> n == 1 ? "いっさつ" : STEMS[n][0] + "さつ";
            case "枚" -> STEMS[n][0] + "まい";
            default -> throw new IllegalArgumentException("no reading for counter " + counter);
        };
    }

    private static List<String> counterForms(String counter) {
        return switch (counter) {
            case "本" -> List.of("ほん", "ぼん", "ぽん");
            case "個" -> List.of("こ", "ご");
            case "冊" -> List.of("さつ", "ざつ");
            case "枚" -> List.of("まい", "ばい");
            default -> throw new IllegalArgumentException(counter);
        };
    }

    // readings some speakers accept, never offered as wrong answers
    private static final Set<String> ALSO_HEARD = Set.of("ろっさつ", "ろくこ", "ろくほん");

    private CounterQuestions() {
    }

    static List<Map<String, Object>> rows(String split, long seed) {
        boolean test = split.equals("test");
        Random r = new Random(seed ^ 0x636F756E74L);
        List<Map<String, Object>> rows = new ArrayList<>();
        int index = 0;
        for (Thing t : Vocabulary.THINGS) {
            boolean held = TEST_THINGS.contains(t.ja());
            for (int n : NUMBERS) {
                // both kinds of question for every (object, number); draw the randomness even for the other split,
                // so that each split's items do not depend on which split is asked for
                Map<String, Object> which = counterQuestion(t, n, r);
                Map<String, Object> read = readingQuestion(t, n, r);
                if (held == test) {
                    which.put("id", "counters-" + ArithmeticProblems.pad3(index++));
                    rows.add(reorder(which));
                    read.put("id", "counters-" + ArithmeticProblems.pad3(index++));
                    rows.add(reorder(read));
                }
            }
        }
        return rows;
    }

    private static Map<String, Object> counterQuestion(Thing t, int n, Random r) {
        List<String> choices = new ArrayList<>();
        for (String c : COUNTERS) {
            choices.add(n + c);
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("kind", "counter");
        row.put("question", t.ja() + "を" + n + "つ数えるとき、正しい言い方はどれですか。");
        row.put("choices", choices);
        row.put("label", COUNTERS.indexOf(t.counter()));
        return row;
    }

    private static Map<String, Object> readingQuestion(Thing t, int n, Random r) {
        String right = reading(n, t.counter());
        Set<String> wrong = new TreeSet<>();
        for (String stem : STEMS[n]) {
            for (String form : counterForms(t.counter())) {
                String candidate = stem + form;
                if (!candidate.equals(right) && !ALSO_HEARD.contains(candidate)) {
                    wrong.add(candidate);
                }
            }
        }
        List<String> pool = new ArrayList<>(wrong);
        List<String> choices = new ArrayList<>();
        choices.add(right);
        while (choices.size() < 4) {
            choices.add(pool.remove(r.nextInt(pool.size())));
        }
        // Fisher–Yates with the seeded stream (Collections.shuffle's algorithm is not specified)
        for (int i = choices.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            String tmp = choices.get(i);
            choices.set(i, choices.get(j));
            choices.set(j, tmp);
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("kind", "reading");
        row.put("question", t.ja() + "が" + n + t.counter() + "あります。「" + n + t.counter() + "」の読み方はどれですか。");
        row.put("choices", choices);
        row.put("label", choices.indexOf(right));
        return row;
    }

    private static Map<String, Object> reorder(Map<String, Object> row) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", row.get("id"));
        out.putAll(row);
        return out;
    }
}
