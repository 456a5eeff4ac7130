package dev.kumiki.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kumiki.llm.Tokenizer.ChatMessage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlDatasetTest {

    @TempDir
    Path dir;

    private Path write(String name, String... lines) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private String error(Path file, DatasetFormat format) {
        return assertThrows(DatasetException.class, () -> JsonlDataset.read(file, format)).getMessage();
    }

    @Test
    void readsEachFormatAndSkipsBlankLines() throws Exception {
        Path text = write("t.jsonl", "{\"text\": \"一行目\", \"id\": 1}", "", "   ", "{\"text\": \"second\"}");
        JsonlDataset t = JsonlDataset.read(text, DatasetFormat.TEXT);
        assertEquals(List.of(new Example.Text(1, "一行目"), new Example.Text(4, "second")), t.examples());
        assertEquals(DatasetFormat.TEXT, t.format());
        assertFalse(t.formatDetected());

        Path pc = write("pc.jsonl", "{\"prompt\": \"2+2=\", \"completion\": \"4\"}");
        assertEquals(List.of(new Example.PromptCompletion(1, "2+2=", "4")),
                JsonlDataset.read(pc, DatasetFormat.PROMPT_COMPLETION).examples());

        Path chat = write("c.jsonl", "{\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"},"
                + " {\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"hello\"}]}");
        assertEquals(List.of(new Example.Conversation(1, List.of(new ChatMessage("system", "be brief"),
                new ChatMessage("user", "hi"), new ChatMessage("assistant", "hello")))),
                JsonlDataset.read(chat, DatasetFormat.MESSAGES).examples());
    }

    @Test
    void autoDecidesFromTheFirstLineAndSaysSo() throws Exception {
        // a byte-order mark before the first line is not part of the JSON
        Path chat = write("c.jsonl", "\uFEFF{\"messages\": [{\"role\": \"user\", \"content\": \"q\"},"
                + " {\"role\": \"assistant\", \"content\": \"a\"}], \"text\": \"ignored\"}");
        JsonlDataset c = JsonlDataset.read(chat, DatasetFormat.AUTO);
        assertEquals(DatasetFormat.MESSAGES, c.format());
        assertTrue(c.formatDetected());
        assertEquals("messages (auto: from the first line's fields)", c.formatDescription());
        assertEquals(DatasetFormat.PROMPT_COMPLETION,
                JsonlDataset.read(write("p.jsonl", "{\"prompt\": \"a\", \"completion\": \"b\"}"), DatasetFormat.AUTO)
                        .format());
        assertEquals(DatasetFormat.TEXT,
                JsonlDataset.read(write("t.jsonl", "", "{\"text\": \"a\"}"), DatasetFormat.AUTO).format());
        // later lines must follow the first line's format
        Path mixed = write("m.jsonl", "{\"text\": \"a\"}", "{\"prompt\": \"b\", \"completion\": \"c\"}");
        assertEquals(mixed + ":2: has no field \"text\", which the format text needs; found the fields \"prompt\","
                + " \"completion\". Each line should be {\"text\": \"…\"}: add the field, or choose the format that"
                + " matches the file.", error(mixed, DatasetFormat.AUTO));
        Path unknown = write("u.jsonl", "{\"question\": \"a\", \"answer\": \"b\"}");
        assertEquals(unknown + ":1: format auto cannot tell the dataset's format from this first line: expected a"
                + " field \"text\", \"prompt\" and \"completion\", or \"messages\", found the fields \"question\","
                + " \"answer\". Rename the fields, or set the format (text, prompt_completion, messages).",
                error(unknown, DatasetFormat.AUTO));
    }

    @Test
    void aLineThatIsNotJson() throws Exception {
        Path file = write("bad.jsonl", "{\"text\": \"ok\"}", "{\"text\": \"unterminated}");
        String message = error(file, DatasetFormat.TEXT);
        assertTrue(message.startsWith(file + ":2: not valid JSON, column "), message);
        assertTrue(message.endsWith("found: {\"text\": \"unterminated}. Each line should be one JSON object, e.g."
                + " {\"text\": \"…\"}; fix or remove the line."), message);
        Path trailing = write("trailing.jsonl", "{\"text\": \"a\"} {\"text\": \"b\"}");
        assertTrue(error(trailing, DatasetFormat.TEXT).startsWith(trailing + ":1: not valid JSON"));
        Path array = write("array.jsonl", "[\"text\", \"a\"]");
        assertEquals(array + ":1: should be a JSON object ({…}), found a list: [\"text\", \"a\"]. Write each example as"
                + " an object, e.g. {\"text\": \"…\"}.", error(array, DatasetFormat.TEXT));
    }

    @Test
    void aMissingFieldNamesItAndSuggests() throws Exception {
        Path file = write("f.jsonl", "{\"prompt\": \"a\", \"completon\": \"b\"}");
        assertEquals(file + ":1: has no field \"completion\" (did you mean \"completion\" instead of \"completon\"?),"
                + " which the format prompt_completion needs; found the fields \"prompt\", \"completon\". Each line"
                + " should be {\"prompt\": \"…\", \"completion\": \"…\"}: add the field, or choose the format that"
                + " matches the file.", error(file, DatasetFormat.PROMPT_COMPLETION));
        Path chat = write("c.jsonl", "{\"text\": \"a\"}");
        assertTrue(error(chat, DatasetFormat.MESSAGES).startsWith(chat + ":1: has no field \"messages\", which the"
                + " format messages needs; found the fields \"text\"."));
    }

    @Test
    void aFieldOfTheWrongType() throws Exception {
        Path file = write("f.jsonl", "{\"text\": 42}");
        assertEquals(file + ":1: field \"text\" should be a string, found a number (42). Write it as a JSON string,"
                + " e.g. {\"text\": \"…\"}.", error(file, DatasetFormat.TEXT));
        Path messages = write("m.jsonl", "{\"messages\": \"hello\"}");
        assertEquals(messages + ":1: field \"messages\" should be a non-empty list of {\"role\", \"content\"}"
                + " objects, found a string (\"hello\"). Write the conversation as {\"messages\": [{\"role\":"
                + " \"user\", \"content\": \"…\"}, {\"role\": \"assistant\", \"content\": \"…\"}]}.",
                error(messages, DatasetFormat.MESSAGES));
        Path content = write("n.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": null}]}");
        assertEquals(content + ":1: messages[0].content should be a string, found null (null). Write it as a JSON"
                + " string, e.g. {\"messages\": [{\"role\": \"user\", \"content\": \"…\"}, {\"role\": \"assistant\","
                + " \"content\": \"…\"}]}.", error(content, DatasetFormat.MESSAGES));
        Path noRole = write("r.jsonl", "{\"messages\": [{\"content\": \"hi\"}]}");
        assertTrue(error(noRole, DatasetFormat.MESSAGES).startsWith(noRole + ":1: messages[0] has no field \"role\";"
                + " found the fields \"content\"."));
    }

    @Test
    void anUnknownRole() throws Exception {
        Path file = write("r.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"},"
                + " {\"role\": \"asistant\", \"content\": \"a\"}]}");
        assertEquals(file + ":1: messages[1].role is \"asistant\" (did you mean \"assistant\"?), which is not a"
                + " role: expected one of \"system\", \"user\", \"assistant\". Fix the role.",
                error(file, DatasetFormat.MESSAGES));
    }

    @Test
    void aConversationWithoutAnswerAndAnEmptyFile() throws Exception {
        Path file = write("q.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}]}");
        assertEquals(file + ":1: the conversation has no \"assistant\" message, so nothing in it is trained (only"
                + " assistant turns are). Add the assistant's answer, or remove the line.",
                error(file, DatasetFormat.MESSAGES));
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "");
        assertEquals(empty + ": has no examples (the file is empty). Write one JSON object per line, e.g."
                + " {\"text\": \"…\"}.", error(empty, DatasetFormat.AUTO));
        Path blank = write("blank.jsonl", "", " ");
        assertEquals(blank + ": has no examples (all 2 lines are blank). Write one JSON object per line, e.g."
                + " {\"prompt\": \"…\", \"completion\": \"…\"}.", error(blank, DatasetFormat.PROMPT_COMPLETION));
        Path missing = dir.resolve("missing.jsonl");
        assertEquals(missing + ": no such file. Give the path of a JSONL dataset (one JSON object per line).",
                error(missing, DatasetFormat.TEXT));
        Path latin1 = dir.resolve("latin1.jsonl");
        Files.write(latin1, "{\"text\": \"ok\"}\n{\"text\": \"caf\u00e9\"}\n".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(latin1 + ":2: not UTF-8 text. Save the file as UTF-8 (one JSON object per line).",
                error(latin1, DatasetFormat.TEXT));
    }

    @Test
    void splitMix64MatchesItsReferenceOutputs() {
        // the first outputs of Vigna's splitmix64.c seeded with 1234567
        JsonlDataset.SplitMix64 random = new JsonlDataset.SplitMix64(1234567);
        assertEquals(Long.parseUnsignedLong("6457827717110365317"), random.next());
        assertEquals(Long.parseUnsignedLong("3203168211198807973"), random.next());
        assertEquals(Long.parseUnsignedLong("9817491932198370423"), random.next());
        assertEquals(Long.parseUnsignedLong("4593380528125082431"), random.next());
        assertEquals(Long.parseUnsignedLong("16408922859458223821"), random.next());
    }

    private JsonlDataset numbered(int n) throws Exception {
        String[] lines = new String[n];
        for (int i = 0; i < n; i++) {
            lines[i] = "{\"text\": \"" + i + "\"}";
        }
        return JsonlDataset.read(write("n" + n + ".jsonl", lines), DatasetFormat.TEXT);
    }

    private static List<String> texts(List<Example> examples) {
        List<String> out = new ArrayList<>();
        for (Example e : examples) {
            out.add(e.plainText());
        }
        return out;
    }

    @Test
    void theSplitIsFixedForASeed() throws Exception {
        // expected sets computed by an independent Python implementation of the documented algorithm
        JsonlDataset ten = numbered(10);
        JsonlDataset.Split split = ten.split(0.3, 42);
        assertEquals(List.of("0", "5", "9"), texts(split.validation()));
        assertEquals(List.of("1", "2", "3", "4", "6", "7", "8"), texts(split.train()));
        assertEquals(List.of("1", "5", "8"), texts(ten.split(0.3, 7).validation()));
        // 0.1 × 30 is 3 (not ceil(3.0000000000000004) = 4)
        assertEquals(List.of("7", "9", "10"), texts(numbered(30).split(0.1, 1).validation()));
        // at least one example is held out
        JsonlDataset.Split small = numbered(5).split(0.01, 42);
        assertEquals(List.of("1"), texts(small.validation()));
        assertEquals(4, small.train().size());
        assertEquals(ten.examples(), ten.split(0, 42).train());
        assertTrue(ten.split(0, 42).validation().isEmpty());
    }

    @Test
    void splitErrors() throws Exception {
        JsonlDataset one = numbered(1);
        assertEquals(one.file() + ": has 1 example, too few to hold out 0.5 for validation and still train. Add"
                + " examples, or set val_size to 0.",
                assertThrows(DatasetException.class, () -> one.split(0.5, 1)).getMessage());
        assertEquals("val_size is 1.0: it should be a share from 0 (no validation) to below 1, e.g. 0.1 to hold out"
                + " 10 % of " + one.file() + ".",
                assertThrows(DatasetException.class, () -> one.split(1.0, 1)).getMessage());
        // at least one example is trained on
        JsonlDataset two = numbered(2);
        assertEquals(1, two.split(0.99, 3).train().size());
    }
}
