package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import dev.kumiki.canvas.Examples;
import dev.kumiki.cli.Kumiki;
import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.RunListener;
import dev.kumiki.engine.RunOptions;
import dev.kumiki.eval.report.HtmlReport;
import dev.kumiki.eval.report.Outputs;
import dev.kumiki.nodes.Scores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Prepare the example models and run the example pipelines: a SLERP of two models, a TIES "
                + "merge of three, and a merge evaluated beside its parents, in seconds, with nothing downloaded.",
                "The models are small Llama-shaped models with seeded weights (the same bytes on every machine), "
                        + "written once into DIR/models; the merged models go to DIR/out.",
                "kumiki demo evollm-jp runs the flagship example instead (Micro EvoLLM-JP: two fine-tunes merged by "
                        + "evolutionary searches, all evaluated; minutes): it prints a time estimate first, a line as "
                        + "each node starts and ends, and the scores. Its nodes are cached, so a second run takes "
                        + "seconds and a changed setting (--set) runs only what depends on it."},
        footer = {"", "Examples:",
                "  kumiki demo                  the small examples, then the training one",
                "  kumiki demo evollm-jp        the flagship example, estimate and progress",
                "  kumiki demo evollm-jp --estimate    what is cached, what runs, how long",
                "  kumiki demo evollm-jp --set NODE.SETTING=VALUE",
                "                               only what depends on the setting runs again"})
public final class DemoCommand implements Callable<Integer> {

    /**
     * A demo run by name: one pipeline of the examples, with reference times of its node kinds for the estimate of
     * a first run.
     */
    record Named(String name, Examples.Example pipeline, String title, Estimate.Reference reference,
                 FilesWriter files) {
    }

    /** Writes a demo's files into an examples folder where they are missing, returning those written. */
    interface FilesWriter {
        List<Path> write(Path dir) throws IOException;
    }

    /**
     * The demos {@code kumiki demo NAME} runs. The reference times of evollm-jp are means per node kind measured on the
     * development machine (2 cores of an Intel Xeon with AVX-512, 23.5 GiB) in the run pasted in
     * examples/evollm-jp/README.md (2026-12-02 15:44 UTC, the machine quiet): Train the base's annealing 99.1 s and
     * the fine-tunes 38.8 s and 85.5 s (side by side with evaluations), EvolveMerge the searches 35.7 s (PS, sharing
     * its evaluations with the hybrid's first stage), 146.5 s (DFS) and 222.7 s (hybrid), Evaluate the ten evaluations
     * 109 s together (1 to 44 s each); LoadModel, Dataset, Merge and SaveModel
     * took under a second each. Kinds not listed (added to the pipeline later) count 5 s until they have run here
     * once.
     */
    static final List<Named> DEMOS = List.of(new Named("evollm-jp", Examples.EVOLLM_JP, "Micro EvoLLM-JP",
            new Estimate.Reference(java.util.Map.of("Train", 74.4, "EvolveMerge", 135.0, "Evaluate", 10.9,
                    "SaveModel", 0.2, "Merge", 0.1, "LoadModel", 0.2, "Dataset", 1.0, "Check", 0.0, "Report", 0.1), 5, 2,
                    "measured on 2 cores on 2026-12-02"), Examples::writeEvollmJp));

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DEMO|DIR", description = "a demo by name (evollm-jp), or "
            + "where the small examples are: default ./examples when it holds them (a clone of Kumiki), else "
            + "./kumiki-examples, created from the copies inside Kumiki. A demo's name always means the demo; for a "
            + "folder of that name write ./NAME")
    String target;

    @Option(names = "--dir", paramLabel = "DIR", description = "with a demo name: the examples folder it runs in "
            + "(default as for the small examples: ./examples in a clone of Kumiki, else ./kumiki-examples; the "
            + "files it needs are written where they are missing)")
    Path examplesDir;

    @Option(names = "--set", paramLabel = "NODE.SETTING=VALUE", description = "with a demo name: change a setting "
            + "for this run, as kumiki run --set does (e.g. ps.generations=20); only the nodes that depend on it run "
            + "again")
    List<String> sets = new java.util.ArrayList<>();

    @Option(names = "--estimate", description = "with a demo name: print the time estimate and stop")
    boolean estimateOnly;

    @Option(names = "--untrained", description = "skip the training example: only the pipelines of models with "
            + "random weights run (seconds instead of minutes on the first run)")
    boolean untrained;

    @Override
    public Integer call() throws IOException {
        java.util.Optional<Named> named = target == null ? java.util.Optional.empty()
                : DEMOS.stream().filter(d -> d.name().equals(target)).findFirst();
        if (named.isPresent()) {
            if (untrained) {
                throw new IllegalArgumentException("--untrained is for the small examples (kumiki demo [DIR] "
                        + "--untrained); " + named.get().name() + " is all trained models");
            }
            return named(named.get());
        }
        if (!sets.isEmpty() || estimateOnly) {
            throw new IllegalArgumentException((sets.isEmpty() ? "--estimate" : "--set") + " is for a demo by name "
                    + "(" + names() + "), e.g. kumiki demo " + DEMOS.get(0).name() + " " + (sets.isEmpty()
                            ? "--estimate" : "--set " + sets.get(0)) + "; to change a setting of one of the small "
                    + "examples use kumiki run FILE --set");
        }
        Path dir = target == null ? examplesDir : folder(target);
        if (target != null && examplesDir != null) {
            throw new IllegalArgumentException("the examples folder is given twice (" + target + " and --dir "
                    + examplesDir + "); give one");
        }
        PrintWriter out = spec.commandLine().getOut();
        Path examples = dir != null ? dir : Files.isRegularFile(Path.of("examples", Examples.ALL.get(0).file()))
                ? Path.of("examples") : Path.of("kumiki-examples");
        for (Examples.Example e : Examples.ALL) {
            Path file = examples.resolve(e.file());
            if (!Files.exists(file)) {
                Files.createDirectories(examples);
                Files.writeString(file, e.text());
                out.println("Wrote " + file);
            }
        }
        if (Examples.writeModels(examples.resolve("models"))) {
            out.println("Wrote the example models " + String.join(", ", Examples.MODELS) + " into "
                    + examples.resolve("models") + " (" + Examples.MODELS_STAMP + ")");
        }
        int status = Kumiki.OK;
        for (Examples.Example e : Examples.ALL) {
            Path file = examples.resolve(e.file());
            out.println();
            out.println("== " + file + " ==");
            PipelineFile pipeline = PipelineFile.read(file, List.of());
            Configuration c = pipeline.configure();
            if (pipeline.print(c, spec.commandLine().getErr())) {
                return Kumiki.USAGE;
            }
            Execution.Result r = pipeline.engine.execute(c, RunOptions.defaults(pipeline.baseDir()), RunListener.NONE)
                    .run();
            RunCommand.table(out, r, c);
            scores(out, r, true);
            if (r.status() != Execution.Status.SUCCEEDED) {
                status = Kumiki.FAILED;
            }
        }
        if (!untrained) {
            status = Math.max(status, trained(out, examples));
        }
        out.println();
        out.println("Next: change a setting and run again (only what changed runs), e.g.");
        out.println("  kumiki run " + examples.resolve("ties.kumiki") + " --set merge.method=dare_ties");
        out.println("  kumiki nodes Merge      the settings of every node kind");
        out.println("  kumiki runs " + examples + "   the runs recorded so far");
        out.println("  kumiki eval " + examples.resolve("models/chat") + " --tasks ppl_en,counters_ja   evaluate a "
                + "model (kumiki tasks lists the tasks)");
        return status;
    }

    /**
     * A demo by name: its files written where they are missing, the estimate, the run with a line per node, the
     * scores and what to do next.
     */
    private int named(Named demo) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path examples = examplesDir != null ? examplesDir
                : Files.isRegularFile(Path.of("examples", Examples.ALL.get(0).file()))
                        || Files.isRegularFile(Path.of("examples", demo.pipeline().file())) ? Path.of("examples")
                                : Path.of("kumiki-examples");
        if (Files.exists(examples) && !Files.isDirectory(examples)) {
            throw new IllegalArgumentException(examples + " is a file; --dir names the folder of the examples");
        }
        java.util.Optional<String> missing = dev.kumiki.train.Training.availability();
        if (missing.isPresent()) {
            err.println("kumiki demo " + demo.name() + ": this Kumiki cannot train, and the demo fine-tunes models: "
                    + missing.get());
            return Kumiki.FAILED;
        }
        List<Path> written = demo.files().write(examples);
        if (!written.isEmpty()) {
            out.println("Wrote " + written.size() + (written.size() == 1 ? " file" : " files") + " of the example into "
                    + examples + ": " + String.join(", ", written.stream().map(p -> examples.relativize(p).toString())
                    .toList()));
        }
        Path file = examples.resolve(demo.pipeline().file());
        PipelineFile pipeline = PipelineFile.read(file, sets);
        // configuring and planning read every model's headers and every cached node's entry: seconds, so the
        // title comes first
        out.println(demo.title() + ": " + file + ", " + pipeline.pipeline.getNodes().size() + " nodes");
        out.flush();
        Configuration c = pipeline.configure();
        if (pipeline.print(c, err)) {
            return Kumiki.USAGE;
        }
        RunOptions options = RunOptions.defaults(pipeline.baseDir());
        int cores = Runtime.getRuntime().availableProcessors();
        Estimate estimate = Estimate.of(pipeline.engine.plan(c, options), c, options.runsDir(),
                options.parallelNodes(), cores, demo.reference());
        printEstimate(out, estimate);
        if (estimateOnly) {
            return Kumiki.OK;
        }
        out.println();
        out.flush();
        RunCommand.NodeProgress progress = new RunCommand.NodeProgress(out, Progress.isTerminal(), estimate);
        Execution.Result r = RunCommand.runCancellable(pipeline.engine.execute(c, options, progress));
        progress.finish();
        out.println();
        RunCommand.table(out, r, c);
        out.printf(java.util.Locale.ROOT, "Took %s; the estimate was %s.%n", Estimate.duration(r.seconds()),
                Estimate.duration(estimate.seconds()));
        scores(out, r, "Scores (" + demo.title() + ": " + examples.resolve(demo.pipeline().file()).getParent()
                .resolve("README.md") + " says what they mean)", null);
        if (r.status() != Execution.Status.SUCCEEDED) {
            for (var n : c.order()) {
                Execution.NodeResult nr = r.nodes().get(n.getId());
                if (nr.state() == dev.kumiki.engine.NodeState.FAILED) {
                    err.println("kumiki demo " + demo.name() + ": node '" + nr.node() + "' (" + nr.kind() + ") failed: "
                            + nr.messages().stream().filter(m -> m.startsWith("error: ")).map(m -> m.substring(7))
                                    .reduce((a, b) -> b).orElse("see the log"));
                }
            }
            err.println(r.status() == Execution.Status.CANCELLED ? "Cancelled. Run the demo again to go on: what "
                    + "finished comes from the cache, a search resumes from its last generation."
                    : "The run's log: " + r.recordDir().resolve("log.txt"));
            err.flush();
            return Kumiki.FAILED;
        }
        next(out, demo, file, c, r);
        return Kumiki.OK;
    }

    /** The estimate as printed before the run: by stage, in all, and where the times come from. */
    static void printEstimate(PrintWriter out, Estimate e) {
        out.println("Estimate for this machine (" + e.cores + (e.cores == 1 ? " core" : " cores") + "), before it "
                + "starts:");
        java.util.Map<Estimate.Stage, Double> seconds = e.byStage();
        out.printf(java.util.Locale.ROOT, "  %-22s %5s  %14s  %s%n", "stage", "nodes", "from the cache", "time");
        for (Estimate.Stage stage : Estimate.Stage.values()) {
            List<Estimate.Node> in = e.nodes.stream().filter(n -> n.stage() == stage).toList();
            if (in.isEmpty()) {
                continue;
            }
            long cached = in.stream().filter(n -> n.source() == Estimate.Source.CACHE).count();
            out.printf(java.util.Locale.ROOT, "  %-22s %5d  %14d  %s%n", stage.label, in.size(), cached,
                    Estimate.duration(seconds.getOrDefault(stage, 0.0)));
        }
        double total = e.seconds();
        long toRun = e.nodes.stream().filter(n -> n.source() != Estimate.Source.CACHE).count();
        if (total >= 10) {
            out.println("  " + Estimate.about(total) + " in all, " + e.parallel + " nodes at a time (the times above "
                    + "add up the nodes')");
        } else if (toRun == 0) {
            out.println("  " + (total < 1 ? "about 0 s" : "a few seconds") + " in all: every node comes from the cache");
        } else {
            // mostly kinds that keep no outputs (they read headers or plan, in no time) and so always run
            out.println("  " + (total < 1 ? "about 0 s" : "a few seconds") + " in all: " + (e.nodes.size() - toRun)
                    + " nodes come from the cache, " + toRun + " run (" + String.join(", ", e.nodes.stream()
                            .filter(n -> n.source() != Estimate.Source.CACHE).map(Estimate.Node::kind).distinct()
                            .toList()) + ")");
        }
        long recorded = e.nodes.stream().filter(n -> n.source() == Estimate.Source.RECORD).count();
        long reference = e.nodes.stream().filter(n -> n.source() == Estimate.Source.REFERENCE).count();
        List<String> sources = new java.util.ArrayList<>();
        if (toRun < e.nodes.size()) {
            sources.add((e.nodes.size() - toRun) + " from the cache (0 s)");
        }
        if (recorded > 0) {
            sources.add(recorded + " as they took in earlier runs here (the latest: " + e.record + ")");
        }
        if (reference > 0) {
            sources.add(reference + " at reference times " + e.reference.measured() + String.format(
                    java.util.Locale.ROOT, ", × %.2f for %d cores", e.reference.scale(e.cores), e.cores));
        }
        out.println("  Node times: " + String.join("; ", sources) + ".");
    }

    /** What to try next: a setting changed, the Studio, the README. */
    private void next(PrintWriter out, Named demo, Path file, Configuration c, Execution.Result r) {
        out.println();
        out.println("Record of the run: " + r.recordDir());
        out.println("Next:");
        // a setting of the pipeline's first search (else of its first node with a number), so that the example is
        // one this pipeline takes whatever its nodes are called
        String example = null;
        for (var n : c.order()) {
            var f = dev.kumiki.model.Settings.feature(n.getSettings().eClass(), "generations");
            if (f.isPresent() && n.getSettings().eGet(f.get()) instanceof Integer g) {
                example = n.getId() + ".generations=" + (g * 2);
                break;
            }
        }
        if (example != null) {
            out.println("  kumiki demo " + demo.name() + " --set " + example + "    change a setting: only what "
                    + "depends on it runs again");
        } else {
            out.println("  kumiki demo " + demo.name() + " --set NODE.SETTING=VALUE    change a setting: only what "
                    + "depends on it runs again");
        }
        out.println("  kumiki studio, then File > Open File… " + file.toAbsolutePath().normalize()
                + "    the pipeline on its canvas; Run shows each node's state, the Results view the scores and "
                + "the searches' charts");
        out.println("  kumiki serve " + file + "    the same canvas in a web browser");
        out.println("  kumiki runs " + file.getParent() + "    the runs recorded so far");
    }

    private static String names() {
        return String.join(", ", DEMOS.stream().map(Named::name).toList());
    }

    /**
     * The small examples' folder named by {@code arg}, which is not a demo's name: a folder that exists, or a new one
     * written as a path ({@code ./new}, {@code /tmp/examples}, which the demo creates). A bare word that is neither a
     * demo nor a folder is most likely a demo's name mistyped: refused, with the names, rather than made a folder.
     */
    private static Path folder(String arg) {
        Path p;
        try {
            p = Path.of(arg);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException("'" + arg + "' is neither a demo (" + names() + ") nor a folder: "
                    + e.getReason());
        }
        if (Files.isDirectory(p)) {
            return p;
        }
        if (Files.exists(p)) {
            throw new IllegalArgumentException(arg + " is a file; kumiki demo takes a demo's name (" + names()
                    + ") or the folder of the examples");
        }
        if (p.getNameCount() > 1 || p.isAbsolute()) {
            return p;
        }
        List<String> known = DEMOS.stream().map(Named::name).toList();
        // a name cut short or misspelt (evollm, evolm) is likelier than a folder meant to be new: a demo that
        // begins with the same three letters is suggested, else the nearest name when it is near
        String suggestion = known.stream().filter(n -> arg.length() >= 3 && n.regionMatches(true, 0, arg, 0, 3))
                .findFirst().map(n -> " (did you mean '" + n + "'?)")
                .orElse(dev.kumiki.tensor.io.Names.suggestion(arg, known));
        throw new IllegalArgumentException("there is no demo '" + arg + "'" + suggestion + " and no folder " + arg
                + "; the demos: "
                + String.join(", ", DEMOS.stream().map(d -> d.name() + " (" + d.title() + ")").toList())
                + ". To write the small examples into a new folder, give it as a path: kumiki demo ./" + arg);
    }

    /**
     * The training example: two fine-tunes of the shipped base (a minute and a half, the first time; then from the
     * cache), their merge, and every one evaluated, so that the merge shown is one of models that know something.
     * Skipped with the reason when the training feature is not installed.
     */
    private int trained(PrintWriter out, Path examples) throws IOException {
        Path file = examples.resolve(Examples.TRAINING.file());
        out.println();
        out.println("== " + file + " ==");
        java.util.Optional<String> missing = dev.kumiki.train.Training.availability();
        if (missing.isPresent()) {
            out.println("Skipped: " + missing.get());
            return Kumiki.OK;
        }
        for (Path p : Examples.writeTraining(examples)) {
            out.println("Wrote " + p);
        }
        out.println("Fine-tuning the shipped base model (trained from scratch by base.kumiki) twice: about a minute "
                + "and a half on two cores the first time; then every node comes from the cache");
        out.flush();
        Execution.Result r = runQuietly(out, file);
        if (r == null) {
            return Kumiki.USAGE;
        }
        scores(out, r, "Scores (trained models: base from scratch, shipped; ja and math fine-tuned from it)",
                "An untrained network guesses uniformly among its 1024 tokens: byte perplexity about 5.9 on ppl_en and "
                        + "3.8 on ppl_ja (examples/train/README.md says how).");
        if (r.status() != Execution.Status.SUCCEEDED) {
            return Kumiki.FAILED;
        }
        Path merge = examples.resolve(Examples.TRAINING_MERGE.file());
        out.println();
        out.println("== " + merge + " ==");
        Execution.Result m = runQuietly(out, merge);
        if (m == null) {
            return Kumiki.USAGE;
        }
        scores(out, m, "Scores (the merge of two fine-tunes that know something, beside them: base + both task "
                + "vectors)", "Lower perplexity is better; arith_en and arith_ja are zero-shot on problems of the "
                        + "four templates the base never saw (the maths fine-tune saw others like them in English); "
                        + "mult_en and mult_ja on bags of 10 to 19, past the base's times table.");
        return m.status() == Execution.Status.SUCCEEDED ? Kumiki.OK : Kumiki.FAILED;
    }

    /** Configures and runs one pipeline, printing its table; null when it does not configure (printed). */
    private Execution.Result runQuietly(PrintWriter out, Path file) throws IOException {
        PipelineFile pipeline = PipelineFile.read(file, List.of());
        Configuration c = pipeline.configure();
        if (pipeline.print(c, spec.commandLine().getErr())) {
            return null;
        }
        Execution.Result r = pipeline.engine.execute(c, RunOptions.defaults(pipeline.baseDir()), RunListener.NONE)
                .run();
        RunCommand.table(out, r, c);
        return r;
    }

    /**
     * The score tables of a run's Evaluate nodes, models side by side: what a newcomer reads first ({@code demo}: with
     * a word on what random weights score).
     */
    static void scores(PrintWriter out, Execution.Result r, boolean demo) {
        scores(out, r, demo ? "Scores (random weights: these are the scores of models that know nothing; the "
                + "training example below trains models that know something)" : "Scores",
                demo ? "Lower perplexity is better. byte_perplexity is how many bytes a model hesitates between, on "
                        + "average: guessing uniformly among all 256 would give 256." : null);
    }

    /** The score tables under {@code heading}, with {@code footer} (or nothing) after them. */
    static void scores(PrintWriter out, Execution.Result r, String heading, String footer) {
        java.util.List<Scores> all = new java.util.ArrayList<>();
        // by node id: the example's eval_chat, eval_code, then eval_merge
        for (String node : new java.util.TreeSet<>(r.nodes().keySet())) {
            r.values().getOrDefault(node, java.util.Map.of()).values().stream().filter(Scores.class::isInstance)
                    .map(Scores.class::cast).forEach(all::add);
        }
        if (all.isEmpty()) {
            return;
        }
        out.println();
        out.println(heading);
        StringBuilder models = new StringBuilder();
        // as wide as the longest model's name: a search's path names every model it runs through
        int width = Math.max(32, all.stream().mapToInt(s -> s.results().model().length()).max().orElse(0));
        for (Scores s : all) {
            for (String line : s.table().lines().toList()) {
                if (line.startsWith("task ")) {
                    if (models.isEmpty()) {
                        models.append(String.format("%-" + width + "s  %s%n", "model", line));
                    }
                } else {
                    models.append(String.format("%-" + width + "s  %s%n", s.results().model(), line));
                }
            }
        }
        out.print(models);
        if (footer != null) {
            out.println(footer);
        }
        out.println("Details: results.json, samples_TASK.jsonl and report.html in " + all.get(0).folder().getParent()
                + "/*/");
        if (all.size() > 1) {
            // one report with the models side by side: a leaderboard and a chart per task
            Path report = r.recordDir().resolve(Outputs.REPORT);
            try {
                HtmlReport.write(report, all.stream().map(Scores::results).toList());
                out.println("Report with the models side by side: " + report);
            } catch (IOException e) {
                out.println("The side-by-side report could not be written: " + Failures.message(e));
            }
        }
    }
}
