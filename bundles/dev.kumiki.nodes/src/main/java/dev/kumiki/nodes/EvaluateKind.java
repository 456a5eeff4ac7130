package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.eclipse.emf.ecore.EClass;

import dev.kumiki.engine.ConfigureContext;
import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.engine.Inputs;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.Port;
import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.eval.Evaluation;
import dev.kumiki.eval.EvaluationException;
import dev.kumiki.eval.EvaluationResults;
import dev.kumiki.eval.TaskResult;
import dev.kumiki.eval.report.Outputs;
import dev.kumiki.eval.report.ResultsJson;
import dev.kumiki.eval.report.SamplesWriter;
import dev.kumiki.eval.task.FilterPipeline;
import dev.kumiki.eval.task.MetricSpec;
import dev.kumiki.eval.task.Task;
import dev.kumiki.eval.task.TaskConfig;
import dev.kumiki.eval.task.TaskException;
import dev.kumiki.eval.task.TaskReader;
import dev.kumiki.llm.LanguageModel;
import dev.kumiki.nodes.settings.Evaluate;
import dev.kumiki.nodes.settings.NodesPackage;

/**
 * Evaluate: the harness's tasks on the model at its input. A folder's model runs mapped; a merge's runs from its
 * recipe, computed in memory, never saved. Scores are kept in the cache by the model's and the tasks' content, so a
 * re-run with nothing changed evaluates nothing.
 */
public final class EvaluateKind implements NodeKind<Evaluate> {
    @Override
    public EClass settingsClass() {
        return NodesPackage.Literals.EVALUATE;
    }

    @Override
    public List<Port> inputs() {
        return List.of(Port.of("model", ModelPorts.MODEL, "the model to evaluate (a folder, or a merge computed in "
                + "memory)"));
    }

    @Override
    public List<Port> outputs() {
        return List.of(Port.of("scores", ModelPorts.SCORES, "per task and metric a value and its standard error; "
                + "results.json, samples and report in the run record"));
    }

    static Optional<Integer> numFewshot(Evaluate s) {
        return s.getNumFewshot() < 0 ? Optional.empty() : Optional.of(s.getNumFewshot());
    }

    /** The {@code metric,filter} keys a task reports, as the harness names them in results.json. */
    static List<String> keys(TaskConfig t) {
        List<String> filters = t.outputType() == TaskConfig.OutputType.GENERATE_UNTIL
                ? t.filterList().stream().map(FilterPipeline::name).toList() : List.of(TaskConfig.NO_FILTER);
        List<String> keys = new ArrayList<>();
        for (MetricSpec m : t.metricList()) {
            for (String f : filters) {
                keys.add(m.metric() + "," + f);
            }
        }
        return keys;
    }

    @Override
    public Map<String, PortSpec> configure(Evaluate s, Inputs<PortSpec> inputs, ConfigureContext c) {
        ModelSpec model = (ModelSpec) inputs.one("model");
        LanguageModels.problem(model).ifPresent(p -> c.error("model", p));
        if (s.getTasks().isEmpty()) {
            c.error("tasks", "no task is given; name shipped tasks (" + String.join(", ",
                    EvaluationTasks.shippedNames()) + ") or task YAML files, e.g. tasks: [ppl_en]");
            return Map.of();
        }
        List<Scores.Spec.TaskMetrics> tasks = new ArrayList<>();
        boolean ok = true;
        for (String name : s.getTasks()) {
            try {
                TaskConfig t = TaskReader.read(EvaluationTasks.file(name, c.baseDir()));
                if (tasks.stream().anyMatch(x -> x.task().equals(t.task()))) {
                    c.error("tasks", "the task " + t.task() + " is named twice; name each task once");
                    ok = false;
                }
                tasks.add(new Scores.Spec.TaskMetrics(t.task(), keys(t)));
            } catch (TaskException e) {
                // the message names the task file and line
                c.error("tasks", e.getMessage());
                ok = false;
            }
        }
        return ok ? Map.of("scores", new Scores.Spec(tasks)) : Map.of();
    }

    @Override
    public long memoryEstimate(Evaluate s, Inputs<PortSpec> inputs) {
        return LanguageModels.memoryEstimate((ModelSpec) inputs.one("model"));
    }

    /** The task files and every file beside them (their data): a changed dataset evaluates again. */
    @Override
    public String fingerprint(Evaluate s, ConfigureContext c) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (String name : s.getTasks()) {
            Path file;
            try {
                file = EvaluationTasks.file(name, c.baseDir());
            } catch (TaskException e) {
                throw new IOException(e.getMessage(), e);
            }
            digest.update(Files.readAllBytes(file));
            List<Path> data;
            try (Stream<Path> walk = Files.walk(file.getParent(), 3)) {
                data = walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                        .sorted().toList();
            }
            for (Path p : data) {
                digest.update((file.getParent().relativize(p) + "|" + Files.size(p) + "|"
                        + Files.getLastModifiedTime(p).toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public Map<String, PortValue> execute(Evaluate s, Inputs<PortValue> inputs, ExecuteContext c) throws Exception {
        ModelHandle handle = (ModelHandle) inputs.one("model");
        List<Task> tasks;
        try {
            tasks = EvaluationTasks.load(s.getTasks(), c.baseDir(), numFewshot(s));
        } catch (TaskException e) {
            throw new IOException(e.getMessage(), e);
        }
        Path out = Files.createDirectories(c.recordDir());
        ExecuteContext own = c.withThreads(s.getThreads());
        long start = System.nanoTime();
        c.progress(0, "loading " + LanguageModels.name(handle));
        try (LanguageModel model = LanguageModels.open(handle, LanguageModels.options(own))) {
            c.log("loaded " + model.name() + " (" + String.format(Locale.ROOT, "%.2f s", (System.nanoTime() - start)
                    / 1e9) + ", " + own.threads() + " threads)");
            Evaluation.Builder b = Evaluation.builder(model).optLimit(s.getLimit()).optFewshotSeed(s.getSeed())
                    .optCancelled(c::cancelled)
                    .optProgress(p -> c.progress(p.fraction(), String.format(Locale.ROOT, "%d/%d items, %.0f tokens/s",
                            p.done(), p.total(), p.tokensPerSecond())));
            tasks.forEach(b::addTask);
            Evaluation evaluation = b.build();
            EvaluationResults results;
            try {
                // samples, results.json and report.html, each whole or not at all
                results = Outputs.run(evaluation, out);
            } catch (EvaluationException e) {
                throw new IOException(e.getMessage(), e);
            }
            Scores scores = files(results, out);
            c.log("scores of " + results.model() + ":\n" + scores.table().stripTrailing());
            return Map.of("scores", scores);
        }
    }

    /** The scores of {@code results} with the files written for them in {@code out}. */
    static Scores files(EvaluationResults results, Path out) {
        List<Path> samples = results.tasks().stream().map(TaskResult::task).map(t -> SamplesWriter.file(out, t))
                .toList();
        Path report = out.resolve(Outputs.REPORT);
        return new Scores(results, out, out.resolve(Outputs.RESULTS), samples,
                Files.isRegularFile(report) ? Optional.of(report) : Optional.empty());
    }

    @Override
    public boolean cached() {
        return true;
    }

    @Override
    public String persist(String port, PortValue value) {
        return ((Scores) value).resultsJson().toString();
    }

    @Override
    public Optional<PortValue> restore(Evaluate s, String port, String persisted, ConfigureContext c) {
        Path json = Path.of(persisted);
        try {
            if (Files.isRegularFile(json)) {
                return Optional.of(files(ResultsJson.read(json), json.getParent()));
            }
        } catch (IOException e) {
            // unreadable: evaluated again
        }
        return Optional.empty();
    }
}
