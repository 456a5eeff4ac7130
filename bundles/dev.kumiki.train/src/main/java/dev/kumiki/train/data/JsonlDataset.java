package dev.kumiki.train.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.llm.Tokenizer.ChatMessage;
import dev.kumiki.merge.config.MergeConfigReader;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A JSONL dataset: one JSON object per line, in one of the shapes of {@link DatasetFormat} (the names Hugging Face
 * TRL's {@code SFTTrainer} reads: {@code text}; {@code prompt} and {@code completion}; {@code messages}). Fields other
 * than the format's are ignored; blank lines are skipped.
 *
 * <p>{@snippet :
 * JsonlDataset data = JsonlDataset.read(Path.of("data/ja.jsonl"), DatasetFormat.AUTO);
 * JsonlDataset.Split split = data.split(0.1, 42);   // 10 % held out for validation
 * }
 *
 * <p>A line that is not JSON, lacks its field or has a field of the wrong type, a message with an unknown role, a
 * conversation without an assistant turn and a file without examples are {@link DatasetException}s whose message
 * names {@code file:line} and the field, what was expected, what was found and what to do.
 */
public final class JsonlDataset {

    /** The roles a message may have (those of {@link ChatMessage}). */
    public static final Set<String> ROLES = Set.of("system", "user", "assistant");

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path file;
    private final DatasetFormat format;
    private final boolean detected;
    private final List<Example> examples;

    private JsonlDataset(Path file, DatasetFormat format, boolean detected, List<Example> examples) {
        this.file = file;
        this.format = format;
        this.detected = detected;
        this.examples = List.copyOf(examples);
    }

    /**
     * Reads a whole JSONL file (UTF-8; a byte-order mark is allowed).
     *
     * @param format the lines' shape; {@link DatasetFormat#AUTO} decides from the first line's fields:
     *               {@code messages} → MESSAGES, else {@code prompt} or {@code completion} → PROMPT_COMPLETION, else
     *               {@code text} → TEXT
     * @throws DatasetException when a line is not what the format asks for, or the file has no example
     * @throws IOException      when the file cannot be read
     */
    public static JsonlDataset read(Path file, DatasetFormat format) throws DatasetException, IOException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<Example> examples = new ArrayList<>();
        DatasetFormat chosen = format == DatasetFormat.AUTO ? null : format;
        int lineNumber = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            boolean end = false;
            while (!end) {
                // lines are split as bytes and decoded one by one, so a bad byte is reported on its own line
                bytes.reset();
                int b;
                while ((b = in.read()) != -1 && b != '\n') {
                    bytes.write(b);
                }
                end = b == -1;
                if (end && bytes.size() == 0) {
                    break;
                }
                lineNumber++;
                String line;
                try {
                    line = utf8.decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
                } catch (CharacterCodingException e) {
                    throw new DatasetException(file + ":" + lineNumber + ": not UTF-8 text. Save the file as UTF-8"
                            + " (one JSON object per line).");
                }
                if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = parse(file, lineNumber, line);
                if (chosen == null) {
                    chosen = detect(file, lineNumber, node);
                }
                examples.add(example(file, lineNumber, node, chosen));
            }
        } catch (NoSuchFileException e) {
            throw new DatasetException(file + ": no such file. Give the path of a JSONL dataset (one JSON object per"
                    + " line).");
        }
        if (examples.isEmpty()) {
            throw new DatasetException(file + ": has no examples (" + (lineNumber == 0 ? "the file is empty"
                    : "all " + lineNumber + " lines are blank") + "). Write one JSON object per line, e.g. "
                    + shape(format == DatasetFormat.AUTO ? DatasetFormat.TEXT : format) + ".");
        }
        return new JsonlDataset(file, chosen, format == DatasetFormat.AUTO, examples);
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** The format of the lines: the one asked for, or the one AUTO chose (never AUTO). */
    public DatasetFormat format() {
        return format;
    }

    /** Whether the format was decided from the first line's fields (AUTO). */
    public boolean formatDetected() {
        return detected;
    }

    /** The format for users: {@code messages}, or {@code messages (auto: from the first line's fields)}. */
    public String formatDescription() {
        return format.userName() + (detected ? " (auto: from the first line's fields)" : "");
    }

    /** The examples, in file order. */
    public List<Example> examples() {
        return examples;
    }

    /** Number of examples. */
    public int size() {
        return examples.size();
    }

    /**
     * The examples held out for validation and those trained on.
     *
     * @param train      in file order
     * @param validation in file order
     */
    public record Split(List<Example> train, List<Example> validation) {
        public Split {
            train = List.copyOf(train);
            validation = List.copyOf(validation);
        }
    }

    /**
     * Splits the examples into training and validation sets, the same way on every machine and Java version.
     *
     * <p>The number held out is {@code ceil(validationSize × size)} (as Hugging Face datasets' {@code train_test_split}
     * counts {@code test_size}; a product within 1e-9 of an integer counts as that integer, so 0.1 × 30 is 3), at
     * least 1 and at most {@code size − 1} when {@code validationSize > 0}. Which ones: the indices 0 … size−1 are
     * shuffled by Fisher–Yates (from the last position down, position {@code i} swapped with
     * {@code j = unsignedRemainder(next(), i + 1)}) driven by SplitMix64 ({@link SplitMix64}) seeded with
     * {@code seed}; the first indices of the shuffled order are held out. Both sides keep the file order.
     *
     * @param validationSize share held out, from 0 (none) to below 1
     * @throws DatasetException when the share is out of range, or there are too few examples for both sides
     */
    public Split split(double validationSize, long seed) throws DatasetException {
        if (!(validationSize >= 0 && validationSize < 1)) {
            throw new DatasetException("val_size is " + validationSize + ": it should be a share from 0 (no"
                    + " validation) to below 1, e.g. 0.1 to hold out 10 % of " + file + ".");
        }
        int n = examples.size();
        if (validationSize == 0) {
            return new Split(examples, List.of());
        }
        if (n < 2) {
            throw new DatasetException(file + ": has " + n + " example, too few to hold out " + validationSize
                    + " for validation and still train. Add examples, or set val_size to 0.");
        }
        int held = (int) Math.ceil(validationSize * n - 1e-9);
        held = Math.min(Math.max(held, 1), n - 1);
        int[] order = permutation(n, seed);
        boolean[] validation = new boolean[n];
        for (int i = 0; i < held; i++) {
            validation[order[i]] = true;
        }
        List<Example> train = new ArrayList<>();
        List<Example> val = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            (validation[i] ? val : train).add(examples.get(i));
        }
        return new Split(train, val);
    }

    /** The Fisher–Yates permutation of 0 … n−1 that {@link #split} uses. */
    static int[] permutation(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplitMix64 random = new SplitMix64(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = (int) Long.remainderUnsigned(random.next(), i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /**
     * SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014): the state
     * advances by 0x9E3779B97F4A7C15 and each output is the state mixed by Stafford's variant 13. Written out here so
     * that the split does not depend on a JDK class whose algorithm could change.
     */
    static final class SplitMix64 {
        private long state;

        SplitMix64(long seed) {
            this.state = seed;
        }

        long next() {
            long z = (state += 0x9E3779B97F4A7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }

    @Override
    public String toString() {
        return file + " (" + examples.size() + " examples, " + formatDescription() + ")";
    }

    // ---- reading lines

    private static JsonNode parse(Path file, int line, String text) throws DatasetException {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            String column = e.getLocation() == null ? "" : ", column " + e.getLocation().getColumnNr();
            throw new DatasetException(file + ":" + line + ": not valid JSON" + column + " ("
                    + e.getOriginalMessage() + "), found: " + excerpt(text) + ". Each line should be one JSON"
                    + " object, e.g. {\"text\": \"…\"}; fix or remove the line.");
        }
        if (node == null || !node.isObject()) {
            throw new DatasetException(file + ":" + line + ": should be a JSON object ({…}), found "
                    + kind(node) + ": " + excerpt(text) + ". Write each example as an object, e.g. {\"text\": \"…\"}.");
        }
        return node;
    }

    private static DatasetFormat detect(Path file, int line, JsonNode node) throws DatasetException {
        if (node.has("messages")) {
            return DatasetFormat.MESSAGES;
        }
        if (node.has("prompt") || node.has("completion")) {
            return DatasetFormat.PROMPT_COMPLETION;
        }
        if (node.has("text")) {
            return DatasetFormat.TEXT;
        }
        List<String> fields = new ArrayList<>();
        node.fieldNames().forEachRemaining(fields::add);
        throw new DatasetException(file + ":" + line + ": format auto cannot tell the dataset's format from this"
                + " first line: expected a field \"text\", \"prompt\" and \"completion\", or \"messages\", found "
                + (fields.isEmpty() ? "no field" : "the fields " + quoted(fields))
                + ". Rename the fields, or set the format (text, prompt_completion, messages).");
    }

    private static Example example(Path file, int line, JsonNode node, DatasetFormat format)
            throws DatasetException {
        return switch (format) {
            case TEXT -> new Example.Text(line, string(file, line, node, "text", format));
            case PROMPT_COMPLETION -> new Example.PromptCompletion(line, string(file, line, node, "prompt", format),
                    string(file, line, node, "completion", format));
            case MESSAGES -> conversation(file, line, node);
            case AUTO -> throw new IllegalStateException("AUTO is resolved before lines are read");
        };
    }

    private static String string(Path file, int line, JsonNode node, String field, DatasetFormat format)
            throws DatasetException {
        JsonNode value = node.get(field);
        if (value == null) {
            throw missing(file, line, node, field, format);
        }
        if (!value.isTextual()) {
            throw new DatasetException(file + ":" + line + ": field \"" + field + "\" should be a string, found "
                    + kind(value) + " (" + excerpt(value.toString()) + "). Write it as a JSON string, e.g. "
                    + shape(format) + ".");
        }
        return value.asText();
    }

    private static DatasetException missing(Path file, int line, JsonNode node, String field,
            DatasetFormat format) {
        List<String> fields = new ArrayList<>();
        node.fieldNames().forEachRemaining(fields::add);
        String suggestion = MergeConfigReader.nearest(field, Set.copyOf(fields))
                .map(s -> " (did you mean \"" + field + "\" instead of \"" + s + "\"?)").orElse("");
        return new DatasetException(file + ":" + line + ": has no field \"" + field + "\"" + suggestion
                + ", which the format " + format.userName() + " needs; found "
                + (fields.isEmpty() ? "no field" : "the fields " + quoted(fields)) + ". Each line should be "
                + shape(format) + ": add the field, or choose the format that matches the file.");
    }

    private static Example conversation(Path file, int line, JsonNode node) throws DatasetException {
        JsonNode messages = node.get("messages");
        String shape = shape(DatasetFormat.MESSAGES);
        if (messages == null) {
            throw missing(file, line, node, "messages", DatasetFormat.MESSAGES);
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw new DatasetException(file + ":" + line + ": field \"messages\" should be a non-empty list of"
                    + " {\"role\", \"content\"} objects, found " + (messages.isArray() ? "an empty list"
                            : kind(messages) + " (" + excerpt(messages.toString()) + ")")
                    + ". Write the conversation as " + shape + ".");
        }
        List<ChatMessage> turns = new ArrayList<>();
        boolean assistant = false;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String where = file + ":" + line + ": messages[" + i + "]";
            if (!m.isObject()) {
                throw new DatasetException(where + " should be an object {\"role\": …, \"content\": …}, found "
                        + kind(m) + " (" + excerpt(m.toString()) + "). Write the conversation as " + shape + ".");
            }
            String role = messageField(where, m, "role", shape);
            String content = messageField(where, m, "content", shape);
            if (!ROLES.contains(role)) {
                String suggestion = MergeConfigReader.nearest(role, ROLES).map(s -> " (did you mean \"" + s + "\"?)")
                        .orElse("");
                throw new DatasetException(where + ".role is \"" + role + "\"" + suggestion
                        + ", which is not a role: expected one of \"system\", \"user\", \"assistant\". Fix the"
                        + " role.");
            }
            assistant |= role.equals("assistant");
            turns.add(new ChatMessage(role, content));
        }
        if (!assistant) {
            throw new DatasetException(file + ":" + line + ": the conversation has no \"assistant\" message, so"
                    + " nothing in it is trained (only assistant turns are). Add the assistant's answer, or remove"
                    + " the line.");
        }
        return new Example.Conversation(line, turns);
    }

    private static String messageField(String where, JsonNode m, String field, String shape)
            throws DatasetException {
        JsonNode value = m.get(field);
        if (value == null) {
            List<String> fields = new ArrayList<>();
            m.fieldNames().forEachRemaining(fields::add);
            throw new DatasetException(where + " has no field \"" + field + "\"; found "
                    + (fields.isEmpty() ? "no field" : "the fields " + quoted(fields)) + ". Each message should be"
                    + " {\"role\": …, \"content\": …}, e.g. " + shape + ".");
        }
        if (!value.isTextual()) {
            throw new DatasetException(where + "." + field + " should be a string, found " + kind(value) + " ("
                    + excerpt(value.toString()) + "). Write it as a JSON string, e.g. " + shape + ".");
        }
        return value.asText();
    }

    private static String shape(DatasetFormat format) {
        return switch (format) {
            case TEXT, AUTO -> "{\"text\": \"…\"}";
            case PROMPT_COMPLETION -> "{\"prompt\": \"…\", \"completion\": \"…\"}";
            case MESSAGES -> "{\"messages\": [{\"role\": \"user\", \"content\": \"…\"}, {\"role\": \"assistant\","
                    + " \"content\": \"…\"}]}";
        };
    }

    private static String kind(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        return switch (node.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String quoted(List<String> fields) {
        StringBuilder out = new StringBuilder();
        for (Iterator<String> it = fields.iterator(); it.hasNext();) {
            out.append('"').append(it.next()).append('"');
            if (it.hasNext()) {
                out.append(", ");
            }
        }
        return out.toString();
    }

    private static String excerpt(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "…";
    }
}
