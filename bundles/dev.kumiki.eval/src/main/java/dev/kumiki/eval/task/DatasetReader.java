package dev.kumiki.eval.task;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.tensor.io.InputFiles;

/**
 * Reads a task's local data: JSON Lines ({@code .jsonl}, or a {@code .json} file holding JSON Lines or one array of
 * objects), CSV ({@code .csv}) and TSV ({@code .tsv}) with a header row, all UTF-8. Splits come from
 * {@code dataset_kwargs.data_files} (split → file, relative to the dataset folder), else from a folder's data files
 * (each file is the split of its name: {@code test.jsonl} → {@code test}), else a single file is the {@code train}
 * split as Hugging Face's {@code datasets} calls it. CSV and TSV columns whose every value is a whole number (or a
 * number) are read as numbers, as pandas infers them for {@code datasets}.
 */
public final class DatasetReader {
    /** The largest data file read (512 MiB): evaluation sets are far smaller; this catches a wrong path. */
    public static final long MAX_FILE_BYTES = 512L << 20;
    /** The most documents one split may have. */
    public static final int MAX_DOCS = 5_000_000;

    private DatasetReader() {
    }

    /** The dataset of {@code task}, with the splits it names checked. */
    public static Dataset read(TaskConfig task) throws TaskException {
        Path base = task.datasetPath();
        if (task.datasetName() != null) {
            base = base.resolve(task.datasetName());
        }
        Map<String, Path> files = new LinkedHashMap<>();
        if (!task.dataFiles().isEmpty()) {
            for (Map.Entry<String, String> e : task.dataFiles().entrySet()) {
                files.put(e.getKey(), base.resolve(e.getValue()).normalize());
            }
        } else if (Files.isRegularFile(base)) {
            files.put("train", base);
        } else if (Files.isDirectory(base)) {
            Map<String, Path> found = new TreeMap<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(base)) {
                for (Path p : dir) {
                    String name = p.getFileName().toString();
                    String ext = extension(name);
                    if (ext != null && Files.isRegularFile(p)) {
                        String split = name.substring(0, name.length() - ext.length() - 1);
                        Path before = found.put(split, p);
                        if (before != null) {
                            throw new TaskException(task.where("dataset_path") + ": the split '" + split
                                    + "' has two files, " + before.getFileName() + " and " + name + "; keep one or "
                                    + "name them in dataset_kwargs.data_files");
                        }
                    }
                }
            } catch (IOException e) {
                throw new TaskException(base + ": cannot list the dataset folder: " + TaskReader.message(e));
            }
            if (found.isEmpty()) {
                throw new TaskException(task.where("dataset_path") + ": the dataset folder " + base + " has no "
                        + ".jsonl, .json, .csv or .tsv files");
            }
            files.putAll(found);
        } else {
            throw new TaskException(task.where("dataset_path") + ": there is no dataset folder or file " + base);
        }
        for (String key : List.of("training_split", "validation_split", "test_split", "fewshot_split")) {
            String split = switch (key) {
                case "training_split" -> task.trainingSplit();
                case "validation_split" -> task.validationSplit();
                case "test_split" -> task.testSplit();
                default -> task.fewshot().split();
            };
            if (split != null && !files.containsKey(split)) {
                throw new TaskException(task.where(key) + ": " + key + " '" + split + "' is not a split of the "
                        + "dataset " + base + " (it has " + String.join(", ", files.keySet()) + ")");
            }
        }
        if (task.evalSplit() == null) {
            throw new TaskException(task.where("task") + ": task " + task.task() + " names no test_split or "
                    + "validation_split, so there is nothing to evaluate (the dataset has "
                    + String.join(", ", files.keySet()) + ")");
        }
        Map<String, List<Doc>> splits = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            // only the splits the task uses are read
            if (isUsed(task, e.getKey())) {
                splits.put(e.getKey(), readFile(e.getValue()));
            }
        }
        return new Dataset(splits, files);
    }

    private static boolean isUsed(TaskConfig t, String split) {
        return split.equals(t.evalSplit()) || (t.numFewshot() > 0 && split.equals(t.effectiveFewshotSplit()));
    }

    private static String extension(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String ext : List.of("jsonl", "json", "csv", "tsv")) {
            if (lower.endsWith("." + ext)) {
                return ext;
            }
        }
        return null;
    }

    /** The documents of one file, by its extension. */
    public static List<Doc> readFile(Path file) throws TaskException {
        String ext = extension(file.getFileName().toString());
        if (ext == null) {
            throw new TaskException(file + ": a dataset file ends in .jsonl, .json, .csv or .tsv");
        }
        String text;
        try {
            text = InputFiles.readString(file, "dataset file", MAX_FILE_BYTES);
        } catch (IOException e) {
            throw new TaskException(TaskReader.message(e));
        }
        if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
            text = text.substring(1);
        }
        return switch (ext) {
            case "csv" -> delimited(file, text, ',');
            case "tsv" -> delimited(file, text, '\t');
            default -> text.stripLeading().startsWith("[") ? jsonArray(file, text) : jsonLines(file, text);
        };
    }

    private static List<Doc> jsonLines(Path file, String text) throws TaskException {
        List<Doc> docs = new ArrayList<>();
        int line = 0;
        for (String l : text.split("\n", -1)) {
            line++;
            if (l.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = InputFiles.parseJson(l);
            } catch (JsonProcessingException e) {
                throw new TaskException(file + ":" + line + ": not valid JSON: " + e.getOriginalMessage());
            }
            if (!node.isObject()) {
                throw new TaskException(file + ":" + line + ": each line of a JSONL file is one JSON object "
                        + "{\"field\": value, …}");
            }
            docs.add(new Doc(object(node), file, line));
            limit(file, docs.size());
        }
        return docs;
    }

    private static List<Doc> jsonArray(Path file, String text) throws TaskException {
        JsonNode node;
        try {
            node = InputFiles.parseJson(text);
        } catch (JsonProcessingException e) {
            throw new TaskException(file + ":" + (e.getLocation() == null ? 0 : e.getLocation().getLineNr())
                    + ": not valid JSON: " + e.getOriginalMessage());
        }
        List<Doc> docs = new ArrayList<>();
        int i = 0;
        for (JsonNode item : node) {
            i++;
            if (!item.isObject()) {
                throw new TaskException(file + ": item " + i + " of the array is not a JSON object");
            }
            // a JSON array has no line per document: the item's position stands in for it
            docs.add(new Doc(object(item), file, i));
            limit(file, docs.size());
        }
        return docs;
    }

    private static void limit(Path file, int n) throws TaskException {
        if (n > MAX_DOCS) {
            throw new TaskException(file + ": more than " + MAX_DOCS + " documents; Kumiki evaluates at most "
                    + MAX_DOCS + " per split");
        }
    }

    private static Map<String, Object> object(JsonNode node) {
        Map<String, Object> m = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), plain(e.getValue()));
        }
        return m;
    }

    /** A JSON value as plain Java: String, Long, Double, Boolean, List, Map or null. */
    static Object plain(JsonNode n) {
        if (n.isObject()) {
            return object(n);
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(x -> l.add(plain(x)));
            return l;
        }
        if (n.isIntegralNumber()) {
            return n.canConvertToLong() ? (Object) n.longValue() : n.asText();
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isNull()) {
            return null;
        }
        return n.asText();
    }

    /** CSV/TSV as RFC 4180: quoted fields may hold the delimiter, quotes ("") and line breaks. */
    private static List<Doc> delimited(Path file, String text, char delimiter) throws TaskException {
        List<String[]> rows = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        int line = 1;
        int rowLine = 1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        cell.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    cell.append(c);
                }
            } else if (c == '"' && cell.isEmpty()) {
                quoted = true;
                any = true;
            } else if (c == delimiter) {
                row.add(cell.toString());
                cell.setLength(0);
                any = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                if (any || !cell.isEmpty() || !row.isEmpty()) {
                    row.add(cell.toString());
                    rows.add(row.toArray(String[]::new));
                    lines.add(rowLine);
                }
                row.clear();
                cell.setLength(0);
                any = false;
                line++;
                rowLine = line;
            } else {
                cell.append(c);
                any = true;
            }
        }
        if (quoted) {
            throw new TaskException(file + ":" + rowLine + ": a quoted field is not closed (a \" is missing)");
        }
        if (any || !cell.isEmpty() || !row.isEmpty()) {
            row.add(cell.toString());
            rows.add(row.toArray(String[]::new));
            lines.add(rowLine);
        }
        if (rows.isEmpty()) {
            throw new TaskException(file + ": is empty; a " + (delimiter == ',' ? "CSV" : "TSV") + " file starts "
                    + "with a header row naming its columns");
        }
        String[] header = rows.get(0);
        for (int c = 0; c < header.length; c++) {
            for (int d = 0; d < c; d++) {
                if (header[c].equals(header[d])) {
                    throw new TaskException(file + ":1: the column '" + header[c] + "' appears twice in the header");
                }
            }
        }
        for (int r = 1; r < rows.size(); r++) {
            if (rows.get(r).length != header.length) {
                throw new TaskException(file + ":" + lines.get(r) + ": has " + rows.get(r).length + " values, but "
                        + "the header has " + header.length + " columns (" + String.join(", ", header) + ")");
            }
        }
        limit(file, rows.size() - 1);
        // per column, as pandas infers: all whole numbers → numbers; all numbers → decimals; else text
        Object[][] values = new Object[rows.size()][header.length];
        for (int c = 0; c < header.length; c++) {
            boolean ints = rows.size() > 1;
            boolean nums = rows.size() > 1;
            for (int r = 1; r < rows.size(); r++) {
                String v = rows.get(r)[c];
                ints &= v.matches("[+-]?\\d{1,18}");
                nums &= v.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
            }
            for (int r = 1; r < rows.size(); r++) {
                String v = rows.get(r)[c];
                values[r][c] = ints ? (Object) Long.parseLong(v.startsWith("+") ? v.substring(1) : v)
                        : nums ? (Object) Double.parseDouble(v) : v;
            }
        }
        List<Doc> docs = new ArrayList<>();
        for (int r = 1; r < rows.size(); r++) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int c = 0; c < header.length; c++) {
                m.put(header[c], values[r][c]);
            }
            docs.add(new Doc(m, file, lines.get(r)));
        }
        return docs;
    }
}
