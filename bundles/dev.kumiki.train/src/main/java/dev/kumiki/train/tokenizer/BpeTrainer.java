package dev.kumiki.train.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Trains a byte-level BPE tokenizer on a corpus, for models trained from scratch, and writes it as Hugging Face's
 * {@code tokenizer.json} and {@code tokenizer_config.json}, which {@code transformers}' {@code AutoTokenizer}, the Rust
 * {@code tokenizers} library and Kumiki's runtime ({@code PretrainedTokenizer}) read.
 *
 * <p>{@snippet :
 * BpeTrainer.Trained tokenizer = BpeTrainer.of(4096).train(texts);
 * tokenizer.writeTo(modelFolder);   // tokenizer.json, tokenizer_config.json
 * }
 *
 * <p>The tokenizer, as written:
 * <ul>
 * <li><b>Special tokens</b> (ids 0–3, never split, left out by {@code decode(…, skip_special_tokens=True)}):
 * {@value #END_OF_TEXT} (0, end of sequence and padding, as GPT-2's), {@value #BEGIN_OF_TEXT} (1, beginning of
 * sequence), {@value #IM_START} and {@value #IM_END} (2 and 3, the ChatML turn markers of the chat template, as
 * Qwen's).</li>
 * <li><b>No normalizer</b>: the text's bytes are kept as they are, so {@code decode(encode(x)) == x} for any text.</li>
 * <li><b>Pre-tokenizer</b>: a {@code Split} by {@link #SPLIT_REGEX} (behaviour {@code Isolated}), then
 * {@code ByteLevel} without its own regex (GPT-2's map of the 256 bytes to printable characters), as Qwen2 and Llama
 * 3 do. The regex is GPT-2's with two changes for Japanese: runs of kanji, of hiragana and of katakana (with the long
 * vowel mark ー) are pieces of their own, so that a merge never joins a kanji stem to the kana after it (常用漢字 and
 * okurigana, particles and the words they follow are learned separately, as a Japanese reader segments them), and
 * other letters exclude these scripts; digits are single pieces (as Qwen's and Llama's, good for arithmetic).</li>
 * <li><b>Model</b>: BPE over bytes (ids 4–259 are the 256 bytes in byte order, so every text can be encoded: there is
 * no unknown token), then the merges in the order learned; {@code byte_fallback} off.</li>
 * <li><b>Post-processor</b>: {@code TemplateProcessing} that puts {@value #BEGIN_OF_TEXT} before a sequence (as
 * Llama's), so that {@code encode(text, add_special_tokens=True)} starts with it and the first real token is
 * trained too.</li>
 * <li><b>Decoder</b>: {@code ByteLevel}.</li>
 * <li>{@code tokenizer_config.json}: {@code bos_token}, {@code eos_token} and {@code pad_token} as above,
 * {@code model_max_length}, {@code clean_up_tokenization_spaces: false}, and a ChatML chat template
 * ({@link #CHAT_TEMPLATE}) that starts with the beginning-of-sequence token, so that MESSAGES datasets work with
 * models trained from scratch. A model that chats should stop generating at {@value #IM_END} too: list both
 * end-of-turn ids (0 and 3) in {@code generation_config.json}'s {@code eos_token_id}, as Qwen does.</li>
 * </ul>
 *
 * <p>Training is the classic algorithm (Sennrich et al. 2016, as Hugging Face's {@code BpeTrainer}): the corpus is
 * cut at special tokens, pre-tokenized, and its pieces counted; then, until the vocabulary has its size, the most
 * frequent adjacent pair of symbols (counted over the pieces, weighted by their counts) is merged into a new symbol.
 * Ties go to the pair whose left, then right symbol id is smaller (byte order for bytes, learning order for merged
 * symbols), so a corpus and a size give the same tokenizer, byte for byte, on every machine. Pairs seen fewer than
 * {@code minFrequency} times are not merged: a small corpus may give a smaller vocabulary than asked for (see
 * {@link Trained#vocabularySize()}).
 */
public final class BpeTrainer {

    /** End of sequence and padding (id 0). */
    public static final String END_OF_TEXT = "<|endoftext|>";
    /** Beginning of sequence (id 1), added by the post-processor. */
    public static final String BEGIN_OF_TEXT = "<|begin_of_text|>";
    /** Start of a chat turn (id 2). */
    public static final String IM_START = "<|im_start|>";
    /** End of a chat turn (id 3). */
    public static final String IM_END = "<|im_end|>";
    /** The special tokens, by id. */
    public static final List<String> SPECIAL_TOKENS = List.of(END_OF_TEXT, BEGIN_OF_TEXT, IM_START, IM_END);

    /** The smallest vocabulary: the special tokens and the 256 bytes. */
    public static final int MIN_VOCABULARY_SIZE = 4 + 256;

    /**
     * The pre-tokenizer's split regex, in the syntax of the Rust library's regex engine (Oniguruma): contractions,
     * runs of kanji, hiragana, katakana, other letters, single digits, punctuation and symbols (with the line breaks
     * that follow them), line breaks with the spaces before them, and spaces — a space before a word, a digit or a
     * run of symbols goes with it.
     */
    public static final String SPLIT_REGEX = "'s|'t|'re|'ve|'m|'ll|'d"
            + "| ?\\p{Han}+| ?\\p{Hiragana}+| ?[\\p{Katakana}ー]+"
            + "| ?(?:(?![\\p{Han}\\p{Hiragana}\\p{Katakana}ー])\\p{L})+"
            + "| ?\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** The chat template written to {@code tokenizer_config.json} (ChatML, as Qwen's, after the BOS token). */
    public static final String CHAT_TEMPLATE = "{{ bos_token }}{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** {@link #SPLIT_REGEX} for {@code java.util.regex} (scripts are written {@code IsHan} there). */
    static final Pattern SPLIT = Pattern.compile(javaRegex(SPLIT_REGEX), Pattern.UNICODE_CHARACTER_CLASS);

    private static final Pattern SPECIALS = Pattern.compile(
            String.join("|", SPECIAL_TOKENS.stream().map(Pattern::quote).toList()));

    /** GPT-2's map of bytes to printable characters. */
    static final char[] BYTE_CHARS = byteChars();

    private final int vocabularySize;
    private final int minFrequency;
    private final int modelMaxLength;

    private BpeTrainer(int vocabularySize, int minFrequency, int modelMaxLength) {
        this.vocabularySize = vocabularySize;
        this.minFrequency = minFrequency;
        this.modelMaxLength = modelMaxLength;
    }

    /**
     * A trainer for a vocabulary of {@code vocabularySize} tokens (special tokens, bytes and merges), merging pairs
     * seen at least twice, for models of 2048 tokens of context.
     *
     * @throws IllegalArgumentException when the size is below {@value #MIN_VOCABULARY_SIZE}
     */
    public static BpeTrainer of(int vocabularySize) {
        if (vocabularySize < MIN_VOCABULARY_SIZE) {
            throw new IllegalArgumentException("a byte-level BPE vocabulary needs at least " + MIN_VOCABULARY_SIZE
                    + " tokens (4 special tokens and the 256 bytes), found " + vocabularySize + ": raise the size");
        }
        return new BpeTrainer(vocabularySize, 2, 2048);
    }

    /** The same trainer, merging only pairs seen at least {@code count} times (at least 1). */
    public BpeTrainer optMinFrequency(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("min frequency must be at least 1, found " + count);
        }
        return new BpeTrainer(vocabularySize, count, modelMaxLength);
    }

    /** The same trainer, writing {@code model_max_length} = {@code tokens} (the model's context length). */
    public BpeTrainer optModelMaxLength(int tokens) {
        if (tokens < 1) {
            throw new IllegalArgumentException("model_max_length must be at least 1, found " + tokens);
        }
        return new BpeTrainer(vocabularySize, minFrequency, tokens);
    }

    /** A trained tokenizer: the two files' text. */
    public record Trained(String tokenizerJson, String tokenizerConfigJson, int vocabularySize, int merges) {

        /** {@code tokenizer.json}. */
        public static final String TOKENIZER_FILE = "tokenizer.json";
        /** {@code tokenizer_config.json}. */
        public static final String TOKENIZER_CONFIG_FILE = "tokenizer_config.json";

        /**
         * Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code folder} (created if missing),
         * replacing files of these names: each is written under a temporary name in the folder and renamed over its
         * name, so a reader never finds a half-written file. To write a whole model folder at once, write into
         * {@code dev.kumiki.tensor.io.OutputFolder}'s staging folder.
         */
        public void writeTo(Path folder) throws IOException {
            Files.createDirectories(folder);
            Path json = write(folder, TOKENIZER_FILE, tokenizerJson);
            Path config;
            try {
                config = write(folder, TOKENIZER_CONFIG_FILE, tokenizerConfigJson);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(json);
                throw e;
            }
            move(json, folder.resolve(TOKENIZER_FILE));
            move(config, folder.resolve(TOKENIZER_CONFIG_FILE));
        }

        private static Path write(Path folder, String name, String text) throws IOException {
            Path temp = Files.createTempFile(folder, "." + name + ".", ".tmp");
            try {
                Files.writeString(temp, text, StandardCharsets.UTF_8);
                return temp;
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(temp);
                throw e;
            }
        }

        private static void move(Path from, Path to) throws IOException {
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * Trains on {@code texts} (e.g. the training split's texts; each is cut at special tokens written in it).
     *
     * @throws IllegalArgumentException when there is no text at all
     */
    public Trained train(Iterable<String> texts) {
        // piece (as bytes in a Latin-1 string, so the map's keys sort in byte order) → count
        Map<String, Long> pieces = new HashMap<>();
        long characters = 0;
        for (String text : texts) {
            characters += text.length();
            for (String part : SPECIALS.split(text)) {
                Matcher m = SPLIT.matcher(part);
                while (m.find()) {
                    if (m.end() > m.start()) {
                        String bytes = new String(m.group().getBytes(StandardCharsets.UTF_8),
                                StandardCharsets.ISO_8859_1);
                        pieces.merge(bytes, 1L, Long::sum);
                    }
                }
            }
        }
        if (characters == 0) {
            throw new IllegalArgumentException("the corpus to train the tokenizer on has no text");
        }
        List<int[]> merges = learn(new TreeMap<>(pieces));
        List<String> symbols = symbols(merges);
        int size = MIN_VOCABULARY_SIZE + (int) symbols.stream().skip(256).distinct().count();
        return new Trained(tokenizerJson(merges, symbols), tokenizerConfigJson(), size, merges.size());
    }

    // ---- learning the merges

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** The merges, as pairs of symbol ids (bytes 0–255, merged symbols from 256 on in learning order). */
    private List<int[]> learn(TreeMap<String, Long> pieces) {
        int n = pieces.size();
        int[][] words = new int[n][];
        long[] counts = new long[n];
        int w = 0;
        for (Map.Entry<String, Long> e : pieces.entrySet()) {
            String s = e.getKey();
            int[] symbols = new int[s.length()];
            for (int i = 0; i < symbols.length; i++) {
                symbols[i] = s.charAt(i);
            }
            words[w] = symbols;
            counts[w] = e.getValue();
            w++;
        }
        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, IntList> where = new HashMap<>();
        for (int i = 0; i < n; i++) {
            addPairs(words[i], counts[i], i, pairCounts, where, null);
        }
        // most frequent first; ties: smaller left id, then smaller right id. Entries go stale when a count changes
        // (a fresh entry is pushed then) and are skipped when popped
        PriorityQueue<long[]> queue = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0])
                : a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[2], b[2]));
        pairCounts.forEach((k, c) -> queue.add(new long[] {c, k >>> 32, k & 0xFFFFFFFFL}));
        List<int[]> merges = new ArrayList<>();
        int[] seen = new int[n];
        int stamp = 0;
        int wanted = vocabularySize - MIN_VOCABULARY_SIZE;
        // a merge can make a token that an earlier merge made from other parts ("x"+"aaa" and "xa"+"aa"): it takes
        // no new id, as in Hugging Face's trainer, so the vocabulary is counted by distinct token texts
        List<String> texts = symbols(List.of());
        Set<String> made = new HashSet<>();
        while (made.size() < wanted && !queue.isEmpty()) {
            long[] top = queue.poll();
            int left = (int) top[1];
            int right = (int) top[2];
            long k = key(left, right);
            long current = pairCounts.getOrDefault(k, 0L);
            if (current != top[0]) {
                continue;
            }
            if (current < minFrequency) {
                break;
            }
            int symbol = 256 + merges.size();
            merges.add(new int[] {left, right});
            texts.add(texts.get(left) + texts.get(right));
            made.add(texts.getLast());
            stamp++;
            List<Long> changed = new ArrayList<>();
            IntList occurrences = where.remove(k);
            for (int o = 0; o < occurrences.size; o++) {
                int word = occurrences.values[o];
                if (seen[word] == stamp) {
                    continue;
                }
                seen[word] = stamp;
                int[] before = words[word];
                if (!contains(before, left, right)) {
                    continue;
                }
                removePairs(before, counts[word], pairCounts, changed);
                int[] after = merge(before, left, right, symbol);
                words[word] = after;
                addPairs(after, counts[word], word, pairCounts, where, changed);
            }
            pairCounts.remove(k);
            for (long c : changed) {
                Long count = pairCounts.get(c);
                if (count != null && count > 0 && c != k) {
                    queue.add(new long[] {count, c >>> 32, c & 0xFFFFFFFFL});
                }
            }
        }
        return merges;
    }

    private static boolean contains(int[] word, int left, int right) {
        for (int i = 0; i + 1 < word.length; i++) {
            if (word[i] == left && word[i + 1] == right) {
                return true;
            }
        }
        return false;
    }

    /** Replaces each occurrence of (left, right), left to right and not overlapping, by {@code symbol}. */
    static int[] merge(int[] word, int left, int right, int symbol) {
        int[] out = new int[word.length];
        int size = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                out[size++] = symbol;
                i++;
            } else {
                out[size++] = word[i];
            }
        }
        return Arrays.copyOf(out, size);
    }

    private static void addPairs(int[] word, long count, int index, Map<Long, Long> pairCounts,
            Map<Long, IntList> where, List<Long> changed) {
        for (int i = 0; i + 1 < word.length; i++) {
            long k = key(word[i], word[i + 1]);
            pairCounts.merge(k, count, Long::sum);
            where.computeIfAbsent(k, x -> new IntList()).add(index);
            if (changed != null) {
                changed.add(k);
            }
        }
    }

    private static void removePairs(int[] word, long count, Map<Long, Long> pairCounts, List<Long> changed) {
        for (int i = 0; i + 1 < word.length; i++) {
            long k = key(word[i], word[i + 1]);
            long left = pairCounts.get(k) - count;
            if (left == 0) {
                pairCounts.remove(k);
            } else {
                pairCounts.put(k, left);
            }
            changed.add(k);
        }
    }

    private static final class IntList {
        int[] values = new int[4];
        int size;

        void add(int v) {
            if (size > 0 && values[size - 1] == v) {
                return;
            }
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }
    }

    // ---- writing the files

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The text of each symbol: the 256 bytes (as GPT-2's characters), then each merge's. */
    private static List<String> symbols(List<int[]> merges) {
        List<String> symbols = new ArrayList<>(256 + merges.size());
        for (int b = 0; b < 256; b++) {
            symbols.add(String.valueOf(BYTE_CHARS[b]));
        }
        for (int[] m : merges) {
            symbols.add(symbols.get(m[0]) + symbols.get(m[1]));
        }
        return symbols;
    }

    private static String tokenizerJson(List<int[]> merges, List<String> symbols) {
        ObjectNode root = NODES.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < SPECIAL_TOKENS.size(); id++) {
            added.addObject().put("id", id).put("content", SPECIAL_TOKENS.get(id)).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        ObjectNode split = steps.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", SPLIT_REGEX);
        split.put("behavior", "Isolated").put("invert", false);
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false)
                .put("use_regex", false);
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", BEGIN_OF_TEXT).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", BEGIN_OF_TEXT).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", BEGIN_OF_TEXT).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject(BEGIN_OF_TEXT).put("id", BEGIN_OF_TEXT);
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add(BEGIN_OF_TEXT);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = root.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < SPECIAL_TOKENS.size(); id++) {
            vocab.put(SPECIAL_TOKENS.get(id), id);
        }
        int next = SPECIAL_TOKENS.size();
        for (String symbol : symbols) {
            if (!vocab.has(symbol)) {
                vocab.put(symbol, next++);
            }
        }
        ArrayNode mergeList = model.putArray("merges");
        for (int[] m : merges) {
            // byte-level symbols never contain a space, so the "left right" form every tokenizers version reads
            // is unambiguous
            mergeList.add(symbols.get(m[0]) + " " + symbols.get(m[1]));
        }
        return write(root);
    }

    private String tokenizerConfigJson() {
        ObjectNode root = NODES.objectNode();
        ObjectNode decoder = root.putObject("added_tokens_decoder");
        for (int id = 0; id < SPECIAL_TOKENS.size(); id++) {
            decoder.putObject(String.valueOf(id)).put("content", SPECIAL_TOKENS.get(id)).put("lstrip", false)
                    .put("normalized", false).put("rstrip", false).put("single_word", false).put("special", true);
        }
        root.put("bos_token", BEGIN_OF_TEXT);
        root.put("eos_token", END_OF_TEXT);
        root.put("pad_token", END_OF_TEXT);
        root.putNull("unk_token");
        root.put("model_max_length", modelMaxLength);
        root.put("clean_up_tokenization_spaces", false);
        root.put("tokenizer_class", "PreTrainedTokenizerFast");
        root.put("chat_template", CHAT_TEMPLATE);
        return write(root);
    }

    private static String write(ObjectNode root) {
        // two-space indentation and "\n" line ends on every platform, so the files are the same bytes everywhere
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return JSON.writer(printer).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
    }

    // ---- helpers

    private static char[] byteChars() {
        // GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others are shifted past 255 in
        // byte order
        char[] chars = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            chars[b] = printable ? (char) b : (char) (256 + next++);
        }
        return chars;
    }

    /** Oniguruma's script names ({@code \p{Han}}) as {@code java.util.regex} writes them ({@code \p{IsHan}}). */
    static String javaRegex(String oniguruma) {
        return oniguruma.replace("\\p{Han}", "\\p{IsHan}").replace("\\p{Hiragana}", "\\p{IsHiragana}")
                .replace("\\p{Katakana}", "\\p{IsKatakana}");
    }
}
