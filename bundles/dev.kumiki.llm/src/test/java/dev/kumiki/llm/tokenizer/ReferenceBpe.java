package dev.kumiki.llm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An independent, deliberately plain BPE encoder and decoder written from the definition of {@code tokenizer.json}
 * (Hugging Face tokenizers' documented components), to check that what DJL's native library does is what the file
 * defines. It knows only the components the test files use and refuses anything else:
 * <ul>
 * <li>added tokens, matched first on the raw text, leftmost-longest (none may be normalized or strip spaces);</li>
 * <li>normalizers NFC, NFKC, Prepend, Replace (literal), Sequence;</li>
 * <li>pre-tokenizers Split (regex, behaviour Isolated), ByteLevel (GPT-2's byte → printable character map, with or
 * without its own regex), Sequence;</li>
 * <li>the BPE model: merges by rank (lowest first, every occurrence left to right), {@code ignore_merges},
 * {@code byte_fallback} to {@code <0xXX>} tokens;</li>
 * <li>post-processor TemplateProcessing (single sequence) or ByteLevel (ids unchanged);</li>
 * <li>decoders ByteLevel, and Replace / ByteFallback / Fuse / Strip in a Sequence (SentencePiece style).</li>
 * </ul>
 * Regexes use {@code java.util.regex} with {@code UNICODE_CHARACTER_CLASS}, so {@code \s} and {@code \p{L}} are
 * Unicode classes as in the Oniguruma regexes of the Rust library.
 */
final class ReferenceBpe {

    private final JsonNode root;
    private final Map<String, Integer> vocab = new HashMap<>();
    private final Map<Integer, String> idToToken = new HashMap<>();
    private final Map<String, Integer> ranks = new HashMap<>();
    private final Map<String, Integer> added = new HashMap<>();
    private final Map<Integer, Boolean> special = new HashMap<>();
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final String unk;
    private static final Map<Integer, Character> BYTE_TO_CHAR = new HashMap<>();
    private static final Map<Character, Integer> CHAR_TO_BYTE = new HashMap<>();

    static {
        // GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the rest are shifted past 255
        List<Integer> printable = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) {
            printable.add(b);
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable.add(b);
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable.add(b);
        }
        int next = 0;
        for (int b = 0; b < 256; b++) {
            char c;
            if (printable.contains(b)) {
                c = (char) b;
            } else {
                c = (char) (256 + next++);
            }
            BYTE_TO_CHAR.put(b, c);
            CHAR_TO_BYTE.put(c, b);
        }
    }

    ReferenceBpe(Path file) throws IOException {
        root = new ObjectMapper().readTree(file.toFile());
        JsonNode model = root.get("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new IllegalArgumentException("reference knows only BPE, not " + model.path("type"));
        }
        model.get("vocab").properties().forEach(e -> {
            vocab.put(e.getKey(), e.getValue().asInt());
            idToToken.put(e.getValue().asInt(), e.getKey());
        });
        int rank = 0;
        for (JsonNode merge : model.get("merges")) {
            String key = merge.isArray() ? merge.get(0).asText() + " " + merge.get(1).asText() : merge.asText();
            ranks.putIfAbsent(key, rank++);
        }
        byteFallback = model.path("byte_fallback").asBoolean(false);
        ignoreMerges = model.path("ignore_merges").asBoolean(false);
        unk = model.path("unk_token").isTextual() ? model.get("unk_token").asText() : null;
        if (!model.path("continuing_subword_prefix").asText("").isEmpty()
                || !model.path("end_of_word_suffix").asText("").isEmpty() || !model.path("dropout").isNull()
                        && !model.path("dropout").isMissingNode()) {
            throw new IllegalArgumentException("reference does not know subword prefixes, suffixes or dropout");
        }
        for (JsonNode t : root.path("added_tokens")) {
            if (t.path("normalized").asBoolean() || t.path("lstrip").asBoolean() || t.path("rstrip").asBoolean()
                    || t.path("single_word").asBoolean()) {
                throw new IllegalArgumentException("reference does not know added-token options: " + t);
            }
            added.put(t.get("content").asText(), t.get("id").asInt());
            idToToken.put(t.get("id").asInt(), t.get("content").asText());
            special.put(t.get("id").asInt(), t.path("special").asBoolean());
        }
    }

    int[] encode(String text, boolean addSpecialTokens) {
        List<Integer> ids = new ArrayList<>();
        int start = 0;
        while (start <= text.length()) {
            int[] match = nextAdded(text, start);
            int end = match == null ? text.length() : match[0];
            if (end > start) {
                encodeSegment(text.substring(start, end), ids);
            }
            if (match == null) {
                break;
            }
            ids.add(added.get(text.substring(match[0], match[1])));
            start = match[1];
        }
        if (addSpecialTokens) {
            return postProcess(ids);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The leftmost added token at or after {@code from}, the longest there: {start, end}. */
    private int[] nextAdded(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            int best = -1;
            for (String token : added.keySet()) {
                if (text.startsWith(token, i) && token.length() > best) {
                    best = token.length();
                }
            }
            if (best > 0) {
                return new int[] {i, i + best};
            }
        }
        return null;
    }

    private void encodeSegment(String segment, List<Integer> ids) {
        String normalized = normalize(root.get("normalizer"), segment);
        List<String> words = new ArrayList<>(List.of(normalized));
        words = preTokenize(root.get("pre_tokenizer"), words);
        for (String word : words) {
            if (!word.isEmpty()) {
                bpe(word, ids);
            }
        }
    }

    private static String normalize(JsonNode n, String s) {
        if (n == null || n.isNull()) {
            return s;
        }
        return switch (n.get("type").asText()) {
            case "NFC" -> Normalizer.normalize(s, Normalizer.Form.NFC);
            case "NFKC" -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "Prepend" -> s.isEmpty() ? s : n.get("prepend").asText() + s;
            case "Replace" -> s.replace(n.get("pattern").get("String").asText(), n.get("content").asText());
            case "Sequence" -> {
                String out = s;
                for (JsonNode step : n.get("normalizers")) {
                    out = normalize(step, out);
                }
                yield out;
            }
            default -> throw new IllegalArgumentException("reference does not know normalizer " + n);
        };
    }

    private static final String GPT2_REGEX =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private static List<String> preTokenize(JsonNode p, List<String> words) {
        if (p == null || p.isNull()) {
            return words;
        }
        List<String> out = new ArrayList<>();
        switch (p.get("type").asText()) {
            case "Sequence" -> {
                List<String> current = words;
                for (JsonNode step : p.get("pretokenizers")) {
                    current = preTokenize(step, current);
                }
                return current;
            }
            case "Split" -> {
                if (!"Isolated".equals(p.path("behavior").asText()) || p.path("invert").asBoolean()) {
                    throw new IllegalArgumentException("reference knows only Isolated splits: " + p);
                }
                Pattern regex = Pattern.compile(p.get("pattern").get("Regex").asText(),
                        Pattern.UNICODE_CHARACTER_CLASS);
                for (String w : words) {
                    out.addAll(isolate(regex, w));
                }
            }
            case "ByteLevel" -> {
                Pattern regex = Pattern.compile(GPT2_REGEX, Pattern.UNICODE_CHARACTER_CLASS);
                for (String w : words) {
                    String word = p.path("add_prefix_space").asBoolean() && !w.startsWith(" ") ? " " + w : w;
                    List<String> pieces = p.path("use_regex").asBoolean(true) ? isolate(regex, word) : List.of(word);
                    for (String piece : pieces) {
                        out.add(toByteChars(piece));
                    }
                }
            }
            default -> throw new IllegalArgumentException("reference does not know pre-tokenizer " + p);
        }
        return out;
    }

    /** The matches of {@code regex} and the text between them, in order. */
    private static List<String> isolate(Pattern regex, String s) {
        List<String> out = new ArrayList<>();
        Matcher m = regex.matcher(s);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                out.add(s.substring(last, m.start()));
            }
            if (m.end() > m.start()) {
                out.add(m.group());
            }
            last = m.end();
        }
        if (last < s.length()) {
            out.add(s.substring(last));
        }
        return out;
    }

    private static String toByteChars(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            out.append(BYTE_TO_CHAR.get(b & 0xFF));
        }
        return out.toString();
    }

    private void bpe(String word, List<Integer> ids) {
        if (ignoreMerges && vocab.containsKey(word)) {
            ids.add(vocab.get(word));
            return;
        }
        List<String> symbols = new ArrayList<>();
        word.codePoints().forEach(c -> {
            String ch = Character.toString(c);
            if (vocab.containsKey(ch)) {
                symbols.add(ch);
            } else if (byteFallback) {
                for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
                    symbols.add(String.format("<0x%02X>", b & 0xFF));
                }
            } else if (unk != null) {
                symbols.add(unk);
            } else {
                throw new IllegalArgumentException("no token for " + ch + " and no byte fallback or unk");
            }
        });
        while (symbols.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String bestPair = null;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer r = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    bestPair = symbols.get(i) + " " + symbols.get(i + 1);
                }
            }
            if (bestPair == null) {
                break;
            }
            List<String> merged = new ArrayList<>();
            for (int i = 0; i < symbols.size(); i++) {
                if (i + 1 < symbols.size() && bestPair.equals(symbols.get(i) + " " + symbols.get(i + 1))) {
                    merged.add(symbols.get(i) + symbols.get(i + 1));
                    i++;
                } else {
                    merged.add(symbols.get(i));
                }
            }
            symbols.clear();
            symbols.addAll(merged);
        }
        for (String s : symbols) {
            Integer id = vocab.get(s);
            if (id == null) {
                throw new IllegalStateException("merged symbol " + s + " is not in the vocabulary");
            }
            ids.add(id);
        }
    }

    private int[] postProcess(List<Integer> ids) {
        JsonNode p = root.get("post_processor");
        List<Integer> out = new ArrayList<>();
        if (p == null || p.isNull() || "ByteLevel".equals(p.path("type").asText())) {
            out.addAll(ids);
        } else if ("TemplateProcessing".equals(p.path("type").asText())) {
            for (JsonNode piece : p.get("single")) {
                if (piece.has("SpecialToken")) {
                    for (JsonNode id : p.get("special_tokens").get(piece.get("SpecialToken").get("id").asText())
                            .get("ids")) {
                        out.add(id.asInt());
                    }
                } else {
                    out.addAll(ids);
                }
            }
        } else {
            throw new IllegalArgumentException("reference does not know post-processor " + p);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>();
        for (int id : ids) {
            if (skipSpecialTokens && special.getOrDefault(id, false)) {
                continue;
            }
            tokens.add(idToToken.get(id));
        }
        return decode(root.get("decoder"), tokens);
    }

    private static String decode(JsonNode d, List<String> tokens) {
        String type = d.get("type").asText();
        if ("ByteLevel".equals(type)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String t : tokens) {
                for (char c : t.toCharArray()) {
                    bytes.write(CHAR_TO_BYTE.get(c));
                }
            }
            return bytes.toString(StandardCharsets.UTF_8);
        }
        if (!"Sequence".equals(type)) {
            throw new IllegalArgumentException("reference does not know decoder " + d);
        }
        List<String> current = tokens;
        for (JsonNode step : d.get("decoders")) {
            List<String> next = new ArrayList<>();
            switch (step.get("type").asText()) {
                case "Replace" -> current.forEach(t -> next.add(
                        t.replace(step.get("pattern").get("String").asText(), step.get("content").asText())));
                case "ByteFallback" -> {
                    ByteArrayOutputStream pending = new ByteArrayOutputStream();
                    for (String t : current) {
                        if (t.matches("<0x[0-9A-F]{2}>")) {
                            pending.write(Integer.parseInt(t.substring(3, 5), 16));
                        } else {
                            flushBytes(pending, next);
                            next.add(t);
                        }
                    }
                    flushBytes(pending, next);
                }
                case "Fuse" -> next.add(String.join("", current));
                case "Strip" -> {
                    String content = step.get("content").asText();
                    int left = step.get("start").asInt();
                    for (int i = 0; i < current.size(); i++) {
                        String t = current.get(i);
                        for (int k = 0; k < left && t.startsWith(content); k++) {
                            t = t.substring(content.length());
                        }
                        next.add(t);
                    }
                    if (step.get("stop").asInt() != 0) {
                        throw new IllegalArgumentException("reference strips only on the left");
                    }
                }
                default -> throw new IllegalArgumentException("reference does not know decoder " + step);
            }
            current = next;
        }
        return String.join("", current);
    }

    /** Byte tokens that make valid UTF-8 become its text; invalid bytes become one U+FFFD each. */
    private static void flushBytes(ByteArrayOutputStream pending, List<String> out) {
        if (pending.size() == 0) {
            return;
        }
        byte[] bytes = pending.toByteArray();
        pending.reset();
        try {
            out.add(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString());
        } catch (java.nio.charset.CharacterCodingException e) {
            for (int i = 0; i < bytes.length; i++) {
                out.add("\uFFFD");
            }
        }
    }
}
