package dev.kumiki.eval.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A task configuration as lm-eval writes it into {@code results.json}'s {@code configs}: its keys and values. */
public final class TaskConfigDump {
    private TaskConfigDump() {
    }

    /** The keys of {@code c} with their values (paths as text, templates as written). */
    public static Map<String, Object> toMap(TaskConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", c.task());
        if (!c.alias().equals(c.task())) {
            m.put("task_alias", c.alias());
        }
        if (!c.tags().isEmpty()) {
            m.put("tag", c.tags());
        }
        m.put("dataset_path", c.datasetPath().toString());
        putIf(m, "dataset_name", c.datasetName());
        if (!c.dataFiles().isEmpty()) {
            m.put("dataset_kwargs", Map.of("data_files", c.dataFiles()));
        }
        putIf(m, "training_split", c.trainingSplit());
        putIf(m, "validation_split", c.validationSplit());
        putIf(m, "test_split", c.testSplit());
        putIf(m, "fewshot_split", c.fewshotSplit());
        m.put("doc_to_text", template(c.docToText()));
        m.put("doc_to_target", template(c.docToTarget()));
        if (c.docToChoice() != null) {
            m.put("doc_to_choice", template(c.docToChoice()));
        }
        m.put("description", c.description());
        m.put("target_delimiter", c.targetDelimiter());
        m.put("fewshot_delimiter", c.fewshotDelimiter());
        TaskConfig.FewshotConfig f = c.fewshot();
        Map<String, Object> fs = new LinkedHashMap<>();
        fs.put("sampler", f.sampler());
        putIf(fs, "split", f.split());
        m.put("fewshot_config", fs);
        m.put("num_fewshot", c.numFewshot());
        m.put("output_type", c.outputType().yamlName());
        if (c.outputType() == TaskConfig.OutputType.GENERATE_UNTIL) {
            TaskConfig.GenerationKwargs g = c.generation();
            Map<String, Object> gk = new LinkedHashMap<>();
            gk.put("until", g.until());
            gk.put("max_gen_toks", g.maxGenToks());
            gk.put("do_sample", g.doSample());
            gk.put("temperature", g.temperature());
            if (g.topK() != 0) {
                gk.put("top_k", g.topK());
            }
            if (g.topP() != 1) {
                gk.put("top_p", g.topP());
            }
            gk.put("seed", g.seed());
            m.put("generation_kwargs", gk);
        }
        m.put("repeats", c.repeats());
        List<Object> filters = new ArrayList<>();
        for (FilterPipeline p : c.filterList()) {
            List<Object> steps = new ArrayList<>();
            for (FilterPipeline.Step s : p.steps()) {
                Map<String, Object> step = new LinkedHashMap<>();
                step.put("function", s.function());
                switch (s) {
                    case FilterPipeline.Regex r -> {
                        step.put("regex_pattern", r.pattern());
                        step.put("group_select", r.groupSelect());
                        step.put("fallback", r.fallback());
                    }
                    case FilterPipeline.TakeFirstK k -> step.put("k", k.k());
                    case FilterPipeline.MapValues mv -> {
                        step.put("mapping_dict", mv.mapping());
                        putIf(step, "default_value", mv.defaultValue());
                    }
                    default -> { }
                }
                steps.add(step);
            }
            filters.add(Map.of("name", p.name(), "filter", steps));
        }
        m.put("filter_list", filters);
        List<Object> metrics = new ArrayList<>();
        for (MetricSpec s : c.metricList()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("metric", s.metric());
            putIf(e, "aggregation", s.aggregation());
            putIf(e, "higher_is_better", s.higherIsBetter());
            if (s.ignoreCase()) {
                e.put("ignore_case", true);
            }
            if (s.ignorePunctuation()) {
                e.put("ignore_punctuation", true);
            }
            if (s.ignoreNumbers()) {
                e.put("ignore_numbers", true);
            }
            if (!s.regexesToIgnore().isEmpty()) {
                e.put("regexes_to_ignore", s.regexesToIgnore());
            }
            if (s.onlyJapanese()) {
                e.put("only_japanese", true);
            }
            metrics.add(e);
        }
        m.put("metric_list", metrics);
        Map<String, Object> md = new LinkedHashMap<>(c.metadata());
        md.put("version", c.version());
        m.put("metadata", md);
        return m;
    }

    private static Object template(DocTemplate t) {
        return switch (t) {
            case DocTemplate.Text(String s) -> s;
            case DocTemplate.Index(int i) -> i;
            case DocTemplate.Choices(List<String> c) -> c;
        };
    }

    private static void putIf(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }
}
