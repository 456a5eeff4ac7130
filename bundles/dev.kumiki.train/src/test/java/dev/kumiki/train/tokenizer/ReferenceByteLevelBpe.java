package dev.kumiki.train.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A plain encoder and decoder written from the documented meaning of {@code tokenizer.json}'s components, reading only
 * the file: added tokens matched first (leftmost, longest), then a {@code Split} regex (Isolated) and
 * {@code ByteLevel} without regex, BPE by merge rank (the lowest-ranked adjacent pair first, all its occurrences left
 * to right), {@code TemplateProcessing} for a single sequence, and the {@code ByteLevel} decoder. It refuses any
 * other component, so a file BpeTrainer writes differently fails here. The byte map is built here from GPT-2's
 * definition, not taken from BpeTrainer.
 */
final class ReferenceByteLevelBpe {

    private final Map<String, Integer> vocab = new HashMap<>();
    private final Map<Integer, String> tokens = new HashMap<>();
    private final Map<String, Integer> ranks = new HashMap<>();
    private final Map<String, Integer> added = new HashMap<>();
    private final Pattern split;
    private final List<Integer> prefix = new ArrayList<>();
    private final Map<Character, Integer> charToByte = new HashMap<>();
    private final String[] byteToChar = new String[256];

    ReferenceByteLevelBpe(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        if (!root.path("normalizer").isNull()) {
            throw new IllegalArgumentException("reference knows no normalizer");
        }
        JsonNode model = root.get("model");
        if (!"BPE".equals(model.get("type").asText()) || model.get("byte_fallback").asBoolean()) {
            throw new IllegalArgumentException("reference knows plain BPE only");
        }
        model.get("vocab").properties().forEach(e -> {
            vocab.put(e.getKey(), e.getValue().asInt());
            tokens.put(e.getValue().asInt(), e.getKey());
        });
        int rank = 0;
        for (JsonNode m : model.get("merges")) {
            ranks.put(m.asText(), rank++);
        }
        for (JsonNode t : root.get("added_tokens")) {
            added.put(t.get("content").asText(), t.get("id").asInt());
        }
        JsonNode steps = root.get("pre_tokenizer").get("pretokenizers");
        if (steps.size() != 2 || !"Split".equals(steps.get(0).get("type").asText())
                || !"Isolated".equals(steps.get(0).get("behavior").asText())
                || !"ByteLevel".equals(steps.get(1).get("type").asText())
                || steps.get(1).get("use_regex").asBoolean() || steps.get(1).get("add_prefix_space").asBoolean()) {
            throw new IllegalArgumentException("reference knows Split + ByteLevel(no regex) only: " + steps);
        }
        String regex = steps.get(0).get("pattern").get("Regex").asText().replace("\\p{Han}", "\\p{IsHan}")
                .replace("\\p{Hiragana}", "\\p{IsHiragana}").replace("\\p{Katakana}", "\\p{IsKatakana}");
        split = Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        JsonNode post = root.get("post_processor");
        if (!"TemplateProcessing".equals(post.get("type").asText())) {
            throw new IllegalArgumentException("reference knows TemplateProcessing only");
        }
        JsonNode single = post.get("single");
        if (!single.get(single.size() - 1).has("Sequence")) {
            throw new IllegalArgumentException("reference knows special tokens before the sequence only");
        }
        for (int i = 0; i + 1 < single.size(); i++) {
            post.get("special_tokens").get(single.get(i).get("SpecialToken").get("id").asText()).get("ids")
                    .forEach(id -> prefix.add(id.asInt()));
        }
        if (!"ByteLevel".equals(root.get("decoder").get("type").asText())) {
            throw new IllegalArgumentException("reference knows the ByteLevel decoder only");
        }
        // GPT-2's bytes_to_unicode
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = ('!' <= b && b <= '~') || (0xA1 <= b && b <= 0xAC) || (0xAE <= b && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + shifted++);
            byteToChar[b] = String.valueOf(c);
            charToByte.put(c, b);
        }
    }

    int[] encode(String text, boolean addSpecialTokens) {
        List<Integer> ids = new ArrayList<>();
        if (addSpecialTokens) {
            ids.addAll(prefix);
        }
        int start = 0;
        while (start < text.length()) {
            int at = -1;
            String token = null;
            for (int i = start; i < text.length() && at < 0; i++) {
                for (String t : added.keySet()) {
                    if (text.startsWith(t, i) && (token == null || t.length() > token.length())) {
                        at = i;
                        token = t;
                    }
                }
            }
            int end = at < 0 ? text.length() : at;
            encodeText(text.substring(start, end), ids);
            if (at < 0) {
                break;
            }
            ids.add(added.get(token));
            start = at + token.length();
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private void encodeText(String text, List<Integer> ids) {
        Matcher m = split.matcher(text);
        int last = 0;
        List<String> pieces = new ArrayList<>();
        while (m.find()) {
            if (m.start() > last) {
                pieces.add(text.substring(last, m.start()));
            }
            if (m.end() > m.start()) {
                pieces.add(m.group());
            }
            last = m.end();
        }
        if (last < text.length()) {
            pieces.add(text.substring(last));
        }
        for (String piece : pieces) {
            List<String> symbols = new ArrayList<>();
            for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                symbols.add(byteToChar[b & 0xFF]);
            }
            while (true) {
                int best = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < symbols.size(); i++) {
                    best = Math.min(best, ranks.getOrDefault(symbols.get(i) + " " + symbols.get(i + 1),
                            Integer.MAX_VALUE));
                }
                if (best == Integer.MAX_VALUE) {
                    break;
                }
                List<String> merged = new ArrayList<>();
                for (int i = 0; i < symbols.size(); i++) {
                    if (i + 1 < symbols.size() && ranks.getOrDefault(symbols.get(i) + " " + symbols.get(i + 1),
                            Integer.MAX_VALUE) == best) {
                        merged.add(symbols.get(i) + symbols.get(i + 1));
                        i++;
                    } else {
                        merged.add(symbols.get(i));
                    }
                }
                symbols = merged;
            }
            for (String s : symbols) {
                ids.add(vocab.get(s));
            }
        }
    }

    String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            String token = tokens.get(id);
            if (added.containsKey(token)) {
                bytes.writeBytes(token.getBytes(StandardCharsets.UTF_8));
                continue;
            }
            for (char c : token.toCharArray()) {
                bytes.write(charToByte.get(c));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
