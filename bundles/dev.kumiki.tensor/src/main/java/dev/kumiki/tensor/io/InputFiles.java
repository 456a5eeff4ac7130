package dev.kumiki.tensor.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one way the libraries open files they read (configs, indexes, tokenizers, safetensors, recipes): the path must
 * name a regular file, after following links. A folder, a named pipe, a device or a socket is refused at once with a
 * message naming it — opening a named pipe blocks until someone writes into it, and {@code /dev/zero} never ends.
 * JSON is read with Jackson's own limits and duplicate keys refused.
 */
public final class InputFiles {
    /** The most bytes a JSON file read whole (config.json, an index, tokenizer.json) may have. */
    public static final long MAX_JSON_BYTES = 512L << 20;

    /** Deeper JSON is refused by Jackson; model files nest a few levels (tokenizer.json about six). */
    public static final int MAX_JSON_DEPTH = 200;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private InputFiles() {
    }

    /**
     * Checks that {@code file} is a regular file (links followed) and returns its size in bytes.
     *
     * @param what what the file should be, for messages ({@code safetensors file}, {@code config.json})
     * @throws NoSuchFileException when there is nothing at the path
     * @throws FileSystemException naming the path when it is a folder or a special file
     */
    public static long requireFile(Path file, String what) throws IOException {
        return requireFile(file, what, "no such " + what, "is a folder, where a " + what + " was expected");
    }

    /**
     * {@link #requireFile(Path, String)} with the caller's words for a missing path and a folder ({@link YamlInput}
     * keeps the ones pipeline files have always had).
     */
    static long requireFile(Path file, String what, String missing, String folder) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, missing);
        }
        if (attributes.isDirectory()) {
            throw new FileSystemException(file.toString(), null, folder);
        }
        if (!attributes.isRegularFile()) {
            throw new FileSystemException(file.toString(), null, "is " + specialKind(file) + ", not a regular file; "
                    + "Kumiki reads a " + what + " only from a regular file");
        }
        return attributes.size();
    }

    /**
     * Reads a UTF-8 text file of at most {@code maxBytes}.
     *
     * @throws IOException naming the file: missing, not a regular file, too large, not UTF-8, unreadable
     */
    public static String readString(Path file, String what, long maxBytes) throws IOException {
        long size = requireFile(file, what);
        if (size > maxBytes) {
            throw new FileSystemException(file.toString(), null, "is " + size + " bytes, more than a " + what
                    + " can be (" + maxBytes + " bytes at most); is this the right file?");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new FileSystemException(file.toString(), null, "is not UTF-8 text, as a " + what + " must be");
        }
    }

    /**
     * Reads a JSON file (at most {@link #MAX_JSON_BYTES}): a regular file, duplicate keys refused, nesting bounded.
     *
     * @throws dev.kumiki.tensor.TensorFormatException naming the file and the place when it is not valid JSON
     * @throws IOException                             when it cannot be read
     */
    public static JsonNode readJson(Path file, String what) throws IOException {
        long size = requireFile(file, what);
        if (size > MAX_JSON_BYTES) {
            throw new FileSystemException(file.toString(), null, "is " + size + " bytes, more than a " + what
                    + " can be (" + MAX_JSON_BYTES + " bytes at most); is this the right file?");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return JSON.readTree(in);
        } catch (JsonProcessingException e) {
            throw new dev.kumiki.tensor.TensorFormatException(file + ": not valid JSON (" + JsonProblems.describe(e)
                    + ")");
        }
    }

    /** The JSON reader behind {@link #readJson}, for JSON held in memory (a safetensors header). */
    public static JsonNode parseJson(String text) throws JsonProcessingException {
        return JSON.readTree(text);
    }

    /** What kind of special file {@code file} is, as far as the platform tells. */
    static String specialKind(Path file) {
        try {
            int type = (Integer) Files.getAttribute(file, "unix:mode") & 0170000;
            return switch (type) {
                case 0010000 -> "a named pipe (FIFO)";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | RuntimeException | LinkageError e) {
            return "a special file";
        }
    }

}
