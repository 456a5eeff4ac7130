package dev.kumiki.evolve;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.evolve.fitness.Fitness;
import dev.kumiki.evolve.fitness.TaskFitness;
import dev.kumiki.evolve.optim.Optimizer;
import dev.kumiki.evolve.optim.Optimizers;
import dev.kumiki.evolve.space.Candidate;
import dev.kumiki.evolve.space.SearchSpace;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.TransformerLanguageModel;

/**
 * An evolutionary search: each generation asks the {@link Optimizer} for genomes, decodes each through the
 * {@link SearchSpace}, skips candidates whose {@link Candidate#key() key} was evaluated before (the fitness cache),
 * opens the others in memory, scores them with the {@link Fitness} on its search split, closes them and tells the
 * optimiser. After every generation the search folder gets an atomic {@link SearchCheckpoint}, a line of
 * {@code history.jsonl} and, when the best changed, {@code best.yml}. Configured by a builder and run as a lazy stream
 * of per-generation reports, in the manner of Jenetics' {@code EvolutionStream}:
 * {@snippet :
 * try (Search search = Search.builder(space, optimizer, fitness)
 *         .generations(100)
 *         .folder(Path.of("runs/ja-math"))
 *         .seed(42)
 *         .build()) {
 *     search.stream()
 *             .peek(r -> System.out.printf("%d %.3f%n", r.generation(), r.bestSoFar().fitness(0)))
 *             .takeWhile(r -> r.bestSoFar().fitness(0) < 0.9)
 *             .forEach(r -> { });
 *     SearchResult result = search.result(); // the best candidate scored on the held-out test split
 * }
 * }
 * A search killed at any point resumes from its folder ({@link #resume}) losing at most the generation in progress;
 * resumed with the same definition and seed it ends exactly where the uninterrupted search would have.
 * <p>
 * Time outside evaluation (decoding, opening and closing candidates, asking and telling, bookkeeping; not the
 * checkpoint write itself) is reported per generation next to the time inside the fitness function.
 */
public final class Search implements AutoCloseable {
    private final SearchSpace space;
    private final Fitness fitness;
    private final int generations;
    private final Duration timeLimit;
    private final Path folder;
    private final long seed;
    private final BooleanSupplier cancelled;
    private final RuntimeOptions runtime;
    private final int threads;
    private final Consumer<GenerationReport> listener;
    private final ObjectNode fingerprint;
    private final List<String> objectives;
    private final String shareIdentity;

    private Optimizer optimizer;
    private SharedEvaluations.Scope scope;
    private final Map<String, double[]> cache = new LinkedHashMap<>();
    private final List<SearchCheckpoint.Told> told = new ArrayList<>();
    private final List<GenerationReport> history = new ArrayList<>();
    private final List<ScoredCandidate> front = new ArrayList<>();
    private ScoredCandidate best;
    private long totalEvaluations;
    private long totalCacheHits;
    private double elapsedBefore;
    private long startNanos;
    private SearchResult.Stop stop;
    private SearchCheckpoint.Lock lock;
    private boolean streamed;
    private SearchResult result;
    private boolean closed;

    private Search(Builder b, SearchCheckpoint from) {
        this.space = b.space;
        this.fitness = b.fitness;
        this.generations = b.generations;
        this.timeLimit = b.timeLimit;
        this.folder = b.folder;
        this.seed = b.seed;
        this.cancelled = b.cancelled;
        this.runtime = b.runtime;
        this.threads = b.threads;
        this.listener = b.listener;
        this.optimizer = b.optimizer;
        this.objectives = List.copyOf(fitness.objectives());
        this.fingerprint = fingerprint(b);
        this.shareIdentity = b.share == null ? null : shareIdentity(b.share);
        if (from != null) {
            restore(b, from);
        }
    }

    /** A builder for a search of {@code space} with {@code optimizer}, scored by {@code fitness}. */
    public static Builder builder(SearchSpace space, Optimizer optimizer, Fitness fitness) {
        return new Builder(space, optimizer, fitness);
    }

    /**
     * Continues the search whose checkpoint is in {@code folder}, defined again by {@code definition} (the same space,
     * a fresh optimiser configured as before, the same fitness and seed; the budget may grow).
     *
     * @throws EvolutionException when the folder holds no checkpoint, or one of a search defined otherwise (naming
     *                            what differs)
     */
    public static Search resume(Path folder, Builder definition) throws IOException {
        return definition.folder(folder).resume();
    }

    /** What the search is, as the checkpoint records it: a resume must match it. */
    private ObjectNode fingerprint(Builder b) {
        ObjectNode o = SearchCheckpoint.JSON.createObjectNode();
        o.put("space", space.kind());
        o.put("dimensions", space.dimensions());
        ArrayNode names = o.putArray("coordinates");
        space.names().forEach(names::add);
        o.put("initial_candidate", space.decode(space.initial()).key());
        o.put("optimizer", optimizer.name());
        o.put("population", optimizer.ask().size());
        o.set("optimizer_initial_state", optimizer.state());
        ArrayNode obj = o.putArray("objectives");
        objectives.forEach(obj::add);
        if (fitness instanceof TaskFitness tf) {
            o.set("fitness", tf.definition());
        } else {
            o.put("fitness", fitness.getClass().getName());
        }
        o.put("seed", seed);
        return o;
    }

    /**
     * What a candidate's fitness depends on besides its key and generation: the caller's identity of the models and
     * runtime, the space, the objectives, the fitness and the seed (not the optimiser: searches that propose the same
     * candidate by other routes share its value).
     */
    private String shareIdentity(String identity) {
        ObjectNode o = fingerprint.deepCopy();
        o.remove(List.of("optimizer", "population", "optimizer_initial_state"));
        return identity + "\n" + o;
    }

    /** Joins the searches of the same definition now running (once, while the search is open). */
    private void joinScope() {
        if (shareIdentity != null && scope == null && !closed) {
            scope = SharedEvaluations.join(shareIdentity);
        }
    }

    private void leaveScope() {
        if (scope != null) {
            scope.leave();
            scope = null;
        }
    }

    private void restore(Builder b, SearchCheckpoint c) {
        String diff = SearchCheckpoint.differences(c.fingerprint(), fingerprint);
        if (diff != null) {
            throw new EvolutionException("cannot resume the search in " + folder + ": its checkpoint was written by "
                    + "a search defined otherwise: " + diff + ". A search resumes only with the definition it started "
                    + "with (so that it ends as an uninterrupted one would): resume it with the checkpoint's settings, "
                    + "or give another folder (or delete " + folder + ") to start afresh");
        }
        if (b.restorer != null) {
            optimizer = b.restorer.apply(c.optimizerState());
        } else if (Optimizers.NAMES.contains(optimizer.name())) {
            try {
                optimizer = Optimizers.restore(c.optimizerState(), optimizer.name(), optimizer.dimensions());
            } catch (IllegalArgumentException e) {
                throw new EvolutionException("cannot resume the search in " + folder + ": " + e.getMessage(), e);
            }
        } else {
            replay(c);
        }
        if (optimizer.generation() != c.generation()) {
            throw new EvolutionException("cannot resume the search in " + folder + ": its checkpoint is at generation "
                    + c.generation() + " but the restored " + optimizer.name() + " optimiser is at generation "
                    + optimizer.generation());
        }
        told.addAll(c.told());
        cache.putAll(c.cache());
        history.addAll(c.history());
        front.addAll(c.paretoFront());
        best = c.best();
        if (!history.isEmpty()) {
            GenerationReport last = history.get(history.size() - 1);
            totalEvaluations = last.totalEvaluations();
            totalCacheHits = last.totalCacheHits();
        }
        elapsedBefore = c.elapsedSeconds();
    }

    /**
     * Brings the fresh optimiser to the checkpoint's generation by asking and telling it what the checkpoint recorded:
     * an optimiser whose randomness comes only from its seed and the generation then stands exactly where it stood.
     */
    private void replay(SearchCheckpoint c) {
        for (int g = 0; g < c.told().size(); g++) {
            SearchCheckpoint.Told t = c.told().get(g);
            List<double[]> asked = optimizer.ask();
            boolean same = asked.size() == t.genomes().size();
            for (int i = 0; same && i < asked.size(); i++) {
                same = Arrays.equals(asked.get(i), t.genomes().get(i));
            }
            if (!same) {
                throw new EvolutionException("cannot resume the search in " + folder + ": the " + optimizer.name()
                        + " optimiser proposes other genomes in generation " + (g + 1) + " than the checkpoint "
                        + "recorded, although it starts from the same state; its proposals must depend only on its "
                        + "seed and the generation");
            }
            optimizer.tell(t.genomes(), t.fitness());
        }
        if (!optimizer.state().toString().equals(c.optimizerState().toString())) {
            throw new EvolutionException("cannot resume the search in " + folder + ": replaying the checkpoint's "
                    + c.generation() + " generations leaves the " + optimizer.name() + " optimiser in another state "
                    + "than the one recorded");
        }
    }

    /** The objectives' names. */
    public List<String> objectives() {
        return objectives;
    }

    /** Generations done so far (including those before a resume). */
    public int generation() {
        return told.size();
    }

    /** The reports of the generations done so far (including those before a resume). */
    public List<GenerationReport> history() {
        return List.copyOf(history);
    }

    /**
     * The generations still to run, as a lazy stream: each element is reported once its generation has been told to
     * the optimiser and checkpointed, so a caller may stop after any element ({@code limit}, {@code takeWhile}) and
     * resume later. The stream ends when the budget of generations is spent, the time limit has passed (checked before
     * each generation) or the cancel flag is raised (checked before each candidate; the generation in progress is
     * dropped and the last checkpoint kept). It can be consumed once.
     *
     * @throws EvolutionException for a candidate that cannot be built or scored, or a folder in use
     */
    public Stream<GenerationReport> stream() {
        if (streamed) {
            throw new IllegalStateException("a search's stream can be consumed once");
        }
        streamed = true;
        return StreamSupport.stream(new Generations(), false).onClose(this::release);
    }

    /** Runs the remaining generations and returns {@link #result()}. */
    public SearchResult run() {
        try (Stream<GenerationReport> s = stream()) {
            s.forEach(r -> { });
        }
        return result();
    }

    /**
     * How the search ended: the best candidate scored on the held-out test split (once; not when the search was
     * cancelled or evaluated nothing, then the test fitness is empty), the history and the Pareto front. Called after
     * a stream that was cut short, it scores the best so far.
     */
    public SearchResult result() {
        if (result != null) {
            return result;
        }
        release();
        SearchResult.Stop why = stop != null ? stop : SearchResult.Stop.STREAM_CLOSED;
        double[] test = new double[0];
        if (best != null && why != SearchResult.Stop.CANCELLED) {
            Optional<double[]> kept = keptTest(best.key());
            if (kept.isPresent()) {
                test = kept.get();
            } else {
                test = test(best);
                keepTest(best.key(), test);
            }
        }
        leaveScope();
        result = new SearchResult(best, objectives, test, history, objectives.size() > 1 ? front : List.of(), why);
        return result;
    }

    /** The best candidate's test fitness: the value a search of the same definition running beside it scored, or
     * scored here. */
    private double[] test(ScoredCandidate best) {
        joinScope();
        SharedEvaluations.Claim claim = scope == null ? null : scope.claim("test\n" + best.key());
        try {
            if (claim != null && !claim.own()) {
                Optional<double[]> v = claim.await(() -> false);
                if (v.isPresent()) {
                    return v.get();
                }
                claim = null;
            }
            Candidate c = space.decode(best.genome());
            double[] test;
            try (TransformerLanguageModel model = c.open(runtime)) {
                test = fitness.test(model);
            } catch (IOException e) {
                throw new EvolutionException("the best candidate " + best.key() + " cannot be scored on the test "
                        + "split: " + e.getMessage(), e);
            }
            if (claim != null) {
                claim.complete(test);
            }
            return test;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EvolutionException("interrupted while waiting for the test score of " + best.key(), e);
        } finally {
            if (claim != null && claim.own()) {
                claim.release();
            }
        }
    }

    /** The file in the search folder keeping the best candidate's test fitness, so that a resumed search that is
     * already complete does not score it again. */
    public static final String TEST_FILE = "test.json";

    /** The test fitness kept for candidate {@code key} by this search (same fingerprint), if any. */
    private Optional<double[]> keptTest(String key) {
        Path file = folder == null ? null : folder.resolve(TEST_FILE);
        if (file == null || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode root = SearchCheckpoint.JSON.readTree(file.toFile());
            JsonNode test = root.path("test");
            if (!root.path("fingerprint").isObject()
                    || SearchCheckpoint.differences(root.path("fingerprint"), fingerprint) != null
                    || !root.path("best").asText().equals(key)
                    || !test.isArray() || test.size() != objectives.size()) {
                return Optional.empty();
            }
            double[] v = new double[test.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = test.get(i).asDouble();
            }
            return Optional.of(v);
        } catch (IOException e) {
            // unreadable: scored again, and written anew
            return Optional.empty();
        }
    }

    private void keepTest(String key, double[] test) {
        if (folder == null) {
            return;
        }
        ObjectNode root = SearchCheckpoint.JSON.createObjectNode();
        root.set("fingerprint", fingerprint);
        root.put("best", key);
        ArrayNode t = root.putArray("test");
        for (double d : test) {
            t.add(d);
        }
        try {
            SearchCheckpoint.writeAtomically(folder, TEST_FILE, SearchCheckpoint.JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(root));
        } catch (IOException e) {
            // only the next resume's time is lost: the result stands
        }
    }

    /** Releases the search folder's lock (a stream that ran to its end releases it by itself). */
    @Override
    public void close() {
        release();
        leaveScope();
        closed = true;
    }

    private void release() {
        if (lock != null) {
            try {
                lock.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                lock = null;
            }
        }
    }

    private double elapsed() {
        return elapsedBefore + (System.nanoTime() - startNanos) / 1e9;
    }

    /** The generations of one stream. */
    private final class Generations extends Spliterators.AbstractSpliterator<GenerationReport> {
        private ExecutorService pool;

        Generations() {
            super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
        }

        @Override
        public boolean tryAdvance(Consumer<? super GenerationReport> action) {
            if (stop != null) {
                return false;
            }
            try {
                if (startNanos == 0) {
                    start();
                }
                if (told.size() >= generations) {
                    return end(SearchResult.Stop.GENERATIONS);
                }
                if (timeLimit != null && elapsed() >= timeLimit.toNanos() / 1e9) {
                    return end(SearchResult.Stop.TIME_LIMIT);
                }
                GenerationReport r = generation();
                if (r == null) {
                    return end(SearchResult.Stop.CANCELLED);
                }
                listener.accept(r);
                action.accept(r);
                return true;
            } catch (IOException e) {
                end(null);
                throw new EvolutionException("the search folder " + folder + " cannot be written: "
                        + dev.kumiki.tensor.io.OutputFolder.describe(e), e);
            } catch (RuntimeException | Error e) {
                end(null);
                throw e;
            }
        }

        private boolean end(SearchResult.Stop why) {
            stop = why;
            if (pool != null) {
                pool.shutdownNow();
            }
            release();
            return false;
        }

        private void start() throws IOException {
            startNanos = System.nanoTime();
            joinScope();
            if (folder != null) {
                lock = SearchCheckpoint.Lock.take(folder);
                // a line appended after the last checkpoint (by a search killed before it could write the next one)
                // is dropped: the history file always matches the checkpoint
                StringBuilder lines = new StringBuilder();
                history.forEach(r -> lines.append(SearchCheckpoint.json(r)).append('\n'));
                SearchCheckpoint.writeAtomically(folder, SearchCheckpoint.HISTORY, lines.toString());
            }
            if (threads > 1) {
                pool = Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "kumiki-search");
                    t.setDaemon(true);
                    return t;
                });
            }
        }

        /** One generation; null when it was cancelled. */
        private GenerationReport generation() throws IOException {
            int g = told.size() + 1;
            long overhead = 0;
            long t0 = System.nanoTime();
            List<double[]> genomes = optimizer.ask();
            List<Candidate> decoded = new ArrayList<>(genomes.size());
            for (double[] genome : genomes) {
                decoded.add(space.decode(genome));
            }
            overhead += System.nanoTime() - t0;
            // the first occurrence of a key not yet in the cache is evaluated (or, when a search running beside this
            // one claimed it first, awaited from that search); repeats wait for it
            Map<String, Future<Timed>> pending = new HashMap<>();
            Map<String, SharedEvaluations.Claim> claims = new LinkedHashMap<>();
            java.util.Set<String> first = new java.util.HashSet<>();
            int hits = 0;
            try {
                for (Candidate c : decoded) {
                    String key = c.key();
                    if (cache.containsKey(key) || !first.add(key)) {
                        hits++;
                        continue;
                    }
                    SharedEvaluations.Claim claim = scope == null ? null : scope.claim(g + "\n" + key);
                    if (claim != null) {
                        claims.put(key, claim);
                        if (!claim.own()) {
                            continue;
                        }
                    }
                    Future<Timed> f;
                    if (pool != null) {
                        f = pool.submit(() -> evaluate(c, g, claim));
                    } else {
                        Timed done = evaluate(c, g, claim);
                        if (done == null) {
                            return null;
                        }
                        f = java.util.concurrent.CompletableFuture.completedFuture(done);
                    }
                    pending.put(key, f);
                }
                Map<String, Timed> results = new HashMap<>();
                for (Map.Entry<String, Future<Timed>> e : pending.entrySet()) {
                    try {
                        Timed t = e.getValue().get();
                        if (t == null) {
                            return null;
                        }
                        results.put(e.getKey(), t);
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        return null;
                    } catch (ExecutionException ex) {
                        if (ex.getCause() instanceof RuntimeException re) {
                            throw re;
                        }
                        throw new EvolutionException(ex.getCause().toString(), ex.getCause());
                    }
                }
                // the candidates another search claimed: its values, or (when it gave them up) evaluated here
                for (Candidate c : decoded) {
                    SharedEvaluations.Claim claim = claims.get(c.key());
                    if (claim == null || claim.own() || results.containsKey(c.key())) {
                        continue;
                    }
                    Timed t = awaitOrEvaluate(c, g, claim);
                    if (t == null) {
                        return null;
                    }
                    results.put(c.key(), t);
                }
                return told(g, genomes, decoded, results, hits, overhead);
            } finally {
                // a claim not completed (cancelled, failed, the pool stopped before it ran) is given up
                claims.values().forEach(c -> {
                    if (c.own()) {
                        c.release();
                    }
                });
            }
        }

        /** Waits for a value another search claimed; evaluates it here when that search gave it up. */
        private Timed awaitOrEvaluate(Candidate c, int g, SharedEvaluations.Claim claim) {
            SharedEvaluations.Claim current = claim;
            while (true) {
                try {
                    Optional<double[]> v = current.await(cancelled);
                    if (v.isPresent()) {
                        return new Timed(v.get(), 0, 0, true);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
                if (cancelled.getAsBoolean()) {
                    return null;
                }
                current = scope.claim(g + "\n" + c.key());
                if (current.own()) {
                    try {
                        return evaluate(c, g, current);
                    } finally {
                        current.release();
                    }
                }
            }
        }

        /** Tells the optimiser a generation whose candidates all have values, and checkpoints it. */
        private GenerationReport told(int g, List<double[]> genomes, List<Candidate> decoded,
                Map<String, Timed> results, int hits, long overheadBefore) throws IOException {
            long overhead = overheadBefore;
            long t1 = System.nanoTime();
            long evaluation = 0;
            int shared = 0;
            List<ScoredCandidate> fresh = new ArrayList<>();
            for (int i = 0; i < genomes.size(); i++) {
                Candidate c = decoded.get(i);
                Timed t = cache.containsKey(c.key()) ? null : results.get(c.key());
                if (t != null) {
                    evaluation += t.evaluationNanos;
                    overhead += t.overheadNanos;
                    shared += t.shared ? 1 : 0;
                    cache.put(c.key(), t.fitness);
                    fresh.add(new ScoredCandidate(c.key(), c.recipe(), c.parameters(), genomes.get(i), t.fitness, g));
                }
            }
            List<double[]> scores = new ArrayList<>(genomes.size());
            for (Candidate c : decoded) {
                scores.add(cache.get(c.key()).clone());
            }
            optimizer.tell(genomes, scores);
            told.add(new SearchCheckpoint.Told(genomes, scores));
            int k = objectives.size();
            double[] genBest = new double[k];
            double[] mean = new double[k];
            Arrays.fill(genBest, Double.NEGATIVE_INFINITY);
            for (double[] s : scores) {
                for (int j = 0; j < k; j++) {
                    genBest[j] = Double.isNaN(s[j]) || s[j] <= genBest[j] ? genBest[j] : s[j];
                    mean[j] += s[j] / scores.size();
                }
            }
            ScoredCandidate before = best;
            for (ScoredCandidate c : fresh) {
                if (k > 1) {
                    addToFront(c);
                }
            }
            best = k > 1 ? bestOfFront(before) : bestOf(before, fresh);
            totalEvaluations += fresh.size();
            totalCacheHits += hits;
            overhead += System.nanoTime() - t1;
            GenerationReport report = new GenerationReport(g, objectives, genBest, mean, best, genomes.size(),
                    fresh.size(), hits, shared, evaluation / 1e9, overhead / 1e9, totalEvaluations, totalCacheHits,
                    k > 1 ? front : List.of());
            history.add(report);
            if (folder != null) {
                new SearchCheckpoint(fingerprint, told.size(), seed, optimizer.name(), optimizer.state(), told, cache,
                        best, front, history, elapsed()).write(folder);
                Files.writeString(folder.resolve(SearchCheckpoint.HISTORY), SearchCheckpoint.json(report) + "\n",
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                if (best != before) {
                    SearchCheckpoint.writeAtomically(folder, SearchCheckpoint.BEST, best.recipe());
                }
            }
            return report;
        }

        /**
         * Opens, scores and closes one candidate, giving the value to the searches waiting for it on {@code claim}
         * (if any); null when the search was cancelled before it began.
         */
        private Timed evaluate(Candidate c, int g, SharedEvaluations.Claim claim) {
            Timed t = evaluate(c, g);
            if (t != null && claim != null) {
                claim.complete(t.fitness);
            }
            return t;
        }

        /** Opens, scores and closes one candidate; null when the search was cancelled before it began. */
        private Timed evaluate(Candidate c, int g) {
            if (cancelled.getAsBoolean()) {
                return null;
            }
            long t0 = System.nanoTime();
            TransformerLanguageModel model;
            try {
                model = c.open(runtime);
            } catch (IOException e) {
                throw new EvolutionException("the candidate " + c.key() + " cannot be built: " + e.getMessage(), e);
            }
            long t1 = System.nanoTime();
            double[] f;
            long t2;
            try (model) {
                f = fitness.evaluate(model, g, seed);
                t2 = System.nanoTime();
            } catch (CancellationException e) {
                return null;
            } catch (IOException e) {
                throw new EvolutionException("the candidate " + c.key() + " cannot be scored: " + e.getMessage(), e);
            }
            if (f.length != objectives.size()) {
                throw new IllegalStateException("the fitness gave " + f.length + " values for " + objectives.size()
                        + " objectives");
            }
            long t3 = System.nanoTime();
            return new Timed(f.clone(), t2 - t1, (t1 - t0) + (t3 - t2), false);
        }
    }

    /** A candidate's value and what it cost here ({@code shared}: computed by another search, for nothing). */
    private record Timed(double[] fitness, long evaluationNanos, long overheadNanos, boolean shared) {
    }

    /** The single-objective best: the highest fitness, the earlier on a tie; NaN never wins. */
    private static ScoredCandidate bestOf(ScoredCandidate best, List<ScoredCandidate> fresh) {
        for (ScoredCandidate c : fresh) {
            double f = c.fitness(0);
            if (best == null || (!Double.isNaN(f) && (Double.isNaN(best.fitness(0)) || f > best.fitness(0)))) {
                best = c;
            }
        }
        return best;
    }

    private void addToFront(ScoredCandidate c) {
        for (ScoredCandidate f : front) {
            if (f.dominates(c) || Arrays.equals(f.fitness(), c.fitness())) {
                return;
            }
        }
        front.removeIf(c::dominates);
        front.add(c);
    }

    /** The multi-objective best: the front member with the highest sum of objectives; the incumbent on a tie. */
    private ScoredCandidate bestOfFront(ScoredCandidate incumbent) {
        ScoredCandidate b = incumbent != null && front.contains(incumbent) ? incumbent : null;
        for (ScoredCandidate c : front) {
            if (b == null || sum(c) > sum(b)) {
                b = c;
            }
        }
        return b != null ? b : incumbent;
    }

    private static double sum(ScoredCandidate c) {
        double s = 0;
        for (double f : c.fitness()) {
            s += f;
        }
        return s;
    }

    /** Configures a {@link Search}. */
    public static final class Builder {
        private final SearchSpace space;
        private final Optimizer optimizer;
        private final Fitness fitness;
        private int generations = 10;
        private Duration timeLimit;
        private Path folder;
        private long seed;
        private BooleanSupplier cancelled = () -> false;
        private RuntimeOptions runtime;
        private int threads = 1;
        private Consumer<GenerationReport> listener = r -> { };
        private Function<ObjectNode, Optimizer> restorer;
        private String share;

        private Builder(SearchSpace space, Optimizer optimizer, Fitness fitness) {
            this.space = Objects.requireNonNull(space, "space");
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
            this.fitness = Objects.requireNonNull(fitness, "fitness");
        }

        /** Generations to run in all (a resumed search counts those before it); 10 unless set. */
        public Builder generations(int n) {
            if (n < 1) {
                throw new EvolutionException("a search needs at least 1 generation, not " + n);
            }
            generations = n;
            return this;
        }

        /** Stops before a generation once this much wall time has passed (over all runs of the search). */
        public Builder timeLimit(Duration limit) {
            if (limit.isNegative() || limit.isZero()) {
                throw new EvolutionException("the time limit must be positive, not " + limit);
            }
            timeLimit = limit;
            return this;
        }

        /** The search folder: checkpoint, {@code history.jsonl}, {@code best.yml}; none: nothing is written. */
        public Builder folder(Path dir) {
            folder = dir;
            return this;
        }

        /** The seed of the fitness subsamples (the optimiser has its own, given when it was made). */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /** Checked before each candidate; when raised the search stops, keeping the last checkpoint. */
        public Builder cancelled(BooleanSupplier flag) {
            cancelled = Objects.requireNonNull(flag, "flag");
            return this;
        }

        /** How candidates' models compute; {@link RuntimeOptions#defaults()} unless set. */
        public Builder runtimeOptions(RuntimeOptions options) {
            runtime = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Candidates evaluated at once (each on its own thread, with its own model in memory); 1 unless set. */
        public Builder threads(int n) {
            if (n < 1) {
                throw new EvolutionException("threads must be at least 1, not " + n);
            }
            threads = n;
            return this;
        }

        /** Told each generation's report (as the stream emits it). */
        public Builder listener(Consumer<GenerationReport> l) {
            listener = Objects.requireNonNull(l, "listener");
            return this;
        }

        /**
         * Shares fitness values with the searches of the same definition (space, objectives, fitness, seed) and the
         * same {@code identity} running at the same time in this JVM: each candidate is evaluated by one of them
         * and its value given to the others (see {@link SharedEvaluations}). {@code identity} must name everything
         * else a candidate's fitness depends on: the models' folders and their contents, the task files, how the
         * models compute. Unset, the search shares nothing.
         */
        public Builder share(String identity) {
            share = Objects.requireNonNull(identity, "identity");
            return this;
        }

        /**
         * How a resume rebuilds the optimiser from its checkpointed {@link Optimizer#state()}. Unset, Kumiki's own
         * optimisers are restored by {@link Optimizers#restore(ObjectNode, String, int)}, and any other is brought
         * to the checkpoint by replaying the recorded generations into the fresh optimiser given to the builder.
         */
        public Builder optimizerRestore(Function<ObjectNode, Optimizer> restore) {
            restorer = restore;
            return this;
        }

        /**
         * A new search. Checks everything that can be checked before any candidate runs.
         *
         * @throws EvolutionException when the optimiser and the space or the fitness disagree, or the folder already
         *                            holds a checkpoint (resume it, or give another folder)
         */
        public Search build() throws IOException {
            check();
            if (folder != null && Files.exists(folder.resolve(SearchCheckpoint.FILE))) {
                throw new EvolutionException("the search folder " + folder + " already holds the checkpoint of a "
                        + "search; resume it, or give another folder (or delete that one) to start afresh");
            }
            return new Search(this, null);
        }

        /**
         * Continues the search checkpointed in {@link #folder}.
         *
         * @throws EvolutionException when there is no checkpoint, or one of a search defined otherwise
         */
        public Search resume() throws IOException {
            check();
            if (folder == null) {
                throw new EvolutionException("a search resumes from its folder; none was given");
            }
            SearchCheckpoint c = SearchCheckpoint.read(folder).orElseThrow(() -> new EvolutionException(
                    "cannot resume: the folder " + folder + " holds no search checkpoint ("
                            + SearchCheckpoint.FILE + "); start a new search there instead"));
            return new Search(this, c);
        }

        private void check() {
            if (runtime == null) {
                runtime = RuntimeOptions.defaults();
            }
            if (space.dimensions() < 1) {
                throw new EvolutionException("the " + space.kind() + " search space has no coordinates to search "
                        + "(its bounds leave nothing free)");
            }
            if (optimizer.dimensions() != space.dimensions()) {
                throw new EvolutionException("the " + optimizer.name() + " optimiser searches "
                        + optimizer.dimensions() + " coordinates but the " + space.kind() + " space has "
                        + space.dimensions() + " (" + String.join(", ", space.names()) + ")");
            }
            int k = fitness.objectives().size();
            if (k < 1) {
                throw new EvolutionException("the fitness has no objectives");
            }
            if (optimizer.objectives() != k) {
                throw new EvolutionException("the " + optimizer.name() + " optimiser maximises "
                        + optimizer.objectives() + " objective" + (optimizer.objectives() == 1 ? "" : "s")
                        + " but the fitness has " + k + " (" + String.join(", ", fitness.objectives()) + ")"
                        + (k > 1 ? "; use nsga2 for several objectives, or weight the tasks into one" : ""));
            }
            if (optimizer.generation() != 0) {
                throw new EvolutionException("the " + optimizer.name() + " optimiser has run "
                        + optimizer.generation() + " generations already; give the search a fresh one");
            }
        }
    }
}
