package dev.kumiki.nodes;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.emf.ecore.EClass;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.engine.ConfigureContext;
import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.engine.Inputs;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.Port;
import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.nodes.settings.Dataset;
import dev.kumiki.nodes.settings.NodesPackage;
import dev.kumiki.train.data.DatasetFormat;

/**
 * Dataset: a JSONL file for Train. Configure reads its first line only, to tell the format ({@code auto}) and check
 * its fields; the whole file is read when Train tokenizes it. The file's size and time are part of the cache key, so
 * a changed dataset trains again.
 */
public final class DatasetKind implements NodeKind<Dataset> {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A first line longer than this is not read at configure time (its check waits for Train). */
    private static final int MAX_FIRST_LINE = 1 << 20;

    @Override
    public EClass settingsClass() {
        return NodesPackage.Literals.DATASET;
    }

    @Override
    public List<Port> inputs() {
        return List.of();
    }

    @Override
    public List<Port> outputs() {
        return List.of(Port.of("dataset", ModelPorts.DATASET, "the file, its format and the validation share"));
    }

    @Override
    public Map<String, PortSpec> configure(Dataset s, Inputs<PortSpec> inputs, ConfigureContext c) {
        if (s.getPath() == null || s.getPath().isBlank()) {
            c.error("path", "no dataset file is given; path names a JSONL file (one JSON object a line)");
            return Map.of();
        }
        Path file;
        try {
            // a shipped dataset's name (the examples') is generated into its folder on first use
            file = TrainingDatasets.resolve(s.getPath(), c.baseDir()).orElse(null);
        } catch (IOException e) {
            c.error("path", e.getMessage());
            return Map.of();
        }
        if (file == null) {
            c.error("path", "there is no file " + c.resolve(s.getPath()) + (Path.of(s.getPath()).isAbsolute() ? ""
                    : " (the path is relative to the pipeline file's folder)") + "; Dataset reads a JSONL file"
                    + TrainingDatasets.hint(s.getPath()));
            return Map.of();
        }
        DatasetFormat given = DatasetFormat.valueOf(s.getFormat().getLiteral().toUpperCase(Locale.ROOT));
        try {
            return Map.of("dataset", new DatasetValue(file, format(file, given), s.getValSize()));
        } catch (IOException e) {
            c.error(e instanceof FormatProblem ? "format" : "path", e.getMessage());
            return Map.of();
        }
    }

    /** A first line that does not have the fields of the format. */
    private static final class FormatProblem extends IOException {
        private static final long serialVersionUID = 1L;

        FormatProblem(String message) {
            super(message);
        }
    }

    /**
     * The format of {@code file}: {@code given}, checked against the first line's fields, or for {@code AUTO} the one
     * those fields show.
     *
     * @throws IOException naming the file and line when the first line is not a JSON object with the fields needed
     */
    static DatasetFormat format(Path file, DatasetFormat given) throws IOException {
        String line = null;
        int number = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            char[] buffer = new char[8192];
            StringBuilder b = new StringBuilder();
            // read by hand: a file without line breaks must not be read whole into memory here
            int n;
            number = 1;
            outer:
            while ((n = r.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    char ch = buffer[i];
                    if (ch == '\n') {
                        if (!b.toString().isBlank()) {
                            line = b.toString();
                            break outer;
                        }
                        b.setLength(0);
                        number++;
                    } else if (b.length() < MAX_FIRST_LINE) {
                        b.append(ch);
                    } else {
                        return given == DatasetFormat.AUTO ? DatasetFormat.TEXT : given;
                    }
                }
            }
            if (line == null && !b.toString().isBlank()) {
                line = b.toString();
            }
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(file + " is not UTF-8 text; a JSONL dataset is UTF-8, one JSON object a line");
        }
        if (line == null) {
            throw new IOException(file + " is empty; a JSONL dataset has one JSON object a line");
        }
        JsonNode o;
        try {
            o = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new IOException(file + ":" + number + ": not JSON (" + e.getOriginalMessage() + "); a JSONL dataset "
                    + "has one JSON object a line");
        }
        if (o == null || !o.isObject()) {
            throw new IOException(file + ":" + number + ": not a JSON object; each line is an object such as "
                    + "{\"text\": \"…\"}");
        }
        boolean text = o.path("text").isTextual();
        boolean pair = o.path("prompt").isTextual() && o.path("completion").isTextual();
        boolean messages = o.path("messages").isArray();
        String fields = String.join(", ", (Iterable<String>) () -> o.fieldNames());
        return switch (given) {
            case AUTO -> {
                if (messages) {
                    yield DatasetFormat.MESSAGES;
                }
                if (pair) {
                    yield DatasetFormat.PROMPT_COMPLETION;
                }
                if (text) {
                    yield DatasetFormat.TEXT;
                }
                throw new FormatProblem(file + ":" + number + ": the line has none of the fields a dataset needs "
                        + "(text; prompt and completion; or messages), only " + (fields.isEmpty() ? "none" : fields)
                        + "; rename the field, or convert the file");
            }
            case TEXT -> {
                if (!text) {
                    throw new FormatProblem(file + ":" + number + ": format is text but the line has no \"text\" "
                            + "string (its fields: " + fields + ")" + (pair || messages ? "; set format to auto" : ""));
                }
                yield given;
            }
            case PROMPT_COMPLETION -> {
                if (!pair) {
                    throw new FormatProblem(file + ":" + number + ": format is prompt_completion but the line lacks "
                            + "a \"prompt\" or \"completion\" string (its fields: " + fields + ")"
                            + (text || messages ? "; set format to auto" : ""));
                }
                yield given;
            }
            case MESSAGES -> {
                if (!messages) {
                    throw new FormatProblem(file + ":" + number + ": format is messages but the line has no "
                            + "\"messages\" list (its fields: " + fields + ")" + (text || pair ? "; set format to auto"
                                    : ""));
                }
                yield given;
            }
        };
    }

    @Override
    public String fingerprint(Dataset s, ConfigureContext c) throws IOException {
        Path file = file(s, c.baseDir());
        return file + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toMillis();
    }

    @Override
    public Map<String, PortValue> execute(Dataset s, Inputs<PortValue> inputs, ExecuteContext c) throws IOException {
        Path file = file(s, c.baseDir());
        DatasetValue v = new DatasetValue(file, format(file, DatasetFormat.valueOf(s.getFormat().getLiteral()
                .toUpperCase(Locale.ROOT))), s.getValSize());
        c.log(v.summary());
        return Map.of("dataset", v);
    }

    /** The file the settings name: a file relative to the pipeline, or a shipped dataset's (written if needed). */
    private static Path file(Dataset s, Path baseDir) throws IOException {
        return TrainingDatasets.resolve(s.getPath(), baseDir).orElseThrow(() -> new IOException("there is no file "
                + baseDir.resolve(s.getPath()) + TrainingDatasets.hint(s.getPath())));
    }
}
