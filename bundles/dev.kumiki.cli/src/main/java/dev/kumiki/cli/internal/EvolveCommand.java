package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.evolve.EvolutionConfig;
import dev.kumiki.evolve.EvolutionConfigReader;
import dev.kumiki.evolve.EvolutionException;
import dev.kumiki.evolve.EvolutionSetup;
import dev.kumiki.evolve.GenerationReport;
import dev.kumiki.evolve.Search;
import dev.kumiki.evolve.SearchCheckpoint;
import dev.kumiki.evolve.SearchResult;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.nodes.EvaluationTasks;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "evolve", mixinStandardHelpOptions = true,
        description = {"Search for a merge of models that scores best on evaluation tasks (evolutionary model merging, "
                + "Sakana AI's arXiv 2403.13187), as a settings file describes, without a pipeline: merge parameters "
                + "per model and layer group (space: ps), a path of layers through the models (space: dfs) or both "
                + "(space: hybrid), proposed by CMA-ES, a genetic algorithm or NSGA-II (a Pareto front of several "
                + "tasks). Keys are those of the EvolveMerge node and mergekit-evolve; paths are relative to the "
                + "file. See docs/evolution.md.",
                "Prints one line per generation (best and mean fitness, evaluations, cache hits, elapsed, time left) "
                        + "and, at the end, the best candidate's score on the held-out test split. Every generation is "
                        + "checkpointed in the output folder: Ctrl-C (or a crash) loses at most the generation in "
                        + "progress, and kumiki evolve --resume OUTPUT continues the search."})
public final class EvolveCommand implements Callable<Integer> {
    /** The copy of the settings a search keeps in its folder, so that {@code --resume DIR} needs nothing else. */
    public static final String SETTINGS = "evolve-settings.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** How long Ctrl-C waits for the candidate in progress to finish. */
    private static final long STOP_WAIT_SECONDS = 300;

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    static final class What {
        @Parameters(index = "0", paramLabel = "CONFIG.yml", description = "the evolution settings")
        Path config;

        @Option(names = "--resume", paramLabel = "DIR", description = "continue the search whose output folder is "
                + "DIR (it holds the settings and the checkpoint)")
        Path resume;
    }

    @Option(names = "--dry-run", description = "check the settings, models and tasks and print what would be "
            + "searched; evaluates and writes nothing")
    boolean dryRun;

    @Option(names = "--generations", paramLabel = "N", description = "run N generations in all instead of the "
            + "settings' budget (e.g. to continue a finished search with --resume)")
    Integer generations;

    @Option(names = "--threads", paramLabel = "N", description = "candidates evaluated at once, each with its own "
            + "model in memory (default: 1)")
    int threads = 1;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path file;
        String text;
        if (what.resume != null) {
            Path settings = what.resume.resolve(SETTINGS);
            if (!Files.isRegularFile(settings)) {
                throw new IllegalArgumentException(what.resume + " is not the folder of a search started by kumiki "
                        + "evolve (it has no " + SETTINGS + "); give the output folder of the settings file");
            }
            JsonNode saved = JSON.readTree(settings.toFile());
            file = Path.of(saved.path("file").asText());
            text = saved.path("text").asText();
        } else {
            file = what.config;
            try {
                text = dev.kumiki.tensor.io.YamlInput.readFile(file, "evolution settings file");
            } catch (FileSystemException e) {
                throw new IllegalArgumentException(e instanceof NoSuchFileException ? "no such settings file: "
                        + file : Failures.message(e), e);
            }
        }
        EvolutionConfig config;
        try {
            config = EvolutionConfigReader.parse(file, text);
        } catch (EvolutionException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (generations != null) {
            if (generations < 1) {
                throw new IllegalArgumentException("--generations must be at least 1, not " + generations);
            }
            config = new EvolutionConfig(config.models(), config.base(), config.space(), config.optimizer(),
                    new EvolutionConfig.Budget(generations, config.budget().timeLimit()), config.fitness(),
                    config.seed(), config.output());
        }
        if (what.resume != null && !what.resume.toAbsolutePath().normalize().equals(config.output())) {
            throw new IllegalArgumentException(what.resume + " holds the settings of a search written to "
                    + config.output() + "; resume that folder");
        }
        if (what.resume == null && !dryRun && Files.exists(config.output().resolve(SearchCheckpoint.FILE))) {
            throw new IllegalArgumentException("the output folder " + config.output() + " already holds a search; "
                    + "continue it with kumiki evolve --resume " + config.output() + ", or give another output to "
                    + "start afresh");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, not " + threads);
        }
        RuntimeOptions options = RuntimeOptions.defaults();
        try (EvolutionSetup setup = setUp(config, options)) {
            describe(out, setup);
            if (dryRun) {
                out.println("Dry run: the settings, models and tasks are complete; nothing was evaluated or written.");
                return Kumiki.OK;
            }
            if (what.resume == null) {
                keepSettings(config, file, text);
            }
            out.flush();
            SearchResult result = run(out, setup, what.resume != null);
            if (result == null) {
                return Kumiki.FAILED;
            }
            if (setup.firstOfTwo() && result.stop() != SearchResult.Stop.CANCELLED) {
                out.println("Parameter-space stage done; the data-flow stage runs paths through its best merge.");
                try (EvolutionSetup second = setUp(() -> setup.hybrid(result.best().genome()))) {
                    boolean resume = Files.exists(second.folder().resolve(SearchCheckpoint.FILE));
                    describe(out, second);
                    SearchResult r2 = run(out, second, resume);
                    return r2 == null || r2.stop() == SearchResult.Stop.CANCELLED ? Kumiki.FAILED : Kumiki.OK;
                }
            }
            return result.stop() == SearchResult.Stop.CANCELLED ? Kumiki.FAILED : Kumiki.OK;
        }
    }

    private interface Setup {
        EvolutionSetup make() throws IOException;
    }

    private static EvolutionSetup setUp(EvolutionConfig config, RuntimeOptions options) throws IOException {
        return setUp(() -> EvolutionSetup.of(config, EvaluationTasks.shippedDir(), options));
    }

    private static EvolutionSetup setUp(Setup s) throws IOException {
        try {
            return s.make();
        } catch (EvolutionException e) {
            // a mistake in the settings, models or tasks, found before any candidate runs: exit 2
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Writes the settings and where they came from into the output folder, under a temporary name. */
    private static void keepSettings(EvolutionConfig config, Path file, String text) throws IOException {
        Files.createDirectories(config.output());
        ObjectNode o = JSON.createObjectNode();
        o.put("file", file.toAbsolutePath().normalize().toString());
        o.put("text", text);
        Path target = config.output().resolve(SETTINGS);
        Path tmp = config.output().resolve(SETTINGS + ".tmp");
        Files.writeString(tmp, JSON.writeValueAsString(o), StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Runs one search to its end, printing a line per generation; null when it could not start. */
    private SearchResult run(PrintWriter out, EvolutionSetup setup, boolean resume) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(1);
        GenerationLine line = new GenerationLine(out, setup.config().budget().generations(),
                setup.config().budget().timeLimit());
        Thread hook = new Thread(() -> {
            stop.set(true);
            out.println("Stopping after the candidate in progress; the checkpoint of the last whole generation is kept"
                    + " (kumiki evolve --resume " + setup.config().output() + " continues)…");
            out.flush();
            try {
                finished.await(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kumiki-evolve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        SearchResult result = null;
        try {
            Search.Builder b = setup.builder().threads(threads).cancelled(stop::get).listener(line::report);
            try (Search search = resume ? b.resume() : b.build()) {
                if (resume) {
                    out.println("Resuming at generation " + (search.generation() + 1) + " of "
                            + setup.config().budget().generations() + " from " + setup.folder());
                    search.history().forEach(line::replayed);
                }
                result = search.run();
            } catch (EvolutionException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            summary(out, setup, result);
            out.flush();
            return result;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running and waits for this
            }
        }
    }

    /** What will be searched, in a few lines. */
    static void describe(PrintWriter out, EvolutionSetup setup) {
        EvolutionConfig c = setup.config();
        out.println("Search   " + setup.space().kind() + " space of " + setup.space().dimensions() + " dimensions over "
                + String.join(", ", c.models().keySet()) + c.base().map(b -> " (base " + b.name() + ")").orElse(""));
        out.println("Optimizer " + setup.optimizer().name() + (c.optimizer().population() > 0 ? ", population "
                + c.optimizer().population() : "") + ", " + c.budget().generations() + " generations" + c.budget()
                        .timeLimit().map(t -> ", time limit " + GenerationLine.duration(t)).orElse("") + ", seed "
                + c.seed());
        out.println("Fitness  " + String.join(", ", setup.fitness().objectives()) + (c.fitness().subsample() > 0
                ? " (" + c.fitness().subsample() + " documents per task and generation)" : ""));
        out.println("Output   " + setup.folder());
    }

    static void summary(PrintWriter out, EvolutionSetup setup, SearchResult r) {
        int generations = r.history().size();
        if (r.stop() == SearchResult.Stop.CANCELLED) {
            out.println("Stopped after generation " + generations + "; its checkpoint is kept: kumiki evolve --resume "
                    + setup.config().output() + " continues.");
            return;
        }
        if (r.best() == null) {
            out.println("No generation ran (" + r.stop().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ").");
            return;
        }
        StringBuilder test = new StringBuilder();
        double[] t = r.testFitness();
        for (int k = 0; k < t.length; k++) {
            test.append(k == 0 ? "" : ", ").append(r.objectives().get(k)).append(' ').append(GenerationLine.score(t[k]));
        }
        out.println(String.format(Locale.ROOT, "Best of %d generations (found in generation %d): search split %s; "
                + "test split %s", generations, r.best().generation(), GenerationLine.scores(r.best().fitness()),
                test));
        out.println("Best recipe: " + setup.folder().resolve(SearchCheckpoint.BEST));
        r.best().parameters().forEach((k, v) -> out.println(String.format(Locale.ROOT, "  %s = %s", k,
                GenerationLine.score(v))));
        if (!r.paretoFront().isEmpty()) {
            out.println("Pareto front: " + r.paretoFront().size() + " candidates");
        }
    }

    /** One line per generation: gen, best, mean, evaluations, cache hits, elapsed, time left. */
    static final class GenerationLine {
        private final PrintWriter out;
        private final int generations;
        private final Optional<Duration> limit;
        private final long start = System.nanoTime();
        private int firstGeneration = -1;

        GenerationLine(PrintWriter out, int generations, Optional<Duration> limit) {
            this.out = out;
            this.generations = generations;
            this.limit = limit;
        }

        synchronized void replayed(GenerationReport r) {
            out.println(line(r, Double.NaN) + " (before the resume)");
        }

        synchronized void report(GenerationReport r) {
            if (firstGeneration < 0) {
                firstGeneration = r.generation();
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            int done = r.generation() - firstGeneration + 1;
            double left = elapsed / done * (generations - r.generation());
            if (limit.isPresent()) {
                left = Math.min(left, Math.max(0, limit.get().toMillis() / 1e3 - elapsed));
            }
            out.println(line(r, elapsed) + String.format(Locale.ROOT, "  left %s", duration(Duration.ofMillis(
                    Math.round(left * 1000)))));
            out.flush();
        }

        private String line(GenerationReport r, double elapsed) {
            return String.format(Locale.ROOT, "gen %d/%d  best %s  mean %s  evals %d%s  cache hits %d%s",
                    r.generation(), generations, scores(r.best()), scores(r.mean()), r.evaluations(),
                    r.shared() == 0 ? "" : " (" + r.shared() + " shared)", r.cacheHits(),
                    Double.isNaN(elapsed) ? "" : "  elapsed " + duration(Duration.ofMillis(Math.round(elapsed
                            * 1000))));
        }

        static String scores(double[] v) {
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < v.length; k++) {
                b.append(k == 0 ? "" : "/").append(score(v[k]));
            }
            return b.toString();
        }

        static String score(double v) {
            return String.format(Locale.ROOT, "%.4f", v);
        }

        static String duration(Duration d) {
            long s = d.toSeconds();
            if (s < 60) {
                return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1e3);
            }
            if (s < 3600) {
                return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
            }
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        }
    }
}
