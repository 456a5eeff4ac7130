package dev.kumiki.eval.tasks;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import dev.kumiki.eval.tasks.Vocabulary.Day;
import dev.kumiki.eval.tasks.Vocabulary.Person;
import dev.kumiki.eval.tasks.Vocabulary.Place;
import dev.kumiki.eval.tasks.Vocabulary.Thing;

/**
 * Short shopping stories, in parallel English and Japanese, for two tasks: reading-comprehension questions with
 * Japanese sentence answers ({@code qa_ja}, scored with the Kuromoji metrics) and held-out text for perplexity
 * ({@code ppl_ja}, {@code ppl_en}). The question-answering split is by place: the two places in
 * {@link #TEST_PLACES} appear only in test stories.
 */
final class Stories {

    static final Set<String> TEST_PLACES = Set.of("朝市", "学校の購買");
    static final int QA_TRAIN = 160;
    static final int QA_TEST = 80;
    static final int PPL_DOCS = 40;

    private record Story(Person a, Person b, Place place, Day day, Thing thing, int n, int price, int given) {
    }

    private Stories() {
    }

    private static Story story(Random r, List<Place> places) {
        Person[] p = Vocabulary.pair(r);
        Place place = Vocabulary.pick(r, places);
        Day day = Vocabulary.pick(r, Vocabulary.DAYS);
        Thing thing = Vocabulary.pick(r, Vocabulary.THINGS);
        int n = Vocabulary.between(r, 2, 9);
        int price = Vocabulary.stepBetween(r, 20, 200, 10);
        int given = Vocabulary.between(r, 1, n - 1);
        return new Story(p[0], p[1], place, day, thing, n, price, given);
    }

    private static String storyJa(Story s) {
        return s.a().ja() + "さんは" + s.day().ja() + "に、" + s.b().ja() + "さんと" + s.place().ja() + "へ行きました。そこで"
                + s.thing().ja() + "を" + s.n() + s.thing().counter() + "買いました。";
    }

    /** Question-answer rows: a two-sentence story, a question about it, and a short Japanese sentence answer. */
    static List<Map<String, Object>> qaRows(String split, long seed) {
        boolean test = split.equals("test");
        List<Place> places = Vocabulary.PLACES.stream().filter(p -> TEST_PLACES.contains(p.ja()) == test).toList();
        Random r = new Random(seed ^ (test ? 0x71612D74L : 0x71612D72L));
        int wanted = test ? QA_TEST : QA_TRAIN;
        List<Map<String, Object>> rows = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        while (rows.size() < wanted) {
            Story s = story(r, places);
            int kind = r.nextInt(4);
            String a = s.a().ja();
            String question;
            String answer;
            String type;
            switch (kind) {
                case 0 -> {
                    type = "where";
                    question = a + "さんはどこへ行きましたか。";
                    answer = s.place().ja() + "へ行きました。";
                }
                case 1 -> {
                    type = "who";
                    question = a + "さんはだれと行きましたか。";
                    answer = s.b().ja() + "さんと行きました。";
                }
                case 2 -> {
                    type = "when";
                    question = a + "さんはいつ" + s.place().ja() + "へ行きましたか。";
                    answer = s.day().ja() + "に行きました。";
                }
                default -> {
                    type = "what";
                    question = a + "さんは" + s.place().ja() + "で何を買いましたか。";
                    answer = s.thing().ja() + "を" + s.n() + s.thing().counter() + "買いました。";
                }
            }
            String text = storyJa(s);
            if (!seen.add(text + question)) {
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", "qa-" + split + "-" + ArithmeticProblems.pad3(rows.size()));
            row.put("type", type);
            row.put("story", text);
            row.put("question", question);
            row.put("answer", answer);
            rows.add(row);
        }
        return rows;
    }

    /** Perplexity documents: six-sentence stories, the same stories in both languages. */
    static List<Map<String, Object>> pplRows(boolean japanese, long seed) {
        Random r = new Random(seed ^ 0x70706CL);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < PPL_DOCS; i++) {
            Story s = story(r, Vocabulary.PLACES);
            Thing t = s.thing();
            String c = t.counter();
            int total = s.n() * s.price();
            int left = s.n() - s.given();
            String text;
            if (japanese) {
                text = storyJa(s) + t.ja() + "は1" + c + s.price() + "円でした。全部で" + total + "円払いました。帰り道で、"
                        + s.b().ja() + "さんに" + t.ja() + "を" + s.given() + c + "あげました。家に着いたとき、" + t.ja() + "は"
                        + left + c + "残っていました。";
            } else {
                String a = s.a().en();
                text = "On " + s.day().en() + ", " + a + " went to " + s.place().en() + " with " + s.b().en()
                        + ". There " + a + " bought " + s.n() + " " + t.en() + ". Each one cost " + s.price()
                        + " yen. " + a + " paid " + total + " yen in all. On the way home, " + a + " gave "
                        + s.given() + " of them to " + s.b().en() + ". When " + a + " got home, " + a + " had " + left + " of them left.";
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", "story-" + ArithmeticProblems.pad3(i));
            row.put("text", text);
            rows.add(row);
        }
        return rows;
    }
}
