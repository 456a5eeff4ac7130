package dev.kumiki.train.data;

import dev.kumiki.llm.Tokenizer;
import dev.kumiki.llm.Tokenizer.ChatMessage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns examples into training sequences with the model's tokenizer: which tokens are trained (the loss mask),
 * truncation to {@code cutoffLength}, and packing.
 *
 * <p>{@snippet :
 * Tokenization tokenization = Tokenization.of(tokenizer, 512, true);
 * TokenizedDataset train = tokenization.tokenize(split.train(), "data/ja.jsonl (train split)");
 * }
 *
 * <p>What is trained, by format (the loss of predicting a token from the tokens before it counts where its flag is
 * set; the first token of a sequence is never trained, nothing predicts it):
 * <ul>
 * <li>{@code text}: every token: the beginning-of-sequence token if the tokenizer's post-processor adds one (Llama;
 * Qwen adds none), the text's tokens, and the end-of-sequence token appended, so that the model learns where a
 * document ends.</li>
 * <li>{@code prompt}/{@code completion}: only the completion's tokens and the end-of-sequence token, as TRL's
 * completion-only loss. The prompt and the completion are encoded separately and concatenated (as LLaMA-Factory
 * does), so the trained tokens are exactly the completion's and the prompt's tokens are those a generation from the
 * prompt starts with; encoding {@code prompt + completion} at once could merge the two across the boundary.</li>
 * <li>{@code messages}: the conversation is rendered with the tokenizer's chat template (as
 * {@code apply_chat_template(messages, tokenize=False)}), and only the assistant turns are trained, including what the
 * template puts around an answer up to the start of the next message (Qwen's {@code <|im_end|>\n}, so the model learns
 * to stop). Assistant turns are found by rendering prefixes, as TRL and LLaMA-Factory do: an assistant message
 * {@code i} starts where {@code render(messages[0:i], add_generation_prompt=True)} ends, and ends where
 * {@code render(messages[0:i+1])} ends. When the full rendering shows a turn differently from the rendering that ends
 * with it (Qwen3 writes an empty {@code <think>} block only into the last assistant turn), the turn ends after its
 * content and what the template writes after the content. The pieces between the boundaries are encoded separately
 * (without special tokens: the template writes them) and concatenated.</li>
 * </ul>
 *
 * <p>Without packing, a sequence longer than {@code cutoffLength} is cut at that length (counted in
 * {@link Result#truncated()}); a sequence with no trained token left after the cut (a prompt as long as the cutoff) is
 * dropped (counted in {@link Result#dropped()}). With packing, the sequences are concatenated in order and cut into
 * blocks of {@code cutoffLength} tokens (the last block may be shorter), as Hugging Face's {@code group_texts} and
 * LLaMA-Factory's pre-training packing do, except that the remainder is kept: nothing is truncated, a long document
 * continues in the next block. The loss flags travel with their tokens; a document's first token is never trained
 * (nothing of the document before it predicts it), and neither is a block's first token; a block with no trained
 * token is left out.
 */
public final class Tokenization {

    private final Tokenizer tokenizer;
    private final int cutoffLength;
    private final boolean packing;
    private final int[] bosPrefix;

    private Tokenization(Tokenizer tokenizer, int cutoffLength, boolean packing) {
        this.tokenizer = tokenizer;
        this.cutoffLength = cutoffLength;
        this.packing = packing;
        this.bosPrefix = specialPrefix(tokenizer);
    }

    /**
     * @param tokenizer    the model's tokenizer
     * @param cutoffLength the longest sequence, in tokens (LLaMA-Factory's {@code cutoff_len}); at least 2
     * @param packing      concatenate the sequences into blocks of {@code cutoffLength} tokens
     */
    public static Tokenization of(Tokenizer tokenizer, int cutoffLength, boolean packing) {
        if (cutoffLength < 2) {
            throw new IllegalArgumentException("cutoff_len is " + cutoffLength + ": a sequence needs at least 2 tokens"
                    + " (one to predict from, one to predict)");
        }
        return new Tokenization(tokenizer, cutoffLength, packing);
    }

    /** Sequences ready to train on, and what tokenization did to them. */
    public static final class Result implements TokenizedDataset {
        private final List<TokenizedSequence> sequences;
        private final String description;
        private final int examples;
        private final int truncated;
        private final int dropped;
        private final long tokens;
        private final long trainedTokens;

        private Result(List<TokenizedSequence> sequences, String source, int examples, int truncated, int dropped,
                boolean packed, int cutoffLength) {
            this.sequences = List.copyOf(sequences);
            this.examples = examples;
            this.truncated = truncated;
            this.dropped = dropped;
            long t = 0;
            long trained = 0;
            for (TokenizedSequence s : sequences) {
                t += s.tokens().length;
                trained += s.trainedCount();
            }
            this.tokens = t;
            this.trainedTokens = trained;
            StringBuilder d = new StringBuilder(source).append(": ").append(examples)
                    .append(examples == 1 ? " example" : " examples");
            if (packed) {
                d.append(" packed into ").append(sequences.size()).append(sequences.size() == 1 ? " block" : " blocks")
                        .append(" of ").append(cutoffLength).append(" tokens");
            } else {
                d.append(", ").append(sequences.size()).append(sequences.size() == 1 ? " sequence" : " sequences")
                        .append(" of at most ").append(cutoffLength).append(" tokens");
            }
            d.append(", ").append(t).append(" tokens of which ").append(trained).append(" trained");
            if (truncated > 0) {
                d.append(", ").append(truncated).append(" cut at ").append(cutoffLength).append(" tokens");
            }
            if (dropped > 0) {
                d.append(", ").append(dropped).append(" dropped (nothing trained within ").append(cutoffLength)
                        .append(" tokens)");
            }
            this.description = d.toString();
        }

        @Override
        public int size() {
            return sequences.size();
        }

        @Override
        public TokenizedSequence get(int index) {
            return sequences.get(index);
        }

        /**
         * Where the data came from and what tokenization did, e.g. {@code data/ja.jsonl (train split): 900 examples,
         * 900 sequences of at most 512 tokens, 120345 tokens of which 60012 trained, 3 cut at 512 tokens}.
         */
        @Override
        public String description() {
            return description;
        }

        /** Number of examples tokenized. */
        public int examples() {
            return examples;
        }

        /** Number of examples cut at the cutoff length, including those then dropped (never with packing). */
        public int truncated() {
            return truncated;
        }

        /** Number of examples left out because no trained token was within the cutoff length. */
        public int dropped() {
            return dropped;
        }

        /** Number of tokens in all sequences. */
        public long tokens() {
            return tokens;
        }

        /** Number of tokens whose prediction is trained. */
        public long trainedTokens() {
            return trainedTokens;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    /**
     * Tokenizes, truncates or packs examples.
     *
     * @param source where they come from, for {@link TokenizedDataset#description()} (e.g.
     *               {@code data/ja.jsonl (train split)}); file:line in errors comes from it too
     * @throws DatasetException when the examples are conversations and the tokenizer has no chat template or its
     *         template fails on one, when the tokenizer has no end-of-sequence token for text and prompt/completion
     *         examples, or when no example has a trained token within the cutoff length
     */
    public Result tokenize(List<? extends Example> examples, String source) throws DatasetException {
        List<TokenizedSequence> whole = new ArrayList<>(examples.size());
        for (Example e : examples) {
            whole.add(tokenize(e, source));
        }
        if (packing) {
            return new Result(pack(whole, cutoffLength), source, examples.size(), 0, 0, true, cutoffLength);
        }
        List<TokenizedSequence> out = new ArrayList<>(whole.size());
        int truncated = 0;
        int dropped = 0;
        for (TokenizedSequence s : whole) {
            if (s.tokens().length > cutoffLength) {
                truncated++;
                s = new TokenizedSequence(Arrays.copyOf(s.tokens(), cutoffLength),
                        Arrays.copyOf(s.trained(), cutoffLength));
            }
            if (s.trainedCount() == 0) {
                dropped++;
            } else {
                out.add(s);
            }
        }
        if (out.isEmpty() && !examples.isEmpty()) {
            throw new DatasetException(source + ": none of its " + examples.size() + " examples has a trained token"
                    + " within the first " + cutoffLength + " tokens (the prompts are longer). Raise cutoff_len, or"
                    + " shorten the prompts.");
        }
        return new Result(out, source, examples.size(), truncated, dropped, false, cutoffLength);
    }

    /**
     * One example's whole sequence, neither truncated nor packed.
     *
     * @param source for error messages, e.g. the file name
     */
    public TokenizedSequence tokenize(Example example, String source) throws DatasetException {
        Builder b = new Builder();
        switch (example) {
            case Example.Text t -> {
                b.add(bosPrefix, true);
                b.add(tokenizer.encode(t.text(), false), true);
                b.add(eos(source, t), true);
            }
            case Example.PromptCompletion pc -> {
                b.add(bosPrefix, false);
                b.add(tokenizer.encode(pc.prompt(), false), false);
                b.add(tokenizer.encode(pc.completion(), false), true);
                b.add(eos(source, pc), true);
            }
            case Example.Conversation c -> conversation(b, c, source);
        }
        return b.build();
    }

    /**
     * Packs sequences into blocks of {@code length} tokens, the loss flags carried, each block's first one off; a
     * block with nothing trained (a last block of one token, a block inside a long prompt) is left out.
     */
    static List<TokenizedSequence> pack(List<TokenizedSequence> sequences, int length) {
        long total = 0;
        for (TokenizedSequence s : sequences) {
            total += s.tokens().length;
        }
        List<TokenizedSequence> blocks = new ArrayList<>();
        int[] tokens = new int[(int) Math.min(length, total)];
        boolean[] trained = new boolean[tokens.length];
        int filled = 0;
        long left = total;
        for (TokenizedSequence s : sequences) {
            for (int i = 0; i < s.tokens().length; i++) {
                tokens[filled] = s.tokens()[i];
                // s.trained()[0] is false, so no document's first token is trained from the one before it; a block's
                // first token has nothing before it in the block
                trained[filled] = filled > 0 && s.trained()[i];
                filled++;
                left--;
                if (filled == tokens.length) {
                    TokenizedSequence block = new TokenizedSequence(tokens, trained);
                    if (block.trainedCount() > 0) {
                        blocks.add(block);
                    }
                    tokens = new int[(int) Math.min(length, left)];
                    trained = new boolean[tokens.length];
                    filled = 0;
                }
            }
        }
        return blocks;
    }

    private int[] eos(String source, Example e) throws DatasetException {
        if (tokenizer.eosTokens().isEmpty()) {
            throw new DatasetException(source + ":" + e.line() + ": the tokenizer (" + tokenizer + ") has no"
                    + " end-of-sequence token, which ends every text and completion so that the model learns to stop."
                    + " Set eos_token in its tokenizer_config.json.");
        }
        return new int[] {tokenizer.eosTokens().getFirst()};
    }

    private void conversation(Builder b, Example.Conversation c, String source) throws DatasetException {
        List<ChatMessage> messages = c.messages();
        String where = source + ":" + c.line();
        String full = render(messages, false, where, c);
        int done = 0;
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).role().equals("assistant")) {
                continue;
            }
            String prefix = render(messages.subList(0, i), true, where, c);
            if (!full.startsWith(prefix) || prefix.length() < done) {
                throw new DatasetException(where + ": the chat template renders the conversation before"
                        + " messages[" + i + "] (the assistant's turn) differently when the conversation goes on, so"
                        + " the assistant's tokens cannot be found. Expected the rendering of messages[0:" + i
                        + "] with add_generation_prompt to begin the whole rendering, found it differs at character "
                        + commonPrefix(full, prefix) + ". Use a chat template whose turns do not depend on later"
                        + " turns, or the text or prompt_completion format.");
            }
            String upTo = render(messages.subList(0, i + 1), false, where, c);
            if (!upTo.startsWith(prefix)) {
                throw new DatasetException(where + ": the chat template's rendering of messages[0:" + (i + 1)
                        + "] does not begin with that of messages[0:" + i + "] and the generation prompt, so the"
                        + " assistant's turn messages[" + i + "] cannot be found. Use a chat template that renders"
                        + " a conversation turn by turn.");
            }
            String turn = upTo.substring(prefix.length());
            int end;
            if (full.startsWith(turn, prefix.length())) {
                end = prefix.length() + turn.length();
            } else {
                String content = messages.get(i).content();
                int at = turn.lastIndexOf(content);
                int found = content.isEmpty() ? -1 : full.indexOf(content, prefix.length());
                String tail = at < 0 ? null : turn.substring(at + content.length());
                if (at < 0 || found < 0 || !full.startsWith(tail, found + content.length())) {
                    throw new DatasetException(where + ": the chat template renders the assistant's turn"
                            + " messages[" + i + "] differently in the whole conversation than at its end, and its"
                            + " content cannot be found in the whole rendering after character " + prefix.length()
                            + ", so the assistant's tokens cannot be found. Use a chat template that renders a"
                            + " conversation turn by turn.");
                }
                end = found + content.length() + tail.length();
            }
            b.add(tokenizer.encode(full.substring(done, prefix.length()), false), false);
            b.add(tokenizer.encode(full.substring(prefix.length(), end), false), true);
            done = end;
        }
        b.add(tokenizer.encode(full.substring(done), false), false);
    }

    private String render(List<ChatMessage> messages, boolean generationPrompt, String where,
            Example.Conversation c) throws DatasetException {
        try {
            return tokenizer.applyChatTemplate(messages, generationPrompt);
        } catch (UnsupportedOperationException e) {
            throw new DatasetException(where + ": the dataset is in the messages format, which is rendered with the"
                    + " model's chat template, but " + e.getMessage() + ". Use a model with a chat template, or write"
                    + " the dataset as text or prompt/completion.");
        } catch (IllegalArgumentException e) {
            throw new DatasetException(where + ": the model's chat template refused the conversation (" + messages.size()
                    + " of its " + c.messages().size() + " messages" + (generationPrompt ? ", with the generation"
                            + " prompt" : "") + "): " + e.getMessage() + ". Fix the conversation (e.g. roles"
                    + " alternating user/assistant), or use a model whose template accepts it.");
        }
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    /** The tokens {@code encode(text, true)} puts before the text's own (Llama's BOS; nothing for Qwen). */
    private static int[] specialPrefix(Tokenizer tokenizer) {
        String probe = "a";
        int[] plain = tokenizer.encode(probe, false);
        int[] with = tokenizer.encode(probe, true);
        for (int start = 0; start + plain.length <= with.length; start++) {
            if (Arrays.equals(with, start, start + plain.length, plain, 0, plain.length)) {
                return Arrays.copyOf(with, start);
            }
        }
        return new int[0];
    }

    private static final class Builder {
        private int[] tokens = new int[64];
        private boolean[] trained = new boolean[64];
        private int size;

        void add(int[] ids, boolean train) {
            if (size + ids.length > tokens.length) {
                int capacity = Math.max(tokens.length * 2, size + ids.length);
                tokens = Arrays.copyOf(tokens, capacity);
                trained = Arrays.copyOf(trained, capacity);
            }
            for (int id : ids) {
                tokens[size] = id;
                trained[size] = train && size > 0;
                size++;
            }
        }

        TokenizedSequence build() {
            return new TokenizedSequence(Arrays.copyOf(tokens, size), Arrays.copyOf(trained, size));
        }
    }
}
