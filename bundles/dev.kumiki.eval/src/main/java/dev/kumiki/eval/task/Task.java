package dev.kumiki.eval.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A task ready to run: its {@link TaskConfig}, its {@link Dataset}, and lm-evaluation-harness's rules for turning a
 * document into a prompt ({@link #context}), a target and choices. Loading checks the first document of the evaluated
 * split through every template, so a template error or a missing field is reported before any model runs.
 */
public final class Task {
    private final TaskConfig config;
    private final Dataset dataset;
    private final List<Doc> evalDocs;
    private final Set<String> features;

    private Task(TaskConfig config, Dataset dataset) throws TaskException {
        this.config = config;
        this.dataset = dataset;
        this.evalDocs = dataset.split(config.evalSplit());
        if (evalDocs == null || evalDocs.isEmpty()) {
            throw new TaskException(config.where(config.testSplit() != null ? "test_split" : "validation_split")
                    + ": the split '" + config.evalSplit() + "' of task " + config.task() + " has no documents");
        }
        // lm-eval's "features": the dataset's columns (Hugging Face fills a column missing from a row with None)
        Set<String> f = new LinkedHashSet<>();
        evalDocs.forEach(d -> f.addAll(d.fields().keySet()));
        this.features = Set.copyOf(f);
        Doc first = evalDocs.get(0);
        text(first);
        target(first);
        if (config.docToChoice() != null) {
            List<String> choices = choices(first);
            if (config.outputType() == TaskConfig.OutputType.MULTIPLE_CHOICE && choices.isEmpty()) {
                throw new TaskException(config.where("doc_to_choice") + ": task " + config.task()
                        + ": doc_to_choice gives no choices for " + first.where());
            }
        }
        description(first);
        if (config.numFewshot() > 0) {
            List<Doc> pool = fewshotDocs();
            if (pool.isEmpty()) {
                throw new TaskException(config.where("num_fewshot") + ": task " + config.task() + " asks for "
                        + config.numFewshot() + " few-shot examples but the split '" + config.effectiveFewshotSplit()
                        + "' has no documents");
            }
            int needed = config.numFewshot() + (config.effectiveFewshotSplit().equals(config.evalSplit())
                    && "default".equals(config.fewshot().sampler()) ? 1 : 0);
            if (pool.size() < needed) {
                throw new TaskException(config.where("num_fewshot") + ": task " + config.task() + " asks for "
                        + config.numFewshot() + " few-shot examples, but the split '" + config.effectiveFewshotSplit()
                        + "' has " + pool.size() + " documents" + (needed > config.numFewshot()
                                ? " (examples drawn from the evaluated split need one more, to leave the document out)"
                                : "") + "; lower num_fewshot");
            }
            TaskConfig.FewshotConfig fs = config.fewshot();
            text(pool.get(0), fs.docToText(), "fewshot_config.doc_to_text");
            target(pool.get(0), fs.docToTarget(), "fewshot_config.doc_to_target");
            if (fs.docToChoice() != null) {
                choices(pool.get(0), fs.docToChoice(), "fewshot_config.doc_to_choice");
            }
        }
    }

    /** Reads the task file and its data. */
    public static Task load(Path taskFile) throws TaskException {
        return of(TaskReader.read(taskFile));
    }

    /** The task of {@code config}, its data read from disk. */
    public static Task of(TaskConfig config) throws TaskException {
        return new Task(config, DatasetReader.read(config));
    }

    /** The task of {@code config} over data already in memory. */
    public static Task of(TaskConfig config, Dataset dataset) throws TaskException {
        return new Task(config, dataset);
    }

    public TaskConfig config() {
        return config;
    }

    public Dataset dataset() {
        return dataset;
    }

    /** The documents evaluated: the test split, else the validation split. */
    public List<Doc> evalDocs() {
        return evalDocs;
    }

    /** The documents few-shot examples are drawn from. */
    public List<Doc> fewshotDocs() throws TaskException {
        String split = config.effectiveFewshotSplit();
        List<Doc> docs = split == null ? null : dataset.split(split);
        if (docs == null) {
            throw new TaskException(config.where("num_fewshot") + ": task " + config.task() + " asks for "
                    + config.numFewshot() + " few-shot examples but has no split to draw them from; set fewshot_split");
        }
        return docs;
    }

    /** The prompt text of {@code doc} ({@code doc_to_text}). */
    public String text(Doc doc) throws TaskException {
        return text(doc, config.docToText(), "doc_to_text");
    }

    /** The target of {@code doc}: a String, an Integer (a choice index) or a List of acceptable Strings. */
    public Object target(Doc doc) throws TaskException {
        return target(doc, config.docToTarget(), "doc_to_target");
    }

    /** The choices of {@code doc} ({@code doc_to_choice}); empty when the task has none. */
    public List<String> choices(Doc doc) throws TaskException {
        return config.docToChoice() == null ? List.of() : choices(doc, config.docToChoice(), "doc_to_choice");
    }

    /** The target as text: a choice index becomes the choice, a list its first entry. */
    public String targetText(Doc doc) throws TaskException {
        Object t = target(doc);
        List<String> c = choices(doc);
        if (t instanceof Integer i && !c.isEmpty()) {
            if (i < 0 || i >= c.size()) {
                throw new TaskException(doc.where() + ": task " + config.task() + ": the target index " + i
                        + " is not one of the " + c.size() + " choices");
            }
            return c.get(i);
        }
        if (t instanceof List<?> l) {
            return l.isEmpty() ? "" : String.valueOf(l.get(0));
        }
        return String.valueOf(t);
    }

    /** The rendered {@code description} for {@code doc} (lm-eval: a field name, or a template). */
    public String description(Doc doc) throws TaskException {
        String d = config.description();
        if (d.isEmpty()) {
            return "";
        }
        if (doc.fields().containsKey(d)) {
            return PyValues.str(doc.fields().get(d));
        }
        return render(d, doc, "description");
    }

    /**
     * The few-shot context of each document in turn: the description, then {@code num_fewshot} solved examples, each
     * {@code question + target_delimiter + answer + fewshot_delimiter}, then the document's own question — exactly
     * lm-evaluation-harness's plain-text prompt. Examples are drawn with Python's {@code random.Random(seed)} in
     * document order, so the same documents in the same order get the same examples as in lm-eval.
     */
    public Prompter prompter(long seed) throws TaskException {
        return new Prompter(config.numFewshot() == 0 ? null
                : new FewshotSampler(fewshotDocs(), config.fewshot().sampler(), seed, config));
    }

    /** Builds prompts in document order (the few-shot generator advances with each). */
    public final class Prompter {
        private final FewshotSampler sampler;

        private Prompter(FewshotSampler sampler) {
            this.sampler = sampler;
        }

        /** The prompt of {@code doc}. */
        public String context(Doc doc) throws TaskException {
            StringBuilder sb = new StringBuilder(description(doc));
            if (sampler != null) {
                boolean sameSplit = config.effectiveFewshotSplit().equals(config.evalSplit());
                TaskConfig.FewshotConfig fs = config.fewshot();
                for (Doc example : sampler.sample(config.numFewshot(), sameSplit ? doc : null)) {
                    String q = text(example, fs.docToText(), "fewshot_config.doc_to_text");
                    Object a = target(example, fs.docToTarget(), "fewshot_config.doc_to_target");
                    List<String> c = fs.docToChoice() == null ? List.of()
                            : choices(example, fs.docToChoice(), "fewshot_config.doc_to_choice");
                    boolean hasAnswer = a != null && !"".equals(a);
                    sb.append(q);
                    if (hasAnswer) {
                        String answer;
                        if (a instanceof Integer i && !c.isEmpty()) {
                            if (i < 0 || i >= c.size()) {
                                throw new TaskException(example.where() + ": task " + config.task() + ": the "
                                        + "target index " + i + " is not one of the " + c.size() + " choices");
                            }
                            answer = c.get(i);
                        } else if (a instanceof List<?> l) {
                            answer = l.isEmpty() ? "" : PyValues.str(l.get(0));
                        } else {
                            answer = PyValues.str(a);
                        }
                        sb.append(fs.targetDelimiter()).append(answer).append(fs.fewshotDelimiter());
                    }
                }
            }
            return sb.append(text(doc)).toString();
        }
    }

    // --- lm-eval's doc_to_text / doc_to_target / doc_to_choice

    private String text(Doc doc, DocTemplate t, String key) throws TaskException {
        return switch (t) {
            case DocTemplate.Text(String s) -> {
                if (features.contains(s)) {
                    yield PyValues.str(field(doc, s, key));
                }
                String r = render(s, doc, key);
                if (config.docToChoice() != null && isDigits(r)) {
                    throw new TaskException(config.where(key) + ": task " + config.task() + ": " + key + " gives the "
                            + "number " + r + " for " + doc.where() + "; lm-eval reads that as one context per "
                            + "choice (Winogrande's multiple inputs), which Kumiki does not support");
                }
                yield r;
            }
            case DocTemplate.Index(int i) -> throw new TaskException(config.where(key) + ": task " + config.task()
                    + ": " + key + " is the number " + i + "; it must give text");
            case DocTemplate.Choices c -> throw new TaskException(config.where(key) + ": task " + config.task()
                    + ": " + key + " is a list; it must give text");
        };
    }

    private Object target(Doc doc, DocTemplate t, String key) throws TaskException {
        return switch (t) {
            case DocTemplate.Index(int i) -> i;
            case DocTemplate.Choices(List<String> c) -> c;
            case DocTemplate.Text(String s) -> {
                if (features.contains(s)) {
                    yield normalise(field(doc, s, key), doc, key);
                }
                Object single = evaluate(s, doc, key);
                if (single instanceof List<?> || single instanceof Number) {
                    yield normalise(single, doc, key);
                }
                String r = single != null ? PyValues.str(single) : render(s, doc, key);
                if (isDigits(r) && config.docToChoice() != null) {
                    yield Integer.parseInt(r);
                }
                if (r.length() >= 2 && r.startsWith("[") && r.endsWith("]")) {
                    List<Object> parsed = PyValues.parseList(r);
                    if (parsed != null) {
                        yield normalise(parsed, doc, key);
                    }
                }
                yield r;
            }
        };
    }

    /** Targets as the runner uses them: whole numbers as Integer, lists as lists of text, the rest as text. */
    private Object normalise(Object v, Doc doc, String key) throws TaskException {
        if (v instanceof Long || v instanceof Integer) {
            long n = ((Number) v).longValue();
            if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
                throw new TaskException(doc.where() + ": task " + config.task() + ": " + key + " is " + n
                        + ", too large for a choice index");
            }
            return (int) n;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) {
                out.add(o instanceof Long || o instanceof Integer ? (Object) ((Number) o).intValue()
                        : PyValues.str(o));
            }
            return out;
        }
        return PyValues.str(v);
    }

    private List<String> choices(Doc doc, DocTemplate t, String key) throws TaskException {
        Object v = switch (t) {
            case DocTemplate.Choices(List<String> c) -> c;
            case DocTemplate.Index(int i) -> throw new TaskException(config.where(key) + ": task " + config.task()
                    + ": " + key + " must give a list of choices, not the number " + i);
            case DocTemplate.Text(String s) -> {
                if (features.contains(s)) {
                    yield field(doc, s, key);
                }
                Object single = evaluate(s, doc, key);
                yield single != null ? single : PyValues.parseList(render(s, doc, key));
            }
        };
        if (v instanceof Map<?, ?> m) {
            v = new ArrayList<>(m.values());
        }
        if (!(v instanceof List<?> l)) {
            throw new TaskException(config.where(key) + ": task " + config.task() + ": " + key + " must give a list "
                    + "of choices; for " + doc.where() + " it gives " + (v == null ? "nothing" : "'" + v + "'"));
        }
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            out.add(PyValues.str(o));
        }
        return out;
    }

    private Object field(Doc doc, String name, String key) throws TaskException {
        if (!doc.fields().containsKey(name)) {
            throw new TaskException(doc.where() + ": the document has no field '" + name + "', which " + key
                    + " of task " + config.task() + " uses (it has " + String.join(", ", doc.fields().keySet())
                    + ")");
        }
        return doc.fields().get(name);
    }

    private static boolean isDigits(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() < 10;
    }

    private String render(String template, Doc doc, String key) throws TaskException {
        try {
            return JinjaTemplates.render(template, doc.fields());
        } catch (JinjaTemplates.Failure f) {
            throw templateError(f, doc, key);
        }
    }

    private Object evaluate(String template, Doc doc, String key) throws TaskException {
        try {
            return JinjaTemplates.evaluateSingle(template, doc.fields());
        } catch (JinjaTemplates.Failure f) {
            throw templateError(f, doc, key);
        }
    }

    private TaskException templateError(JinjaTemplates.Failure f, Doc doc, String key) {
        String where = config.where(key.startsWith("fewshot_config.") ? "fewshot_config" : key);
        String line = f.line > 0 ? " (template line " + f.line + ")" : "";
        if (f.unknown != null) {
            return new TaskException(where + ": task " + config.task() + ", " + key + line + ": '" + f.unknown
                    + "' is undefined: the document " + doc.where() + " has no field '" + f.unknown + "' (it has "
                    + String.join(", ", doc.fields().keySet()) + ")");
        }
        return new TaskException(where + ": task " + config.task() + ", " + key + line + ": the template fails on "
                + doc.where() + ": " + f.getMessage());
    }
}
