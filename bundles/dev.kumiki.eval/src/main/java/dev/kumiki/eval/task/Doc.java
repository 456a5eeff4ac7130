package dev.kumiki.eval.task;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One document (row) of a dataset: its fields as plain Java values (String, Long, Double, Boolean, List, Map, null)
 * and where it was read, for messages.
 *
 * @param fields the row, in column order
 * @param file   the file it came from
 * @param line   its line in that file, from 1
 */
public record Doc(Map<String, Object> fields, Path file, long line) {

    public Doc {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** {@code FILE:LINE}. */
    public String where() {
        return file + ":" + line;
    }

    /** Two documents are the same document when their fields are equal (lm-eval compares the dicts). */
    public boolean sameFields(Doc other) {
        return fields.equals(other.fields);
    }
}
