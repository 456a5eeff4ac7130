package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.evolve.EvolutionConfig;
import dev.kumiki.evolve.EvolutionSetup;
import dev.kumiki.evolve.GenerationReport;
import dev.kumiki.evolve.Search;
import dev.kumiki.evolve.SearchResult;
import dev.kumiki.evolve.fitness.Fitness;
import dev.kumiki.evolve.space.Candidate;
import dev.kumiki.evolve.space.SearchSpace;
import dev.kumiki.llm.LanguageModel;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.nodes.EvaluationTasks;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.io.SyntheticModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "evolve", mixinStandardHelpOptions = true,
        description = {"Measure what an evolutionary search spends outside evaluation. Generates a base model and two "
                + "fine-tune-like variants (seeded, tiny unless told otherwise), runs a short parameter-space search "
                + "(ties over the two with the base, CMA-ES) scored on a shipped task, and times each candidate: "
                + "decoding its genome, merging it in memory, and evaluating it.",
                "Prints the medians over candidates of each part and of (decode + merge) / evaluation, which issue 12 "
                        + "wants at most 10 %%, the search's own per-generation overhead ratio (asking, telling, "
                        + "opening and closing, bookkeeping), and the load average: figures taken on a shared "
                        + "machine are only comparable at a similar load."})
public final class BenchEvolveCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--generations", defaultValue = "3", description = "generations (default 3)")
    int generations;

    @Option(names = "--population", defaultValue = "4", description = "candidates per generation (default 4)")
    int population;

    @Option(names = "--layers", defaultValue = "2", description = "layers of the generated models (default 2)")
    int layers;

    @Option(names = "--hidden", defaultValue = "64", description = "hidden size (default 64)")
    int hidden;

    @Option(names = "--intermediate", defaultValue = "128", description = "MLP size (default 128)")
    int intermediate;

    @Option(names = "--task", defaultValue = "counters_ja", description = "the shipped task scored (default "
            + "counters_ja)")
    String task;

    @Option(names = "--documents", defaultValue = "8", description = "documents scored per generation (default 8)")
    int documents;

    @Option(names = "--work", description = "where the models and the search are written, in a folder of the "
            + "benchmark's own (default: a temporary folder, deleted afterwards)")
    Path work;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (generations < 1 || population < 2 || layers < 1 || hidden < 8 || documents < 1) {
            throw new IllegalArgumentException("--generations and --documents must be at least 1, --population at "
                    + "least 2, --layers at least 1 and --hidden at least 8");
        }
        boolean temporary = work == null;
        Path dir = temporary ? Files.createTempDirectory("kumiki-bench-evolve") : work.resolve("bench-evolve");
        try {
            Path models = dir.resolve("models");
            for (int v = 0; v < 3; v++) {
                SyntheticModel.llama().layers(layers).hidden(hidden).intermediate(intermediate)
                        .vocab(SyntheticModel.MIN_BYTE_LEVEL_VOCABULARY).byteLevelTokenizer().dtype(DType.F32)
                        .contextLength(256)
                        .variant(v).write(models.resolve(v == 0 ? "base" : "v" + v));
            }
            Path search = dir.resolve("search");
            if (Files.exists(search)) {
                throw new IllegalArgumentException(search + " exists from an earlier run; give another --work or "
                        + "delete it");
            }
            Map<String, Path> variants = new java.util.LinkedHashMap<>();
            variants.put("v1", models.resolve("v1"));
            variants.put("v2", models.resolve("v2"));
            EvolutionConfig config = new EvolutionConfig(variants,
                    Optional.of(new EvolutionConfig.NamedModel("base", models.resolve("base"))),
                    new EvolutionConfig.Ps("ties", List.of("weight", "density"), 1, Map.of(), Optional.empty(),
                            false), new EvolutionConfig.OptimizerSettings("cma-es", population, 1.0 / 6),
                    new EvolutionConfig.Budget(generations, Optional.empty()), new EvolutionConfig.FitnessSettings(
                            List.of(new EvolutionConfig.TaskSpec(task, 1, Optional.empty())), Optional.empty(),
                            Optional.empty(), documents), 42, search);
            RuntimeOptions options = RuntimeOptions.defaults();
            List<long[]> timings = new ArrayList<>(); // decode, open, evaluate (ns) per evaluated candidate
            List<Double> generationRatios = new ArrayList<>();
            SearchResult result;
            try (EvolutionSetup setup = EvolutionSetup.of(config, EvaluationTasks.shippedDir(), options)) {
                out.println(String.format(Locale.ROOT, "Searching: %s space of %d dimensions (ties over 2 variants "
                        + "and a base of %d layers × %d), cma-es population %d, %d generations, %s with %d documents "
                        + "per generation", setup.space().kind(), setup.space().dimensions(), layers, hidden,
                        population, generations, task, documents));
                out.flush();
                Timed timed = new Timed(setup.space(), setup.fitness(), timings);
                Search.Builder b = Search.builder(timed, setup.optimizer(), timed.fitness).generations(generations)
                        .folder(search).seed(config.seed()).runtimeOptions(options)
                        .listener(r -> generationRatios.add(r.overheadRatio()));
                try (Search s = b.build()) {
                    result = s.run();
                }
            } catch (dev.kumiki.evolve.EvolutionException e) {
                // the generated models or the task were refused: the message says which (exit 2)
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            long[][] t = timings.stream().filter(x -> x[2] > 0).toArray(long[][]::new);
            if (t.length == 0) {
                throw new IllegalStateException("no candidate was evaluated");
            }
            double decode = median(Arrays.stream(t).mapToDouble(x -> x[0] / 1e6).toArray());
            double merge = median(Arrays.stream(t).mapToDouble(x -> x[1] / 1e6).toArray());
            double evaluate = median(Arrays.stream(t).mapToDouble(x -> x[2] / 1e6).toArray());
            double ratio = median(Arrays.stream(t).mapToDouble(x -> (double) (x[0] + x[1]) / x[2]).toArray());
            double searchRatio = median(generationRatios.stream().mapToDouble(Double::doubleValue)
                    .filter(Double::isFinite).toArray());
            long hits = result.history().stream().mapToLong(GenerationReport::cacheHits).sum();
            out.println(String.format(Locale.ROOT, "Candidates evaluated: %d (cache hits %d); best search-split "
                    + "score %.4f", t.length, hits, result.best().fitness(0)));
            out.println(String.format(Locale.ROOT, "Median per candidate: decode %.3f ms, in-memory merge %.1f ms, "
                    + "evaluation %.1f ms", decode, merge, evaluate));
            out.println(String.format(Locale.ROOT, "Outside evaluation / evaluation: %.1f %% (median over "
                    + "candidates; aim <= 10 %%)", ratio * 100));
            out.println(String.format(Locale.ROOT, "Search overhead / evaluation per generation (asking, telling, "
                    + "opening, closing, bookkeeping): %.1f %% (median over generations)", searchRatio * 100));
            out.println("Load average: " + BenchGenerateCommand.loadAverage() + " on "
                    + Runtime.getRuntime().availableProcessors() + " processors");
            return Kumiki.OK;
        } finally {
            if (temporary) {
                deleteTree(dir);
            }
        }
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a temporary folder left behind is harmless
                }
            });
        } catch (IOException e) {
            // the same
        }
    }

    /**
     * The space and fitness of the search, timing each candidate's decoding, opening (the merge in memory) and
     * evaluation. The search evaluates one candidate at a time here, so the candidate opened last is the one being
     * evaluated.
     */
    private static final class Timed implements SearchSpace {
        private final SearchSpace space;
        private final List<long[]> timings;
        private long[] current;
        final Fitness fitness;

        Timed(SearchSpace space, Fitness inner, List<long[]> timings) {
            this.space = space;
            this.timings = timings;
            this.fitness = new Fitness() {
                @Override
                public List<String> objectives() {
                    return inner.objectives();
                }

                @Override
                public double[] evaluate(LanguageModel model, int generation, long seed) throws IOException {
                    long start = System.nanoTime();
                    double[] f = inner.evaluate(model, generation, seed);
                    if (current != null) {
                        current[2] = System.nanoTime() - start;
                    }
                    return f;
                }

                @Override
                public double[] test(LanguageModel model) throws IOException {
                    return inner.test(model);
                }
            };
        }

        @Override
        public String kind() {
            return space.kind();
        }

        @Override
        public int dimensions() {
            return space.dimensions();
        }

        @Override
        public List<String> names() {
            return space.names();
        }

        @Override
        public double[] initial() {
            return space.initial();
        }

        @Override
        public Candidate decode(double[] genome) {
            long start = System.nanoTime();
            Candidate c = space.decode(genome);
            long decode = System.nanoTime() - start;
            return new Candidate() {
                @Override
                public String key() {
                    return c.key();
                }

                @Override
                public String recipe() {
                    return c.recipe();
                }

                @Override
                public Map<String, Double> parameters() {
                    return c.parameters();
                }

                @Override
                public TransformerLanguageModel open(RuntimeOptions options) throws IOException {
                    long start = System.nanoTime();
                    TransformerLanguageModel m = c.open(options);
                    long[] t = {decode, System.nanoTime() - start, 0};
                    synchronized (timings) {
                        timings.add(t);
                        current = t;
                    }
                    return m;
                }
            };
        }
    }
}
