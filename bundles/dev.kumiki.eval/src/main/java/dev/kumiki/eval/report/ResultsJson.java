package dev.kumiki.eval.report;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.eval.EvaluationResults;
import dev.kumiki.eval.Metrics;
import dev.kumiki.eval.MetricResult;
import dev.kumiki.eval.TaskResult;
import dev.kumiki.tensor.io.InputFiles;

/**
 * {@code results.json} in lm-evaluation-harness's layout: {@code results} (per task, {@code "acc,none"} and
 * {@code "acc_stderr,none"}, "N/A" where there is no standard error), {@code configs}, {@code versions},
 * {@code n-shot}, {@code higher_is_better}, {@code n-samples}, {@code config} (how it ran), {@code model_name},
 * {@code date} (seconds since 1970, as lm-eval writes it) and Kumiki's {@code kumiki_version} and
 * {@code date_iso}.
 */
public final class ResultsJson {
    private ResultsJson() {
    }

    /** The file's content as a JSON tree. */
    public static Map<String, Object> toMap(EvaluationResults r) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> results = new LinkedHashMap<>();
        Map<String, Object> configs = new LinkedHashMap<>();
        Map<String, Object> versions = new LinkedHashMap<>();
        Map<String, Object> nShot = new LinkedHashMap<>();
        Map<String, Object> hib = new LinkedHashMap<>();
        Map<String, Object> nSamples = new LinkedHashMap<>();
        for (TaskResult t : r.tasks()) {
            Map<String, Object> scores = new LinkedHashMap<>();
            scores.put("alias", t.alias());
            Map<String, Object> better = new LinkedHashMap<>();
            for (MetricResult m : t.metrics()) {
                scores.put(m.key(), Json.finite(m.value()));
                scores.put(m.metric() + "_stderr," + m.filter(), Double.isFinite(m.stderr()) ? m.stderr() : "N/A");
                better.put(m.metric(), m.higherIsBetter());
            }
            results.put(t.task(), scores);
            configs.put(t.task(), t.config());
            versions.put(t.task(), t.version());
            nShot.put(t.task(), t.numFewshot());
            hib.put(t.task(), better);
            nSamples.put(t.task(), Map.of("original", t.original(), "effective", t.effective()));
        }
        root.put("results", results);
        root.put("configs", configs);
        root.put("versions", versions);
        root.put("n-shot", nShot);
        root.put("higher_is_better", hib);
        root.put("n-samples", nSamples);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model", "kumiki");
        config.put("model_name", r.model());
        config.putAll(r.settings());
        root.put("config", config);
        root.put("model_name", r.model());
        root.put("date", r.date().toEpochMilli() / 1000.0);
        root.put("date_iso", r.date().toString());
        root.put("kumiki_version", r.kumikiVersion());
        return root;
    }

    /** Writes {@code r} to {@code file} atomically. */
    public static void write(Path file, EvaluationResults r) throws IOException {
        AtomicFiles.write(file, w -> Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(w, toMap(r)));
    }

    /**
     * Reads a {@code results.json} written by Kumiki (or by lm-eval: the keys it shares are read).
     *
     * @throws IOException naming the file when it cannot be read or is not such a file
     */
    public static EvaluationResults read(Path file) throws IOException {
        JsonNode root = InputFiles.readJson(file, "results.json file");
        JsonNode results = root.get("results");
        if (results == null || !results.isObject()) {
            throw new IOException(file + ": not a results.json file: it has no \"results\" object");
        }
        String model = root.path("model_name").asText(root.path("config").path("model_name").asText("model"));
        Instant date = root.has("date_iso") ? Instant.parse(root.get("date_iso").asText())
                : Instant.ofEpochMilli((long) (root.path("date").asDouble(0) * 1000));
        List<TaskResult> tasks = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = results.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String task = e.getKey();
            JsonNode scores = e.getValue();
            JsonNode config = root.path("configs").path(task);
            Map<String, String> aggregations = new LinkedHashMap<>();
            for (JsonNode m : config.path("metric_list")) {
                if (m.has("aggregation")) {
                    aggregations.put(m.path("metric").asText(), m.get("aggregation").asText());
                }
            }
            List<MetricResult> metrics = new ArrayList<>();
            Iterator<Map.Entry<String, JsonNode>> fs = scores.fields();
            while (fs.hasNext()) {
                Map.Entry<String, JsonNode> f = fs.next();
                int comma = f.getKey().indexOf(',');
                if (comma < 0 || f.getKey().substring(0, comma).endsWith("_stderr")) {
                    continue;
                }
                String metric = f.getKey().substring(0, comma);
                String filter = f.getKey().substring(comma + 1);
                JsonNode se = scores.path(metric + "_stderr," + filter);
                JsonNode better = root.path("higher_is_better").path(task).path(metric);
                metrics.add(new MetricResult(metric, filter, f.getValue().isNumber() ? f.getValue().asDouble()
                        : Double.NaN, se.isNumber() ? se.asDouble() : Double.NaN,
                        aggregations.getOrDefault(metric, Metrics.defaultAggregation(metric)),
                        better.isBoolean() ? better.asBoolean() : Metrics.defaultHigherIsBetter(metric)));
            }
            Map<String, Object> cfg = config.isObject()
                    ? Json.MAPPER.convertValue(config, new TypeReference<Map<String, Object>>() { })
                    : Map.of();
            JsonNode n = root.path("n-samples").path(task);
            tasks.add(new TaskResult(task, scores.path("alias").asText(task),
                    root.path("versions").path(task).asDouble(0), root.path("n-shot").path(task).asInt(0),
                    n.path("original").asInt(0), n.path("effective").asInt(0), metrics, cfg));
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        JsonNode config = root.path("config");
        for (String k : List.of("limit", "fewshot_seed", "bootstrap_iters")) {
            if (config.has(k)) {
                settings.put(k, Json.MAPPER.convertValue(config.get(k), Object.class));
            }
        }
        return new EvaluationResults(model, date, root.path("kumiki_version").asText(""), settings, tasks);
    }
}
