package dev.kumiki.eval.task;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A task's data: named splits of documents, read from local JSONL, CSV or TSV files by {@link DatasetReader}.
 *
 * @param splits split name → its documents, in file order
 * @param files  split name → the file it was read from
 */
public record Dataset(Map<String, List<Doc>> splits, Map<String, Path> files) {

    public Dataset {
        Map<String, List<Doc>> copy = new LinkedHashMap<>();
        splits.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        splits = Collections.unmodifiableMap(copy);
        files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
    }

    /** The documents of {@code split}, or null when there is no such split. */
    public List<Doc> split(String split) {
        return splits.get(split);
    }

    /** The split names. */
    public Set<String> names() {
        return splits.keySet();
    }
}
