package dev.kumiki.tensor.io;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The GPT-2 style byte-level BPE tokenizer.json of {@link SyntheticModel#byteLevelTokenizer()}: every UTF-8 text
 * encodes, Japanese included, and decodes back exactly. Token ids: {@code <s>} 0, {@code </s>} 1, byte {@code b} is
 * {@code 2 + b}, then merges of common English letter pairs up to the vocabulary size. The same size always gives the
 * same file.
 */
final class ByteLevelTokenizer {
    /** Frequent English letter pairs first (merged first), then word starts after a space (Ġ). */
    private static final String PAIRS = "th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se "
            + "ha as ou io le ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur "
            + "Ġt Ġa Ġs Ġw Ġo Ġb Ġc Ġf Ġm Ġp Ġh Ġd Ġl Ġi Ġn Ġe Ġr Ġg Ġu Ġy";

    private ByteLevelTokenizer() {
    }

    /** GPT-2's map of bytes to printable characters (bytes_to_unicode), as byte-level BPE files spell tokens. */
    static String[] byteChars() {
        String[] chars = new String[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            chars[b] = Character.toString(printable ? b : 256 + extra++);
        }
        return chars;
    }

    /** The merges for a vocabulary of {@code size} tokens, as "a b" pairs of byte-level characters. */
    static List<String> merges(int size) {
        int n = size - SyntheticModel.MIN_BYTE_LEVEL_VOCABULARY;
        Set<String> merges = new LinkedHashSet<>();
        for (String p : PAIRS.split(" ")) {
            if (merges.size() < n) {
                merges.add(p.charAt(0) + " " + p.substring(1));
            }
        }
        // larger vocabularies: every pair of lower-case letters, then of any two bytes, in a fixed order
        for (char a = 'a'; a <= 'z' && merges.size() < n; a++) {
            for (char b = 'a'; b <= 'z' && merges.size() < n; b++) {
                merges.add(a + " " + b);
            }
        }
        String[] chars = byteChars();
        for (int a = 0; a < 256 && merges.size() < n; a++) {
            for (int b = 0; b < 256 && merges.size() < n; b++) {
                merges.add(chars[a] + " " + chars[b]);
            }
        }
        return new ArrayList<>(merges);
    }

    /** tokenizer.json for {@code size} tokens. */
    static ObjectNode tokenizer(int size) {
        ObjectNode root = SafetensorsFile.JSON.createObjectNode().put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : List.of("<s>", "</s>")) {
            added.addObject().put("id", special.equals("<s>") ? 0 : 1).put("content", special)
                    .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false)
                    .put("special", true);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", true);
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject("<s>").put("id", "<s>");
        bos.putArray("ids").add(0);
        bos.putArray("tokens").add("<s>");
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true)
                .put("use_regex", true);
        ObjectNode model = root.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        vocab.put("<s>", 0);
        vocab.put("</s>", 1);
        String[] bytes = byteChars();
        for (int b = 0; b < 256; b++) {
            vocab.put(bytes[b], 2 + b);
        }
        ArrayNode merges = model.putArray("merges");
        int id = SyntheticModel.MIN_BYTE_LEVEL_VOCABULARY;
        for (String m : merges(size)) {
            merges.add(m);
            vocab.put(m.replace(" ", ""), id++);
        }
        return root;
    }
}
