package dev.kumiki.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** ROUGE-L and token F1 over Kuromoji morphemes, against hand-listed morphemes and a MeCab-based reference. */
class KuromojiMetricsTest {

    private final RougeL rougeL = new RougeL();
    private final TokenF1 tokenF1 = new TokenF1();

    /** Sentences in the style of the shipped tasks and of free answers, with mixed scripts and punctuation. */
    static final List<String> SENTENCES = List.of(
            "太郎は東京都に住んでいます。",
            "東京に住んでいます",
            "すもももももももものうち",
            "由美さんは駅前のスーパーへ行きました。",
            "駅前のスーパーへ行きました。",
            "スーパーに行きました",
            "木曜日に行きました。",
            "日曜日に行ったと思います。",
            "大輔さんと行きました。",
            "大輔さんといっしょに行きました！",
            "ノートを4冊買いました。",
            "ノートを４冊買った。",
            "りんごを3個買いました。そのあと、みかんも買いました。",
            "答えは12です。",
            "彼はAIと機械学習の研究をしています。",
            "ｶﾀｶﾅとﾃｽﾄのデータ",
            "「こんにちは」と言いました。",
            "Pythonで計算します。");

    @Test
    void morphemesAsListedByHand() {
        assertEquals(List.of("太郎", "は", "東京", "都", "に", "住ん", "で", "い", "ます", "。"),
                RougeL.tokens("太郎は東京都に住んでいます。"));
        assertEquals(List.of("すもも", "も", "もも", "も", "もも", "の", "うち"), RougeL.tokens("すもももももももものうち"));
        assertEquals(List.of("ノート", "を", "4", "冊", "買い", "まし", "た", "。"), RougeL.tokens("ノートを４冊買いました。"));
        // token F1 drops punctuation and lower-cases (after NFKC)
        assertEquals(List.of("ai", "と", "機械", "学習"), TokenF1.tokens("ＡＩと機械学習。"));
    }

    @Test
    void handComputedScores() {
        // prediction 東京 都 に 住ん で い ます 。 (8), reference 東京 に 住ん で い ます (6): LCS 6
        // P = 6/8, R = 1, F = 2 * 0.75 / 1.75 = 6/7
        assertEquals(6.0 / 7.0, rougeL.score("東京都に住んでいます。", "東京に住んでいます"), 1e-15);
        // token F1 without 。: 7 vs 6 tokens, 6 shared: P = 6/7, R = 1, F1 = 12/13
        assertEquals(12.0 / 13.0, tokenF1.score("東京都に住んでいます。", "東京に住んでいます"), 1e-15);
        // order matters for ROUGE-L, not for token F1: 行き まし た 駅前 へ ... reversed clauses
        // 駅前 の スーパー へ 行き まし た 。 (8) vs 行き まし た 、 駅前 の スーパー へ (8): LCS 4 (駅前 の スーパー へ)
        assertEquals(0.5, rougeL.score("駅前のスーパーへ行きました。", "行きました、駅前のスーパーへ"), 1e-15);
        assertEquals(1.0, tokenF1.score("駅前のスーパーへ行きました。", "行きました、駅前のスーパーへ"), 1e-15);
        // empty sides: ROUGE-L 0; SQuAD's F1 is 1 when both have no tokens, else 0
        assertEquals(0.0, rougeL.score("", "東京"));
        assertEquals(1.0, tokenF1.score("。", "、"));
        assertEquals(0.0, tokenF1.score("", "東京"));
        assertEquals(0.0, tokenF1.score("大阪", "東京"));
    }

    @Test
    void agreesWithMecabReference(@TempDir Path work) throws Exception {
        assumeTrue(PythonReference.hasMecab(), "Debian's mecab and mecab-ipadic-utf8 are needed (./run-tests installs them)");
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i < SENTENCES.size(); i++) {
            for (int j = 0; j < SENTENCES.size(); j += 3) {
                pairs.add(new String[] {SENTENCES.get(i), SENTENCES.get(j)});
            }
        }
        JsonNode ref = PythonReference.run(work, pairs, SENTENCES);
        // the same dictionary (IPADIC 2.7.0-20070801) segments these sentences the same way in both analysers
        for (int i = 0; i < SENTENCES.size(); i++) {
            String s = SENTENCES.get(i);
            assertEquals(strings(ref.get("rouge_tokens").get(i)), RougeL.tokens(s), "ROUGE-L morphemes of " + s);
            assertEquals(strings(ref.get("f1_tokens").get(i)), TokenF1.tokens(s), "token F1 morphemes of " + s);
        }
        for (int i = 0; i < pairs.size(); i++) {
            String[] p = pairs.get(i);
            assertEquals(ref.get("rouge_l").get(i).asDouble(), rougeL.score(p[0], p[1]), 1e-12,
                    "rouge_l(" + p[0] + ", " + p[1] + ")");
            assertEquals(ref.get("token_f1").get(i).asDouble(), tokenF1.score(p[0], p[1]), 1e-12,
                    "token_f1(" + p[0] + ", " + p[1] + ")");
        }
    }

    @Test
    void oneSharedTokenizerGivesTheSameMorphemesFromManyThreads() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            texts.addAll(SENTENCES);
        }
        List<List<String>> sequential = texts.stream().map(JapaneseMorphemes::surfaces).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (String t : texts) {
                futures.add(pool.submit(() -> JapaneseMorphemes.surfaces(t)));
            }
            for (int i = 0; i < texts.size(); i++) {
                assertEquals(sequential.get(i), futures.get(i).get(), texts.get(i));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
