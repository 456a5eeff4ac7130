package dev.kumiki.llm.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

import dev.kumiki.llm.GenerationSettings;
import dev.kumiki.llm.LanguageModel;
import dev.kumiki.llm.Tokenizer;
import dev.kumiki.llm.tokenizer.PretrainedTokenizer;
import dev.kumiki.tensor.TensorFormatException;

/**
 * A {@link Transformer} with a {@link Tokenizer}: lm-evaluation-harness's three request types on text.
 * <p>
 * Text is encoded as lm-evaluation-harness's Hugging Face model does by default ({@code add_bos_token=False}):
 * without the tokenizer's special tokens, unless {@link #withSpecialTokens(boolean)} says otherwise (a chat or a
 * command-line generation usually wants Llama's beginning-of-sequence token). Where a sequence must start from
 * something (an empty context, the first rolling window, an empty prompt) the prefix token is the tokenizer's
 * beginning-of-sequence token, else its first end-of-sequence token, as lm-evaluation-harness's
 * {@code prefix_token_id}.
 * <p>
 * Consecutive requests that share a prefix (the choices of one multiple-choice question) reuse the KV cache of the
 * shared tokens.
 */
public final class TransformerLanguageModel implements LanguageModel {
    private final Transformer model;
    private final Tokenizer tokenizer;
    private final boolean addSpecialTokens;
    private final Set<Integer> stopTokens;
    private final Session session;
    private int[] cached = new int[0];

    private final AutoCloseable ownedTokenizer;

    private TransformerLanguageModel(Transformer model, Tokenizer tokenizer, boolean addSpecialTokens,
            AutoCloseable ownedTokenizer) {
        this.model = Objects.requireNonNull(model, "model");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.ownedTokenizer = ownedTokenizer;
        this.addSpecialTokens = addSpecialTokens;
        Set<Integer> stops = new LinkedHashSet<>(tokenizer.eosTokens());
        stops.addAll(model.config().eosTokenIds());
        this.stopTokens = Set.copyOf(stops);
        this.session = model.newSession();
    }

    /** {@code model} with {@code tokenizer}; closing the language model closes the transformer. */
    public static TransformerLanguageModel of(Transformer model, Tokenizer tokenizer) {
        return new TransformerLanguageModel(model, tokenizer, false, null);
    }

    /**
     * Opens the model folder {@code dir} with the tokenizer it holds ({@code tokenizer.json},
     * {@code tokenizer_config.json}: {@link PretrainedTokenizer}); closing the language model closes both.
     *
     * @throws TensorFormatException naming the file when the model or its tokenizer is not usable
     */
    public static TransformerLanguageModel open(Path dir, RuntimeOptions options) throws IOException {
        PretrainedTokenizer tokenizer = PretrainedTokenizer.load(dir);
        try {
            return new TransformerLanguageModel(Transformer.open(dir, options), tokenizer, false, tokenizer);
        } catch (IOException | RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    /** Opens the model folder {@code dir} (see {@link Transformer#open}) with {@code tokenizer}. */
    public static TransformerLanguageModel open(Path dir, Tokenizer tokenizer, RuntimeOptions options)
            throws IOException {
        return of(Transformer.open(dir, options), tokenizer);
    }

    /**
     * The same model encoding text with ({@code true}) or without the tokenizer's special tokens; it shares the
     * transformer (and tokenizer): close only one of the two.
     */
    public TransformerLanguageModel withSpecialTokens(boolean add) {
        return new TransformerLanguageModel(model, tokenizer, add, ownedTokenizer);
    }

    /** The transformer, for token-level work (e.g. logits of given tokens). */
    public Transformer transformer() {
        return model;
    }

    @Override
    public String name() {
        return model.name();
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public int contextLength() {
        return model.contextLength();
    }

    /** The token a sequence starts from when it has none of its own: BOS, else the first EOS, else none. */
    private OptionalInt prefixToken() {
        OptionalInt bos = tokenizer.bosToken().isPresent() ? tokenizer.bosToken()
                : model.config().bosTokenId();
        if (bos.isPresent()) {
            return bos;
        }
        List<Integer> eos = tokenizer.eosTokens().isEmpty() ? model.config().eosTokenIds() : tokenizer.eosTokens();
        return eos.isEmpty() ? OptionalInt.empty() : OptionalInt.of(eos.get(0));
    }

    @Override
    public LogLikelihood loglikelihood(String context, String continuation) {
        int[] ctx;
        int[] cont;
        if (context.isEmpty()) {
            ctx = prefix();
            cont = tokenizer.encode(continuation, addSpecialTokens);
        } else {
            // lm-evaluation-harness's _encode_pair: trailing whitespace of the context belongs to the continuation,
            // the continuation's tokens are those of the whole string after the context's own tokens
            int end = context.length();
            while (end > 0 && isSpace(context.charAt(end - 1))) {
                end--;
            }
            String c = context.substring(0, end);
            String whole = c + context.substring(end) + continuation;
            int[] wholeTokens = tokenizer.encode(whole, addSpecialTokens);
            ctx = c.isEmpty() ? prefix() : tokenizer.encode(c, addSpecialTokens);
            if (c.isEmpty()) {
                cont = wholeTokens;
            } else {
                cont = Arrays.copyOfRange(wholeTokens, Math.min(ctx.length, wholeTokens.length), wholeTokens.length);
            }
        }
        if (ctx.length + cont.length - 1 > model.contextLength()) {
            throw new ContextTooLongException("the context and continuation are " + (ctx.length + cont.length)
                    + " tokens (" + ctx.length + " + " + cont.length + "); " + model.name() + " accepts at most "
                    + (model.contextLength() + 1) + " to score (max_position_embeddings " + model.contextLength()
                    + " inputs); shorten the context or use fewer few-shot examples");
        }
        return score(ctx, cont);
    }

    private int[] prefix() {
        OptionalInt p = prefixToken();
        return p.isPresent() ? new int[] {p.getAsInt()} : new int[0];
    }

    /** Python's {@code str.isspace} for one character, near enough: Unicode whitespace and space separators. */
    private static boolean isSpace(char ch) {
        return Character.isWhitespace(ch) || Character.isSpaceChar(ch);
    }

    /**
     * The log-probability of {@code cont} after {@code ctx} and whether each of its tokens is the argmax; the input is
     * {@code (ctx + cont)[:-1]}. With no context the first continuation token cannot be predicted and is not scored.
     */
    private LogLikelihood score(int[] ctx, int[] cont) {
        if (cont.length == 0) {
            return new LogLikelihood(0, true, 0);
        }
        int[] all = new int[ctx.length + cont.length];
        System.arraycopy(ctx, 0, all, 0, ctx.length);
        System.arraycopy(cont, 0, all, ctx.length, cont.length);
        int firstScored = Math.max(ctx.length, 1);
        if (firstScored >= all.length) {
            return new LogLikelihood(0, true, 0);
        }
        int[] input = Arrays.copyOf(all, all.length - 1);
        double[] logprob = {0};
        boolean[] greedy = {true};
        run(input, firstScored - 1, (i, logits, off) -> {
            int target = all[i + 1];
            logprob[0] += logSoftmax(logits, off, model.vocabularySize(), target);
            if (Sampler.argmax(logits, off, model.vocabularySize()) != target) {
                greedy[0] = false;
            }
        });
        return new LogLikelihood(logprob[0], greedy[0], all.length - firstScored);
    }

    /**
     * Runs {@code input} through the session, reusing the cached tokens it shares with the previous input (but never
     * the position {@code logitsFrom}, whose logits are needed).
     */
    private void run(int[] input, int logitsFrom, Session.LogitsSink sink) {
        int max = Math.min(Math.min(cached.length, session.length()), logitsFrom);
        int shared = 0;
        while (shared < max && cached[shared] == input[shared]) {
            shared++;
        }
        int common = shared;
        session.truncate(common);
        cached = Arrays.copyOf(cached, common);
        session.append(Arrays.copyOfRange(input, common, input.length), logitsFrom - common,
                (i, logits, off) -> sink.accept(i + common, logits, off));
        cached = input.clone();
    }

    private static double logSoftmax(float[] logits, int off, int n, int target) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        return logits[off + target] - max - Math.log(sum);
    }

    @Override
    public RollingLogLikelihood loglikelihoodRolling(String text) {
        int[] tokens = tokenizer.encode(text, addSpecialTokens);
        if (tokens.length == 0) {
            return new RollingLogLikelihood(0, 0);
        }
        double total = 0;
        int scored = 0;
        for (int[][] w : rollingWindows(tokens, prefixToken(), model.contextLength())) {
            LogLikelihood l = score(w[0], w[1]);
            total += l.logprob();
            scored += l.tokens();
        }
        return new RollingLogLikelihood(total, scored);
    }

    /**
     * lm-evaluation-harness's {@code get_rolling_token_windows(tokens, prefix, max_seq_len, context_len=1)} made
     * disjoint ({@code make_disjoint_window}): pairs of (context, continuation) such that every token is predicted
     * exactly once, each window at most {@code maxLength} inputs, later windows conditioned on as many preceding
     * tokens as fit. Without a prefix token the first window's context is empty.
     */
    static List<int[][]> rollingWindows(int[] tokens, OptionalInt prefix, int maxLength) {
        List<int[][]> windows = new ArrayList<>();
        int n = tokens.length;
        int first = Math.min(maxLength, n);
        windows.add(new int[][] {prefix.isPresent() ? new int[] {prefix.getAsInt()} : new int[0],
                Arrays.copyOf(tokens, first)});
        int predicted = first;
        while (predicted < n) {
            int length = Math.min(n - predicted, maxLength);
            int end = predicted + length;
            // context tokens[end - maxLength - 1, end - 1) minus the part that overlaps the continuation
            int ctxFrom = end - maxLength - 1;
            int ctxTo = end - 1 - (length - 1);
            windows.add(new int[][] {Arrays.copyOfRange(tokens, ctxFrom, ctxTo),
                    Arrays.copyOfRange(tokens, end - length, end)});
            predicted += length;
        }
        return windows;
    }

    @Override
    public Generation generate(String prompt, GenerationSettings settings, TokenListener listener) {
        int[] tokens = tokenizer.encode(prompt, addSpecialTokens);
        if (tokens.length == 0) {
            tokens = prefix();
            if (tokens.length == 0) {
                throw new IllegalArgumentException("the prompt is empty and the tokenizer has no beginning- or "
                        + "end-of-sequence token to start from");
            }
        }
        if (tokens.length > model.contextLength()) {
            throw new ContextTooLongException("the prompt is " + tokens.length + " tokens; " + model.name()
                    + " accepts at most " + model.contextLength() + " (max_position_embeddings); shorten the prompt");
        }
        StopStrings stops = new StopStrings(tokenizer, settings.stop(), listener);
        session.truncate(commonPrefix(tokens));
        cached = new int[0];
        int[] count = {0};
        StopReason reason = Generator.generate(session, tokens, settings, stopTokens, t -> {
            count[0]++;
            return stops.add(t);
        });
        // the generated tokens are in the cache too; what it holds is no longer a known prefix of anything
        cached = new int[0];
        session.reset();
        return new Generation(stops.finish(), tokens.length, count[0], reason);
    }

    private int commonPrefix(int[] tokens) {
        int common = 0;
        int max = Math.min(Math.min(cached.length, session.length()), tokens.length - 1);
        while (common < max && cached[common] == tokens[common]) {
            common++;
        }
        return common;
    }

    /**
     * Decodes generated tokens as they come, finds the first stop string, and streams the text that can no longer
     * turn out to be part of a stop string (nor an incomplete UTF-8 sequence, decoded as U+FFFD).
     */
    static final class StopStrings {
        private final Tokenizer tokenizer;
        private final List<String> stops;
        private final TokenListener listener;
        private int[] tokens = new int[16];
        private int count;
        private String text = "";
        private int emitted;
        private int cut = -1;
        private final StringBuilder committed = new StringBuilder();
        private int prefixOffset;
        private int readOffset;

        StopStrings(Tokenizer tokenizer, List<String> stops, TokenListener listener) {
            this.tokenizer = tokenizer;
            this.stops = stops;
            this.listener = listener;
        }

        /** Adds a token; false once a stop string has appeared. */
        boolean add(int token) {
            if (count == tokens.length) {
                tokens = Arrays.copyOf(tokens, count * 2);
            }
            tokens[count++] = token;
            text = decodeIncrementally();
            int first = -1;
            for (String s : stops) {
                int at = text.indexOf(s);
                if (at >= 0 && (first < 0 || at < first)) {
                    first = at;
                }
            }
            if (first >= 0) {
                cut = first;
                emit(first);
                return false;
            }
            // an incomplete UTF-8 sequence at the end decodes as U+FFFD and may still become a character (and that
            // character part of a stop string): only the text before it is decided
            int decided = text.length();
            while (decided > emitted && text.charAt(decided - 1) == '\uFFFD') {
                decided--;
            }
            emit(decided - heldBack(text.substring(0, decided)));
            return true;
        }

        /**
         * The text of all tokens so far, decoding only the newest ones (as vLLM detokenizes incrementally): the text
         * of {@code tokens[prefixOffset, count)} minus that of {@code tokens[prefixOffset, readOffset)} is what the
         * new tokens add. The tokens before serve as context, so that a decoder that drops the leading space of a
         * sequence's first token (SentencePiece) drops it there, not in the new text. Decoding everything each time
         * would cost the square of the generation's length.
         */
        private String decodeIncrementally() {
            String before = tokenizer.decode(Arrays.copyOfRange(tokens, prefixOffset, readOffset), true);
            String now = tokenizer.decode(Arrays.copyOfRange(tokens, prefixOffset, count), true);
            if (!now.startsWith(before)) {
                // the new token changed text decoded before (rare): decode everything once, keep a little context
                committed.setLength(0);
                committed.append(tokenizer.decode(Arrays.copyOf(tokens, count), true));
                prefixOffset = Math.max(0, count - 4);
                readOffset = count;
                return committed.toString();
            }
            String added = now.substring(before.length());
            if (!added.isEmpty() && !added.endsWith("\uFFFD")) {
                committed.append(added);
                prefixOffset = readOffset;
                readOffset = count;
                return committed.toString();
            }
            // nothing yet, or an incomplete UTF-8 sequence at the end: keep decoding these tokens with the next
            return committed + added;
        }

        /** The longest end of {@code s} that begins a stop string (and may still grow into it). */
        private int heldBack(String s) {
            int held = 0;
            for (String stop : stops) {
                for (int k = Math.min(stop.length() - 1, s.length()); k > held; k--) {
                    if (s.regionMatches(s.length() - k, stop, 0, k)) {
                        held = k;
                        break;
                    }
                }
            }
            return held;
        }

        private void emit(int upTo) {
            if (upTo > emitted && listener != null) {
                listener.onText(text.substring(emitted, upTo));
            }
            emitted = Math.max(emitted, upTo);
        }

        /** The generated text, cut before the first stop string; streams what was held back. */
        String finish() {
            String result = cut >= 0 ? text.substring(0, cut) : text;
            emit(result.length());
            return result;
        }
    }

    /** Closes the transformer (its weights and threads), and the tokenizer when {@link #open(Path, RuntimeOptions)}
     * loaded it. */
    @Override
    public void close() {
        model.close();
        if (ownedTokenizer != null) {
            try {
                ownedTokenizer.close();
            } catch (Exception e) {
                // releasing the native tokenizer cannot fail in a way the caller could act on
            }
        }
    }
}
