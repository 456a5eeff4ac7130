package dev.kumiki.eval.report;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import dev.kumiki.eval.Aggregation.Item;
import dev.kumiki.eval.SampleRecord;

/**
 * Per-sample records as JSON Lines, one file per task ({@code samples_TASK.jsonl} in a folder), one line per document
 * and filter as lm-eval writes them: {@code doc_id}, {@code doc}, {@code source} (file:line), {@code prompt},
 * {@code target}, {@code choices} with {@code logprobs} and {@code is_greedy} (multiple choice, log-likelihood) or
 * {@code resps} (generations), {@code filter}, {@code filtered_resp}, {@code metrics} (name → per-sample value; a
 * [log-likelihood, weight] pair for perplexities) and {@code tokens}. Lines go to hidden temporary files; only
 * {@link #commit()} puts the files in place, so a cancelled or failed run leaves none.
 * {@snippet :
 * try (SamplesWriter samples = SamplesWriter.open(outDir)) {
 *     EvaluationResults r = evaluation.stream().peek(samples).collect(evaluation.toResults());
 *     samples.commit();
 * }
 * }
 */
public final class SamplesWriter implements Consumer<SampleRecord>, AutoCloseable {
    private final Path dir;
    private final Map<String, BufferedWriter> writers = new LinkedHashMap<>();
    private final Map<String, Path> temps = new LinkedHashMap<>();
    private boolean committed;

    private SamplesWriter(Path dir) {
        this.dir = dir;
    }

    /** A writer into {@code dir} (created if missing). */
    public static SamplesWriter open(Path dir) throws IOException {
        Files.createDirectories(dir);
        return new SamplesWriter(dir);
    }

    /** The file a task's samples end up in. */
    public static Path file(Path dir, String task) {
        return dir.resolve("samples_" + task.replaceAll("[^A-Za-z0-9._-]", "_") + ".jsonl");
    }

    /** Writes {@code r}'s lines; throws {@link UncheckedIOException} when the disk refuses. */
    @Override
    public void accept(SampleRecord r) {
        try {
            BufferedWriter w = writers.get(r.task());
            if (w == null) {
                Path target = file(dir, r.task());
                Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
                temps.put(r.task(), tmp);
                w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
                writers.put(r.task(), w);
            }
            for (Map<String, Object> line : lines(r)) {
                w.write(Json.MAPPER.writeValueAsString(line));
                w.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JSON objects written for {@code r}: one per filter. */
    public static List<Map<String, Object>> lines(SampleRecord r) {
        List<String> filters = r.filtered().isEmpty() ? List.of("none") : List.copyOf(r.filtered().keySet());
        List<Map<String, Object>> out = new ArrayList<>();
        for (String filter : filters) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("doc_id", r.docId());
            m.put("doc", r.doc());
            m.put("source", r.source());
            m.put("prompt", r.prompt());
            m.put("target", r.target());
            if (!r.choices().isEmpty()) {
                m.put("choices", r.choices());
            }
            if (!r.logprobs().isEmpty()) {
                m.put("logprobs", r.logprobs());
            }
            if (!r.greedy().isEmpty()) {
                m.put("is_greedy", r.greedy());
            }
            if (!r.responses().isEmpty()) {
                m.put("resps", r.responses());
            }
            m.put("filter", filter);
            if (r.filtered().containsKey(filter)) {
                m.put("filtered_resp", r.filtered().get(filter));
            }
            Map<String, Object> metrics = new LinkedHashMap<>();
            r.scores().forEach((k, v) -> {
                int comma = k.indexOf(',');
                if (k.substring(comma + 1).equals(filter)) {
                    metrics.put(k.substring(0, comma), value(v, k.substring(0, comma)));
                }
            });
            m.put("metrics", metrics);
            m.put("tokens", r.tokens());
            out.add(m);
        }
        return out;
    }

    private static Object value(Item v, String metric) {
        return metric.endsWith("perplexity") || metric.equals("bits_per_byte")
                ? List.of(v.value(), v.weight()) : (Object) v.value();
    }

    /** Closes the files and renames them into place. */
    public void commit() throws IOException {
        for (BufferedWriter w : writers.values()) {
            w.close();
        }
        for (Map.Entry<String, Path> e : temps.entrySet()) {
            AtomicFiles.commit(e.getValue(), file(dir, e.getKey()));
        }
        committed = true;
    }

    /** Closes the files; without {@link #commit()} first, deletes them. */
    @Override
    public void close() throws IOException {
        for (BufferedWriter w : writers.values()) {
            w.close();
        }
        if (!committed) {
            for (Path p : temps.values()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
