package dev.kumiki.llm.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.llm.Tokenizer;
import dev.kumiki.tensor.TensorFormatException;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The tokenizer of a Hugging Face model folder, as {@code transformers}' {@code AutoTokenizer.from_pretrained(folder)}
 * sees it: {@code tokenizer.json} run by Hugging Face's own tokenizers library (Rust, through DJL: byte-level BPE,
 * SentencePiece-style BPE with byte fallback, Unigram, WordPiece; normalizers, pre-tokenizers, post-processors,
 * decoders, added and special tokens exactly as the file defines them), and from {@code tokenizer_config.json} the
 * beginning- and end-of-sequence tokens, the special flags of added tokens, and the chat template.
 *
 * <p>{@snippet :
 * try (PretrainedTokenizer tokenizer = PretrainedTokenizer.load(Path.of("models/Qwen3-0.6B"))) {
 *     int[] ids = tokenizer.encode("日本語のテキスト", false);
 *     String text = tokenizer.decode(ids, true);
 * }
 * }
 *
 * <p>What is read, and from where:
 * <ul>
 * <li>{@code tokenizer.json} (required): the whole tokenizer. Its {@code truncation} and {@code padding} sections are
 * ignored: Kumiki never truncates or pads (DJL's default would cut every text at 512 tokens).</li>
 * <li>{@code tokenizer_config.json} (optional): {@code bos_token}, {@code eos_token} (a string or an
 * {@code AddedToken} object), {@code chat_template} (a string, or a list of named templates of which
 * {@code "default"} is used), and {@code added_tokens_decoder}, whose {@code special} flags win over
 * {@code tokenizer.json}'s as they do in {@code transformers}. The named special tokens ({@code bos_token},
 * {@code eos_token}, {@code unk_token}, {@code pad_token}, {@code additional_special_tokens}) are special too.
 * {@code add_bos_token} is not read: whether {@code encode(text, true)} adds a beginning-of-sequence token is the
 * post-processor's decision in {@code tokenizer.json}, as in {@code transformers}' fast tokenizers.</li>
 * <li>{@code chat_template.jinja} (optional): the chat template, preferred over {@code tokenizer_config.json}'s, as
 * newer {@code transformers} versions save it there.</li>
 * <li>{@code config.json} and {@code generation_config.json} (optional): {@code eos_token_id} (a number or a list),
 * added to {@link #eosTokens()} as Hugging Face's {@code generate} stops at them.</li>
 * </ul>
 *
 * <p>{@link #decode} returns the decoder's text as is: {@code transformers}' {@code clean_up_tokenization_spaces}
 * (which rewrites {@code " ."} to {@code "."} and would break {@code decode(encode(text)) == text}) is not applied.
 *
 * <p>The native library is extracted once to {@code DJL_CACHE_DIR}, by default {@code ~/.cache/kumiki/djl} (see
 * {@code $XDG_CACHE_HOME}); DJL runs offline unless {@code ai.djl.offline} or {@code DJL_OFFLINE} says otherwise.
 * Instances are thread-safe. Close to free the native tokenizer (an unclosed one is freed by the garbage collector).
 */
public final class PretrainedTokenizer implements Tokenizer, AutoCloseable {

    /** The tokenizer file every supported folder has. */
    public static final String TOKENIZER_FILE = "tokenizer.json";
    /** Special tokens and the chat template. */
    public static final String TOKENIZER_CONFIG_FILE = "tokenizer_config.json";
    /** The chat template as a file of its own. */
    public static final String CHAT_TEMPLATE_FILE = "chat_template.jinja";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> NAMED_SPECIAL_TOKENS =
            List.of("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token");

    private final HuggingFaceTokenizer tokenizer;
    private final Path folder;
    private final int vocabularySize;
    private final Map<String, Integer> addedTokens;
    private final Map<String, Integer> vocabulary;
    private final BitSet specialTokens;
    private final OptionalInt bosToken;
    private final String bosText;
    private final String eosText;
    private final List<Integer> eosTokens;
    private final ChatTemplate chatTemplate;

    private PretrainedTokenizer(Builder b) {
        this.tokenizer = b.tokenizer;
        this.folder = b.folder;
        this.vocabularySize = b.vocabularySize;
        this.addedTokens = Map.copyOf(b.addedTokens);
        this.vocabulary = b.vocabulary;
        this.specialTokens = b.specialTokens;
        this.bosToken = b.bosToken;
        this.bosText = b.bosText;
        this.eosText = b.eosText;
        this.eosTokens = List.copyOf(b.eosTokens);
        this.chatTemplate = b.chatTemplate;
    }

    /**
     * Reads the tokenizer of a model folder.
     *
     * @throws TensorFormatException when {@code tokenizer.json} is missing or is not a tokenizer, or another file
     *         read is not what it should be; the message names the file and says what to do
     * @throws IOException when a file cannot be read
     */
    public static PretrainedTokenizer load(Path folder) throws IOException {
        Path file = folder.resolve(TOKENIZER_FILE);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new TensorFormatException(missingTokenizerMessage(folder));
        } catch (MalformedInputException e) {
            throw new TensorFormatException(file + ": not UTF-8 text, so not a tokenizer.json. " + copyAdvice(folder));
        }
        Builder b = new Builder(folder);
        ArrayNode added = b.readDefinition(file, text);

        Path configFile = folder.resolve(TOKENIZER_CONFIG_FILE);
        ObjectNode config = Files.isRegularFile(configFile)
                ? readObject(configFile, Files.readString(configFile, StandardCharsets.UTF_8), folder, false)
                : JSON.createObjectNode();
        boolean changed = b.applyConfig(configFile, config, added);
        b.readEosIds(folder.resolve("config.json"));
        b.readEosIds(folder.resolve("generation_config.json"));
        b.readChatTemplate(folder, configFile, config);

        String native_ = text;
        if (changed) {
            // rare: tokenizer_config.json changes special flags, so the library gets the file with them
            ObjectNode definition = readObject(file, text, folder, true);
            definition.set("added_tokens", added);
            native_ = JSON.writeValueAsString(definition);
        }
        try {
            b.tokenizer = NativeTokenizers.create(native_);
        } catch (RuntimeException e) {
            throw nativeFailure(file, folder, e);
        }
        return new PretrainedTokenizer(b);
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        // straight to the native library: DJL's encode(...) also fetches every token's text, offsets, type ids and
        // masks through JNI, which more than doubles the time of an encoding nobody here reads
        long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), text, addSpecialTokens);
        long[] ids;
        try {
            ids = TokenizersLibrary.LIB.getTokenIds(encoding);
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(encoding);
        }
        int[] result = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            result[i] = (int) ids[i];
        }
        return result;
    }

    /**
     * {@inheritDoc} Bytes of an incomplete UTF-8 sequence (a token that ends inside a character) come out as
     * U+FFFD, as in Hugging Face's tokenizers; decode the whole sequence to get the character.
     *
     * @throws IllegalArgumentException when an id is not one of this tokenizer's ({@code 0 … vocabularySize()-1})
     */
    @Override
    public String decode(int[] tokens, boolean skipSpecialTokens) {
        long[] ids = new long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocabularySize) {
                throw new IllegalArgumentException("token id " + tokens[i] + " at position " + i
                        + " is not in the tokenizer of " + folder + " (ids 0 to " + (vocabularySize - 1) + ")");
            }
            ids[i] = tokens[i];
        }
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    @Override
    public int vocabularySize() {
        return vocabularySize;
    }

    @Override
    public OptionalInt bosToken() {
        return bosToken;
    }

    @Override
    public List<Integer> eosTokens() {
        return eosTokens;
    }

    /**
     * The id of a token given by its text: an added token's content or a model vocabulary entry as stored (for a
     * byte-level BPE that is the byte-mapped form, e.g. {@code "Ġthe"}).
     */
    public OptionalInt tokenId(String token) {
        Integer id = addedTokens.get(token);
        if (id == null) {
            id = vocabulary.get(token);
        }
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Whether {@code id} is a special token (left out by {@code decode(tokens, true)}). */
    public boolean isSpecial(int id) {
        return specialTokens.get(id);
    }

    /** The model's chat template, if it has one. */
    public Optional<ChatTemplate> chatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }

    /**
     * {@inheritDoc} The template sees Hugging Face's variables: {@code messages}, {@code add_generation_prompt},
     * {@code bos_token} and {@code eos_token} (as text).
     *
     * @throws ChatTemplateException when the template fails or calls {@code raise_exception}, with its message
     */
    @Override
    public String applyChatTemplate(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (chatTemplate == null) {
            throw new UnsupportedOperationException("the model in " + folder + " has no chat template (neither "
                    + TOKENIZER_CONFIG_FILE + "'s chat_template nor " + CHAT_TEMPLATE_FILE
                    + "): it is a base model, prompt it with plain text, or copy the chat template of its instruct"
                    + " version into " + TOKENIZER_CONFIG_FILE);
        }
        return chatTemplate.render(messages, addGenerationPrompt, bosText, eosText);
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "PretrainedTokenizer[" + folder + ", " + vocabularySize + " tokens]";
    }

    // ---- reading the files

    private static final class Builder {
        final Path folder;
        HuggingFaceTokenizer tokenizer;
        int vocabularySize;
        final Map<String, Integer> addedTokens = new HashMap<>();
        Map<String, Integer> vocabulary = Map.of();
        final BitSet specialTokens = new BitSet();
        OptionalInt bosToken = OptionalInt.empty();
        String bosText = "";
        String eosText = "";
        final Set<Integer> eosTokens = new LinkedHashSet<>();
        ChatTemplate chatTemplate;

        Builder(Path folder) {
            this.folder = folder;
        }

        /**
         * Reads the vocabulary and the added tokens with a streaming parser that skips the rest (the merges are half
         * of a large file; the native library reads them); returns the added tokens.
         */
        ArrayNode readDefinition(Path file, String text) throws TensorFormatException {
            ArrayNode added = JSON.createArrayNode();
            boolean model = false;
            boolean vocab = false;
            int size = 0;
            Map<String, Integer> entries = new HashMap<>();
            try (JsonParser p = JSON.createParser(text)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new TensorFormatException(file + ": should be a JSON object, found " + p.currentToken()
                            + ". " + copyAdvice(folder));
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if ("added_tokens".equals(field) && value == JsonToken.START_ARRAY) {
                        added = JSON.readTree(p);
                    } else if ("model".equals(field) && value == JsonToken.START_OBJECT) {
                        model = true;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String modelField = p.currentName();
                            JsonToken v = p.nextToken();
                            if ("vocab".equals(modelField) && v == JsonToken.START_OBJECT) {
                                vocab = true;
                                while (p.nextToken() == JsonToken.FIELD_NAME) {
                                    String token = p.currentName();
                                    if (p.nextToken() != JsonToken.VALUE_NUMBER_INT || p.getIntValue() < 0) {
                                        throw new TensorFormatException(file + ": model.vocab[\"" + token
                                                + "\"] should be a token id (a number ≥ 0), found " + p.getText()
                                                + ". " + copyAdvice(folder));
                                    }
                                    entries.put(token, p.getIntValue());
                                    size = Math.max(size, p.getIntValue() + 1);
                                }
                            } else if ("vocab".equals(modelField) && v == JsonToken.START_ARRAY) {
                                // Unigram: [piece, score] pairs whose position is the id
                                vocab = true;
                                while (p.nextToken() == JsonToken.START_ARRAY) {
                                    p.nextToken();
                                    entries.put(p.getText(), size++);
                                    p.skipChildren();
                                    while (p.currentToken() != JsonToken.END_ARRAY) {
                                        p.nextToken();
                                    }
                                }
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                    throw new TensorFormatException(file + ": the JSON object does not end where it should (line "
                            + p.currentLocation().getLineNr() + "). " + copyAdvice(folder));
                }
            } catch (JsonProcessingException e) {
                throw notJson(file, e, copyAdvice(folder));
            } catch (IOException e) {
                throw new TensorFormatException(file + ": cannot be read: " + e.getMessage(), e);
            }
            if (!model) {
                throw new TensorFormatException(file + ": has no \"model\" object, so it is not a Hugging Face"
                        + " tokenizer.json. " + copyAdvice(folder));
            }
            if (!vocab) {
                throw new TensorFormatException(file + ": model.vocab should be an object of token → id (or a"
                        + " Unigram list), found nothing. " + copyAdvice(folder));
            }
            vocabulary = entries;
            for (JsonNode token : added) {
                int id = token.path("id").asInt(-1);
                String content = token.path("content").asText(null);
                if (!token.isObject() || id < 0 || content == null) {
                    throw new TensorFormatException(file + ": an entry of added_tokens has no id or content: "
                            + token + ". " + copyAdvice(folder));
                }
                addedTokens.put(content, id);
                if (token.path("special").asBoolean(false)) {
                    specialTokens.set(id);
                }
                size = Math.max(size, id + 1);
            }
            vocabularySize = size;
            return added;
        }

        /** Applies tokenizer_config.json; true when {@code added} was changed to carry its special flags. */
        boolean applyConfig(Path configFile, ObjectNode config, ArrayNode added) throws TensorFormatException {
            boolean changed = false;
            Map<Integer, ObjectNode> addedById = new HashMap<>();
            for (JsonNode token : added) {
                addedById.put(token.get("id").asInt(), (ObjectNode) token);
            }
            JsonNode decoder = config.path("added_tokens_decoder");
            for (var it = decoder.properties().iterator(); it.hasNext();) {
                var e = it.next();
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new TensorFormatException(configFile + ": added_tokens_decoder's keys should be token ids,"
                            + " found \"" + e.getKey() + "\". " + copyAdvice(folder));
                }
                String content = e.getValue().path("content").asText(null);
                boolean special = e.getValue().path("special").asBoolean(false);
                ObjectNode existing = addedById.get(id);
                if (existing != null && content != null && !content.equals(existing.path("content").asText())) {
                    throw new TensorFormatException(configFile + ": added_tokens_decoder says token " + id + " is \""
                            + content + "\", " + TOKENIZER_FILE + " says \"" + existing.path("content").asText()
                            + "\". The two files come from different tokenizers: " + copyAdvice(folder));
                }
                if (existing != null && existing.path("special").asBoolean(false) != special) {
                    existing.put("special", special);
                    specialTokens.set(id, special);
                    changed = true;
                }
            }
            List<String> named = new ArrayList<>();
            for (String key : NAMED_SPECIAL_TOKENS) {
                String token = tokenText(configFile, config, key);
                if (token != null) {
                    named.add(token);
                }
            }
            for (JsonNode token : config.path("additional_special_tokens")) {
                String text = token.isTextual() ? token.asText() : token.path("content").asText(null);
                if (text != null) {
                    named.add(text);
                }
            }
            for (String token : named) {
                Integer id = addedTokens.get(token);
                if (id != null) {
                    if (!specialTokens.get(id)) {
                        addedById.get(id).put("special", true);
                        specialTokens.set(id);
                        changed = true;
                    }
                } else if (vocabulary.containsKey(token)) {
                    // transformers adds a named special token that only the model's vocabulary has as a special
                    // added token with the same id, so that it is never split and decode can skip it
                    int vid = vocabulary.get(token);
                    ObjectNode entry = added.addObject();
                    entry.put("id", vid).put("content", token).put("single_word", false).put("lstrip", false)
                            .put("rstrip", false).put("normalized", false).put("special", true);
                    addedById.put(vid, entry);
                    addedTokens.put(token, vid);
                    specialTokens.set(vid);
                    changed = true;
                }
            }
            String bos = tokenText(configFile, config, "bos_token");
            if (bos != null) {
                bosToken = OptionalInt.of(requireId(configFile, "bos_token", bos));
                bosText = bos;
            }
            String eos = tokenText(configFile, config, "eos_token");
            if (eos != null) {
                eosTokens.add(requireId(configFile, "eos_token", eos));
                eosText = eos;
            }
            return changed;
        }

        private int requireId(Path configFile, String key, String token) throws TensorFormatException {
            Integer id = addedTokens.get(token);
            if (id == null) {
                id = vocabulary.get(token);
            }
            if (id == null) {
                throw new TensorFormatException(configFile + ": " + key + " is \"" + token + "\", which is no token of "
                        + folder.resolve(TOKENIZER_FILE) + ". The two files come from different tokenizers: "
                        + copyAdvice(folder));
            }
            return id;
        }

        private static String tokenText(Path configFile, ObjectNode config, String key)
                throws TensorFormatException {
            JsonNode value = config.get(key);
            if (value == null || value.isNull()) {
                return null;
            }
            if (value.isTextual()) {
                return value.asText();
            }
            if (value.isObject() && value.path("content").isTextual()) {
                return value.get("content").asText();
            }
            throw new TensorFormatException(configFile + ": " + key + " should be a token (text, or an object with"
                    + " \"content\"), found " + value);
        }

        void readEosIds(Path file) throws IOException {
            if (!Files.isRegularFile(file)) {
                return;
            }
            ObjectNode json = readObject(file, Files.readString(file, StandardCharsets.UTF_8), folder, false);
            JsonNode eos = json.get("eos_token_id");
            if (eos == null || eos.isNull()) {
                return;
            }
            List<JsonNode> ids = new ArrayList<>();
            if (eos.isArray()) {
                eos.forEach(ids::add);
            } else {
                ids.add(eos);
            }
            for (JsonNode id : ids) {
                if (!id.canConvertToInt() || id.asInt() < 0 || id.asInt() >= vocabularySize) {
                    throw new TensorFormatException(file + ": eos_token_id should be a token id from 0 to "
                            + (vocabularySize - 1) + " (or a list of them), found " + eos + ". Fix the file, or copy"
                            + " it from the base model.");
                }
                eosTokens.add(id.asInt());
            }
        }

        void readChatTemplate(Path folder, Path configFile, ObjectNode config) throws IOException {
            Path jinja = folder.resolve(CHAT_TEMPLATE_FILE);
            if (Files.isRegularFile(jinja)) {
                chatTemplate = ChatTemplate.of(Files.readString(jinja, StandardCharsets.UTF_8), jinja.toString());
                return;
            }
            JsonNode template = config.get("chat_template");
            if (template == null || template.isNull()) {
                return;
            }
            if (template.isTextual()) {
                chatTemplate = ChatTemplate.of(template.asText(), configFile + " (chat_template)");
                return;
            }
            if (template.isArray()) {
                for (JsonNode named : template) {
                    if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
                        chatTemplate = ChatTemplate.of(named.get("template").asText(),
                                configFile + " (chat_template \"default\")");
                        return;
                    }
                }
            }
            throw new TensorFormatException(configFile + ": chat_template should be a Jinja template (text) or a"
                    + " list of {\"name\", \"template\"} with one named \"default\", found "
                    + (template.isArray() ? "a list without \"default\"" : template.getNodeType().toString()));
        }
    }

    private static ObjectNode readObject(Path file, String text, Path folder, boolean tokenizerFile)
            throws TensorFormatException {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw notJson(file, e,
                    tokenizerFile ? copyAdvice(folder) : "Fix the file, or copy it from the base model.");
        }
        if (node == null || !node.isObject()) {
            throw new TensorFormatException(file + ": should be a JSON object, found "
                    + (node == null ? "nothing" : node.getNodeType()) + ". "
                    + (tokenizerFile ? copyAdvice(folder) : "Fix the file, or copy it from the base model."));
        }
        return (ObjectNode) node;
    }

    private static TensorFormatException notJson(Path file, JsonProcessingException e, String advice) {
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return new TensorFormatException(file + ": not valid JSON" + where + " (" + e.getOriginalMessage() + "). "
                + advice);
    }

    private static String missingTokenizerMessage(Path folder) {
        String found = Files.isRegularFile(folder.resolve("tokenizer.model"))
                ? " It has tokenizer.model (SentencePiece), which Kumiki does not read: save the tokenizer with"
                        + " transformers (AutoTokenizer.from_pretrained(folder).save_pretrained(folder)) to write"
                        + " tokenizer.json, or copy it from the base model."
                : Files.isRegularFile(folder.resolve("vocab.json"))
                        ? " It has vocab.json (a slow tokenizer's files): save the tokenizer with transformers"
                                + " (AutoTokenizer.from_pretrained(folder).save_pretrained(folder)) to write"
                                + " tokenizer.json, or copy it from the base model."
                        : " " + copyAdvice(folder);
        return folder + " has no " + TOKENIZER_FILE + ", so its text cannot be turned into tokens." + found;
    }

    private static String copyAdvice(Path folder) {
        return "Copy the tokenizer files (" + TOKENIZER_FILE + ", " + TOKENIZER_CONFIG_FILE
                + ") of the model it was made from into " + folder + ".";
    }

    private static IOException nativeFailure(Path file, Path folder, RuntimeException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (message.startsWith("Failed to load Huggingface native library")) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new IOException("Hugging Face's tokenizers library (DJL) could not be loaded for "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch") + " from "
                    + NativeTokenizers.cacheDirectory() + ": " + cause.getMessage() + ". It is extracted there on"
                    + " first use: make the directory writable and not mounted noexec, or point DJL_CACHE_DIR"
                    + " elsewhere.", e);
        }
        return new TensorFormatException(file + ": Hugging Face's tokenizers library cannot read it (" + message
                + "). " + copyAdvice(folder), e);
    }
}
