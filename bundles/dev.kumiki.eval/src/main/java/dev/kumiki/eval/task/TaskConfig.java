package dev.kumiki.eval.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One evaluation task as its YAML file declares it, with lm-evaluation-harness's keys and defaults (see
 * {@code docs/evaluation.md}): where the data is, how a document becomes a prompt, a target and choices, what the
 * model is asked ({@link OutputType}), how answers are filtered and which metrics score them. Immutable; read one
 * with {@link TaskReader}, or build one in code:
 * {@snippet :
 * TaskConfig task = TaskConfig.builder("arith_en")
 *         .setDatasetPath(Path.of("data"))
 *         .setDocToText(DocTemplate.of("Q: {{question}}\nA:"))
 *         .setDocToTarget(DocTemplate.of("answer"))
 *         .setOutputType(OutputType.GENERATE_UNTIL)
 *         .build();
 * }
 *
 * @param task             the task's name
 * @param alias            the name shown in reports ({@code task_alias}), the task's name when not set
 * @param tags             names that select several tasks at once ({@code tag}, and the older {@code group})
 * @param file             the YAML file it was read from, null for a task built in code
 * @param datasetPath      a folder or file holding the data, relative paths resolved against the task file's folder
 * @param datasetName      a sub-folder of {@code datasetPath} (Hugging Face's configuration name), or null
 * @param dataFiles        split name → file ({@code dataset_kwargs.data_files}); empty: one split per file
 * @param trainingSplit    null when the data has none
 * @param validationSplit  null when the data has none
 * @param testSplit        null when the data has none; the evaluated split is the test split, else the validation one
 * @param fewshotSplit     where few-shot examples come from; null: training, else validation, else test split
 * @param docToText        the prompt of a document
 * @param docToTarget      its reference answer (text, a choice index, or a list of acceptable answers)
 * @param docToChoice      the choices of a multiple-choice document, or null
 * @param description      text put before everything else (may use the document's fields)
 * @param numFewshot       how many solved examples precede the document
 * @param fewshotDelimiter after each solved example ({@code "\n\n"})
 * @param targetDelimiter  between a question and its answer ({@code " "})
 * @param fewshot          {@code fewshot_config}: how solved examples are chosen and written
 * @param outputType       what the model is asked
 * @param generation       {@code generation_kwargs} (used by {@link OutputType#GENERATE_UNTIL})
 * @param repeats          generations per document (for {@code majority_vote})
 * @param filterList       named filter pipelines, applied to every response; a pipeline {@code none} by default
 * @param metricList       the metrics and how they are aggregated
 * @param version          {@code metadata.version}
 * @param metadata         all of {@code metadata}, as written
 * @param locations        {@code FILE:LINE:COLUMN} of each key as written (for messages); empty when built in code
 */
public record TaskConfig(String task, String alias, List<String> tags, Path file, Path datasetPath,
        String datasetName, Map<String, String> dataFiles, String trainingSplit, String validationSplit,
        String testSplit, String fewshotSplit, DocTemplate docToText, DocTemplate docToTarget,
        DocTemplate docToChoice, String description, int numFewshot, String fewshotDelimiter,
        String targetDelimiter, FewshotConfig fewshot, OutputType outputType, GenerationKwargs generation,
        int repeats, List<FilterPipeline> filterList, List<MetricSpec> metricList, double version,
        Map<String, Object> metadata, Map<String, String> locations) {

    /** The default filter pipeline's name, as lm-eval calls it in {@code "acc,none"}. */
    public static final String NO_FILTER = "none";

    public TaskConfig {
        Objects.requireNonNull(task, "task");
        if (task.isBlank()) {
            throw new IllegalArgumentException("a task needs a name");
        }
        alias = alias == null ? task : alias;
        tags = List.copyOf(tags);
        Objects.requireNonNull(datasetPath, "datasetPath");
        dataFiles = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(dataFiles));
        Objects.requireNonNull(docToText, "docToText");
        Objects.requireNonNull(docToTarget, "docToTarget");
        Objects.requireNonNull(outputType, "outputType");
        Objects.requireNonNull(fewshot, "fewshot");
        Objects.requireNonNull(generation, "generation");
        if (outputType == OutputType.MULTIPLE_CHOICE && docToChoice == null) {
            throw new IllegalArgumentException("task " + task + ": output_type multiple_choice needs doc_to_choice");
        }
        if (numFewshot < 0) {
            throw new IllegalArgumentException("task " + task + ": num_fewshot must be 0 or more, not " + numFewshot);
        }
        if (numFewshot > 0 && outputType == OutputType.LOGLIKELIHOOD_ROLLING) {
            throw new IllegalArgumentException("task " + task + ": loglikelihood_rolling scores whole texts and takes "
                    + "no few-shot examples; set num_fewshot: 0");
        }
        if (repeats < 1) {
            throw new IllegalArgumentException("task " + task + ": repeats must be at least 1, not " + repeats);
        }
        description = description == null ? "" : description;
        if (!filterList.isEmpty() && outputType != OutputType.GENERATE_UNTIL) {
            throw new IllegalArgumentException("task " + task + ": filter_list applies to generated answers "
                    + "(output_type generate_until), not to " + outputType.yamlName());
        }
        filterList = filterList.isEmpty() ? List.of(FilterPipeline.NONE) : List.copyOf(filterList);
        metricList = metricList.isEmpty() ? MetricSpec.defaults(outputType) : List.copyOf(metricList);
        metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        locations = Map.copyOf(locations);
    }

    /** {@code FILE:LINE:COLUMN} of {@code key} as written, or the file, or the task's name when built in code. */
    public String where(String key) {
        String at = locations.get(key);
        return at != null ? at : file != null ? file.toString() : "task " + task;
    }

    /** The split that is evaluated: the test split, else the validation split (lm-eval's {@code eval_docs}). */
    public String evalSplit() {
        return testSplit != null ? testSplit : validationSplit;
    }

    /** The split few-shot examples come from (lm-eval: fewshot_split, else training, validation, test). */
    public String effectiveFewshotSplit() {
        if (fewshot.split() != null) {
            return fewshot.split();
        }
        return trainingSplit != null ? trainingSplit : validationSplit != null ? validationSplit : testSplit;
    }

    /** A builder starting from lm-eval's defaults. */
    public static Builder builder(String task) {
        return new Builder(task);
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        Builder b = new Builder(task);
        b.alias = alias.equals(task) ? null : alias;
        b.tags = new ArrayList<>(tags);
        b.file = file;
        b.datasetPath = datasetPath;
        b.datasetName = datasetName;
        b.dataFiles = new LinkedHashMap<>(dataFiles);
        b.trainingSplit = trainingSplit;
        b.validationSplit = validationSplit;
        b.testSplit = testSplit;
        b.fewshotSplit = fewshotSplit;
        b.docToText = docToText;
        b.docToTarget = docToTarget;
        b.docToChoice = docToChoice;
        b.description = description;
        b.numFewshot = numFewshot;
        b.fewshotDelimiter = fewshotDelimiter;
        b.targetDelimiter = targetDelimiter;
        b.fewshotSampler = fewshot.sampler();
        b.fewshotDocToText = fewshot.docToText() == docToText ? null : fewshot.docToText();
        b.fewshotDocToTarget = fewshot.docToTarget() == docToTarget ? null : fewshot.docToTarget();
        b.fewshotDocToChoice = fewshot.docToChoice() == docToChoice ? null : fewshot.docToChoice();
        b.fewshotFewshotDelimiter = fewshot.fewshotDelimiter().equals(fewshotDelimiter) ? null
                : fewshot.fewshotDelimiter();
        b.fewshotTargetDelimiter = fewshot.targetDelimiter().equals(targetDelimiter) ? null
                : fewshot.targetDelimiter();
        b.outputType = outputType;
        b.generation = generation;
        b.repeats = repeats;
        b.filterList = filterList.equals(List.of(FilterPipeline.NONE)) ? new ArrayList<>() : new ArrayList<>(filterList);
        b.metricList = new ArrayList<>(metricList);
        b.version = version;
        b.metadata = new LinkedHashMap<>(metadata);
        b.locations = new LinkedHashMap<>(locations);
        return b;
    }

    /** What a task asks of the model, by lm-eval's names. */
    public enum OutputType {
        /** the log-likelihood of each choice after the prompt; the most likely one is the answer */
        MULTIPLE_CHOICE("multiple_choice"),
        /** generated text until a stop string, then filtered and scored */
        GENERATE_UNTIL("generate_until"),
        /** the log-likelihood of the target after the prompt, and whether it is the greedy continuation */
        LOGLIKELIHOOD("loglikelihood"),
        /** the log-likelihood of the whole target text, for perplexity */
        LOGLIKELIHOOD_ROLLING("loglikelihood_rolling");

        private final String yamlName;

        OutputType(String yamlName) {
            this.yamlName = yamlName;
        }

        /** The name in task files. */
        public String yamlName() {
            return yamlName;
        }

        /** The type named {@code name} in a task file, or null. */
        public static OutputType byName(String name) {
            for (OutputType t : values()) {
                if (t.yamlName.equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    /**
     * {@code fewshot_config}: how solved examples are chosen ({@code sampler}: {@code default} draws them at random
     * with the few-shot seed, {@code first_n} takes the first ones) and written (each template and delimiter defaults
     * to the task's own).
     */
    public record FewshotConfig(String sampler, String split, DocTemplate docToText, DocTemplate docToTarget,
            DocTemplate docToChoice, String fewshotDelimiter, String targetDelimiter) {
        public FewshotConfig {
            if (!"default".equals(sampler) && !"first_n".equals(sampler)) {
                throw new IllegalArgumentException("fewshot_config.sampler must be default or first_n, not " + sampler);
            }
            Objects.requireNonNull(docToText, "docToText");
            Objects.requireNonNull(docToTarget, "docToTarget");
            Objects.requireNonNull(fewshotDelimiter, "fewshotDelimiter");
            Objects.requireNonNull(targetDelimiter, "targetDelimiter");
        }
    }

    /**
     * {@code generation_kwargs}: {@code until} stop strings, {@code max_gen_toks} (256), {@code do_sample} (false:
     * greedy), {@code temperature}, {@code top_k} (0: off), {@code top_p} (1: off) and our {@code seed} for sampling.
     */
    public record GenerationKwargs(List<String> until, int maxGenToks, boolean doSample, double temperature,
            int topK, double topP, long seed) {
        /** lm-eval's {@code max_gen_toks} default. */
        public static final int DEFAULT_MAX_GEN_TOKS = 256;
        /** The sampling seed when none is given (lm-eval's default torch seed). */
        public static final long DEFAULT_SEED = 1234;

        public GenerationKwargs {
            until = List.copyOf(until);
            if (until.stream().anyMatch(String::isEmpty)) {
                throw new IllegalArgumentException("generation_kwargs.until: a stop string must not be empty");
            }
            if (maxGenToks < 1) {
                throw new IllegalArgumentException("generation_kwargs.max_gen_toks must be at least 1, not "
                        + maxGenToks);
            }
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("generation_kwargs.temperature must be 0 or more, not "
                        + temperature);
            }
            if (doSample && temperature == 0) {
                throw new IllegalArgumentException("generation_kwargs: do_sample: true needs a temperature above 0");
            }
            if (topK < 0) {
                throw new IllegalArgumentException("generation_kwargs.top_k must be 0 (off) or more, not " + topK);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("generation_kwargs.top_p must be in (0, 1], not " + topP);
            }
        }

        /** lm-eval's defaults: greedy, 256 tokens, stop at the few-shot delimiter. */
        public static GenerationKwargs defaults(String fewshotDelimiter) {
            return new GenerationKwargs(List.of(fewshotDelimiter), DEFAULT_MAX_GEN_TOKS, false, 0, 0, 1,
                    DEFAULT_SEED);
        }

        /** The runtime's settings for repeat {@code repeat} (each repeat samples with its own seed). */
        public dev.kumiki.llm.GenerationSettings settings(int repeat) {
            return new dev.kumiki.llm.GenerationSettings(maxGenToks, until, doSample ? temperature : 0, topK, topP,
                    seed + repeat);
        }
    }

    /** Builds a {@link TaskConfig}; {@code set…} for values, unset ones take lm-eval's defaults. */
    public static final class Builder {
        private final String task;
        private String alias;
        private List<String> tags = new ArrayList<>();
        private Path file;
        private Path datasetPath;
        private String datasetName;
        private Map<String, String> dataFiles = new LinkedHashMap<>();
        private String trainingSplit;
        private String validationSplit;
        private String testSplit;
        private String fewshotSplit;
        private DocTemplate docToText;
        private DocTemplate docToTarget;
        private DocTemplate docToChoice;
        private String description = "";
        private int numFewshot;
        private String fewshotDelimiter = "\n\n";
        private String targetDelimiter = " ";
        private String fewshotSampler = "default";
        private DocTemplate fewshotDocToText;
        private DocTemplate fewshotDocToTarget;
        private DocTemplate fewshotDocToChoice;
        private String fewshotFewshotDelimiter;
        private String fewshotTargetDelimiter;
        private OutputType outputType = OutputType.GENERATE_UNTIL;
        private GenerationKwargs generation;
        private int repeats = 1;
        private List<FilterPipeline> filterList = new ArrayList<>();
        private List<MetricSpec> metricList = new ArrayList<>();
        private double version;
        private Map<String, Object> metadata = new LinkedHashMap<>();
        private Map<String, String> locations = new LinkedHashMap<>();

        private Builder(String task) {
            this.task = task;
        }

        public Builder setAlias(String v) { alias = v; return this; }
        public Builder setTags(List<String> v) { tags = new ArrayList<>(v); return this; }
        public Builder setFile(Path v) { file = v; return this; }
        public Builder setDatasetPath(Path v) { datasetPath = v; return this; }
        public Builder setDatasetName(String v) { datasetName = v; return this; }
        public Builder setDataFiles(Map<String, String> v) { dataFiles = new LinkedHashMap<>(v); return this; }
        public Builder setTrainingSplit(String v) { trainingSplit = v; return this; }
        public Builder setValidationSplit(String v) { validationSplit = v; return this; }
        public Builder setTestSplit(String v) { testSplit = v; return this; }
        public Builder setFewshotSplit(String v) { fewshotSplit = v; return this; }
        public Builder setDocToText(DocTemplate v) { docToText = v; return this; }
        public Builder setDocToTarget(DocTemplate v) { docToTarget = v; return this; }
        public Builder setDocToChoice(DocTemplate v) { docToChoice = v; return this; }
        public Builder setDescription(String v) { description = v; return this; }
        public Builder setNumFewshot(int v) { numFewshot = v; return this; }
        public Builder setFewshotDelimiter(String v) { fewshotDelimiter = v; return this; }
        public Builder setTargetDelimiter(String v) { targetDelimiter = v; return this; }
        /** {@code fewshot_config.sampler}: default or first_n. */
        public Builder setFewshotSampler(String v) { fewshotSampler = v; return this; }
        /** {@code fewshot_config.doc_to_text}; null: the task's. */
        public Builder setFewshotDocToText(DocTemplate v) { fewshotDocToText = v; return this; }
        public Builder setFewshotDocToTarget(DocTemplate v) { fewshotDocToTarget = v; return this; }
        public Builder setFewshotDocToChoice(DocTemplate v) { fewshotDocToChoice = v; return this; }
        /** {@code fewshot_config.fewshot_delimiter}; null: the task's. */
        public Builder setFewshotConfigFewshotDelimiter(String v) { fewshotFewshotDelimiter = v; return this; }
        /** {@code fewshot_config.target_delimiter}; null: the task's. */
        public Builder setFewshotConfigTargetDelimiter(String v) { fewshotTargetDelimiter = v; return this; }
        public Builder setOutputType(OutputType v) { outputType = v; return this; }
        /** {@code generation_kwargs}; null: lm-eval's defaults (greedy, 256 tokens, until the few-shot delimiter). */
        public Builder setGeneration(GenerationKwargs v) { generation = v; return this; }
        public Builder setRepeats(int v) { repeats = v; return this; }
        public Builder setFilterList(List<FilterPipeline> v) { filterList = new ArrayList<>(v); return this; }
        public Builder setMetricList(List<MetricSpec> v) { metricList = new ArrayList<>(v); return this; }
        public Builder setVersion(double v) { version = v; return this; }
        public Builder setMetadata(Map<String, Object> v) { metadata = new LinkedHashMap<>(v); return this; }
        /** Where each key was written, {@code FILE:LINE:COLUMN}, for messages. */
        public Builder setLocations(Map<String, String> v) { locations = new LinkedHashMap<>(v); return this; }

        /** The configuration; throws {@link IllegalArgumentException} saying what is missing or wrong. */
        public TaskConfig build() {
            if (datasetPath == null) {
                throw new IllegalArgumentException("task " + task + ": dataset_path is missing (a folder or file of "
                        + "JSONL, CSV or TSV data, relative to the task file)");
            }
            if (docToText == null) {
                throw new IllegalArgumentException("task " + task + ": doc_to_text is missing (a field name or a "
                        + "Jinja template such as \"Q: {{question}}\\nA:\")");
            }
            if (docToTarget == null) {
                throw new IllegalArgumentException("task " + task + ": doc_to_target is missing (a field name, a "
                        + "Jinja template, or a choice index)");
            }
            FewshotConfig fs = new FewshotConfig(fewshotSampler, fewshotSplit,
                    fewshotDocToText != null ? fewshotDocToText : docToText,
                    fewshotDocToTarget != null ? fewshotDocToTarget : docToTarget,
                    fewshotDocToChoice != null ? fewshotDocToChoice : docToChoice,
                    fewshotFewshotDelimiter != null ? fewshotFewshotDelimiter : fewshotDelimiter,
                    fewshotTargetDelimiter != null ? fewshotTargetDelimiter : targetDelimiter);
            GenerationKwargs gen = generation != null ? generation : GenerationKwargs.defaults(fewshotDelimiter);
            return new TaskConfig(task, alias, tags, file, datasetPath, datasetName, dataFiles, trainingSplit,
                    validationSplit, testSplit, fewshotSplit, docToText, docToTarget, docToChoice, description,
                    numFewshot, fewshotDelimiter, targetDelimiter, fs, outputType, gen, repeats, filterList,
                    metricList, version, metadata, locations);
        }
    }
}
