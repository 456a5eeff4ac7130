package dev.kumiki.evolve;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The state of a search after a whole generation, as written into {@code checkpoint.json} of the search folder:
 * the fingerprint of the search definition, the generations done, the seed, the optimiser's name and
 * {@link dev.kumiki.evolve.optim.Optimizer#state() state}, the genomes and fitness told to it (so that any
 * deterministic optimiser can be restored by replaying them), the fitness cache (key → fitness), the best candidate,
 * the Pareto front, the history and the time spent.
 * <p>
 * Every write goes to a temporary file in the same folder, is forced to disk and renamed over {@code checkpoint.json}
 * with {@code ATOMIC_MOVE}: the file with the real name is always a whole checkpoint, so a search killed at any moment
 * (even with SIGKILL) resumes from its last whole generation. {@link Lock} keeps two processes (or two searches in one
 * process) out of the same folder.
 *
 * @param fingerprint      what the search is (space, optimiser, fitness, seed); a resume must match it
 * @param generation       generations done (and told to the optimiser)
 * @param seed             the search's seed (the fitness subsample of generation g is drawn from it and g)
 * @param optimizerName    {@link dev.kumiki.evolve.optim.Optimizer#name()}
 * @param optimizerState   {@link dev.kumiki.evolve.optim.Optimizer#state()} after the last tell
 * @param told             per generation: the genomes asked and the fitness told, in order
 * @param cache            candidate key → fitness, in the order first evaluated
 * @param best             the best candidate so far, null before the first generation
 * @param paretoFront      the non-dominated set of everything evaluated (multi-objective)
 * @param history          one report per generation
 * @param elapsedSeconds   wall time the search has run, over all its runs (the time limit counts it)
 */
public record SearchCheckpoint(ObjectNode fingerprint, int generation, long seed, String optimizerName,
        ObjectNode optimizerState, List<Told> told, Map<String, double[]> cache, ScoredCandidate best,
        List<ScoredCandidate> paretoFront, List<GenerationReport> history, double elapsedSeconds) {

    /** The checkpoint's file name in the search folder. */
    public static final String FILE = "checkpoint.json";
    /** One JSON line per generation, rewritten from the checkpoint on resume. */
    public static final String HISTORY = "history.jsonl";
    /** The best candidate's recipe, rewritten whenever it changes. */
    public static final String BEST = "best.yml";
    /** The lock file. */
    public static final String LOCK = ".kumiki-search-lock";
    private static final String TEMP_PREFIX = ".tmp-";
    private static final int FORMAT = 1;
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The genomes a generation asked and the fitness told for them.
     *
     * @param genomes in the order asked
     * @param fitness in the same order, one value per objective
     */
    public record Told(List<double[]> genomes, List<double[]> fitness) {
        public Told {
            genomes = genomes.stream().map(double[]::clone).toList();
            fitness = fitness.stream().map(double[]::clone).toList();
        }
    }

    public SearchCheckpoint {
        told = List.copyOf(told);
        Map<String, double[]> c = new LinkedHashMap<>();
        cache.forEach((k, v) -> c.put(k, v.clone()));
        cache = java.util.Collections.unmodifiableMap(c);
        paretoFront = List.copyOf(paretoFront);
        history = List.copyOf(history);
    }

    /** The checkpoint in {@code folder}, if one was written. */
    public static Optional<SearchCheckpoint> read(Path folder) throws IOException {
        Path file = folder.resolve(FILE);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (JsonProcessingException e) {
            throw new EvolutionException(file + ": the checkpoint is not valid JSON (" + e.getOriginalMessage()
                    + "); it was not written by Kumiki's search, or was edited. Delete the folder " + folder
                    + " to start the search afresh", e);
        }
        try {
            if (root.path("format").asInt() != FORMAT) {
                throw new EvolutionException(file + ": the checkpoint has format " + root.path("format") + ", this "
                        + "version of Kumiki reads format " + FORMAT + "; delete the folder " + folder
                        + " to start the search afresh");
            }
            List<Told> told = new ArrayList<>();
            for (JsonNode t : root.withArray("told")) {
                told.add(new Told(vectors(t.get("genomes")), vectors(t.get("fitness"))));
            }
            Map<String, double[]> cache = new LinkedHashMap<>();
            for (JsonNode e : root.withArray("cache")) {
                cache.put(e.get("key").asText(), vector(e.get("fitness")));
            }
            List<GenerationReport> history = new ArrayList<>();
            for (JsonNode r : root.withArray("history")) {
                history.add(report(r));
            }
            JsonNode best = root.get("best");
            return Optional.of(new SearchCheckpoint((ObjectNode) root.get("fingerprint"),
                    root.get("generation").asInt(), root.get("seed").asLong(), root.get("optimizer").asText(),
                    (ObjectNode) root.get("optimizer_state"), told, cache,
                    best == null || best.isNull() ? null : candidate(best), candidates(root.get("pareto_front")),
                    history, root.get("elapsed_seconds").asDouble()));
        } catch (NullPointerException | ClassCastException e) {
            throw new EvolutionException(file + ": the checkpoint lacks an entry Kumiki writes (" + e
                    + "); it was edited or written by another program. Delete the folder " + folder
                    + " to start the search afresh", e);
        }
    }

    /** Writes this checkpoint into {@code folder} atomically (temporary file, forced, renamed). */
    public void write(Path folder) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.set("fingerprint", fingerprint);
        root.put("generation", generation);
        root.put("seed", seed);
        root.put("optimizer", optimizerName);
        root.set("optimizer_state", optimizerState);
        ArrayNode t = root.putArray("told");
        for (Told g : told) {
            ObjectNode o = t.addObject();
            o.set("genomes", vectors(g.genomes()));
            o.set("fitness", vectors(g.fitness()));
        }
        ArrayNode c = root.putArray("cache");
        cache.forEach((k, v) -> {
            ObjectNode o = c.addObject();
            o.put("key", k);
            o.set("fitness", vector(v));
        });
        root.set("best", best == null ? null : json(best));
        root.set("pareto_front", candidates(paretoFront));
        ArrayNode h = root.putArray("history");
        history.forEach(r -> h.add(json(r)));
        root.put("elapsed_seconds", elapsedSeconds);
        writeAtomically(folder, FILE, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }

    /** Writes {@code text} as {@code folder/name}: a temporary file in the folder, forced to disk, then renamed. */
    static void writeAtomically(Path folder, String name, String text) throws IOException {
        Path temp = Files.createTempFile(folder, TEMP_PREFIX + name + "-", "");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(temp, folder.resolve(name), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** A generation's report as one line of {@code history.jsonl} (and the checkpoint's history). */
    static ObjectNode json(GenerationReport r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("generation", r.generation());
        ArrayNode names = o.putArray("objectives");
        r.objectives().forEach(names::add);
        o.set("best", vector(r.best()));
        o.set("mean", vector(r.mean()));
        o.set("best_so_far", json(r.bestSoFar()));
        o.put("candidates", r.candidates());
        o.put("evaluations", r.evaluations());
        o.put("cache_hits", r.cacheHits());
        if (r.shared() > 0) {
            o.put("shared", r.shared());
        }
        o.put("evaluation_seconds", r.evaluationSeconds());
        o.put("overhead_seconds", r.overheadSeconds());
        o.put("total_evaluations", r.totalEvaluations());
        o.put("total_cache_hits", r.totalCacheHits());
        o.set("pareto_front", candidates(r.paretoFront()));
        return o;
    }

    static GenerationReport report(JsonNode o) {
        List<String> names = new ArrayList<>();
        o.get("objectives").forEach(n -> names.add(n.asText()));
        return new GenerationReport(o.get("generation").asInt(), names, vector(o.get("best")),
                vector(o.get("mean")), candidate(o.get("best_so_far")), o.get("candidates").asInt(),
                o.get("evaluations").asInt(), o.get("cache_hits").asInt(), o.path("shared").asInt(0), o.get("evaluation_seconds").asDouble(),
                o.get("overhead_seconds").asDouble(), o.get("total_evaluations").asLong(),
                o.get("total_cache_hits").asLong(), candidates(o.get("pareto_front")));
    }

    static ObjectNode json(ScoredCandidate c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("key", c.key());
        o.set("fitness", vector(c.fitness()));
        o.put("generation", c.generation());
        ObjectNode p = o.putObject("parameters");
        c.parameters().forEach((k, v) -> p.set(k, number(v)));
        o.set("genome", vector(c.genome()));
        o.put("recipe", c.recipe());
        return o;
    }

    static ScoredCandidate candidate(JsonNode o) {
        Map<String, Double> p = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = o.get("parameters").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            p.put(e.getKey(), number(e.getValue()));
        }
        return new ScoredCandidate(o.get("key").asText(), o.get("recipe").asText(), p, vector(o.get("genome")),
                vector(o.get("fitness")), o.get("generation").asInt());
    }

    private static ArrayNode candidates(List<ScoredCandidate> cs) {
        ArrayNode a = JSON.createArrayNode();
        cs.forEach(c -> a.add(json(c)));
        return a;
    }

    private static List<ScoredCandidate> candidates(JsonNode a) {
        List<ScoredCandidate> cs = new ArrayList<>();
        a.forEach(c -> cs.add(candidate(c)));
        return cs;
    }

    private static ArrayNode vectors(List<double[]> vs) {
        ArrayNode a = JSON.createArrayNode();
        vs.forEach(v -> a.add(vector(v)));
        return a;
    }

    private static List<double[]> vectors(JsonNode a) {
        List<double[]> vs = new ArrayList<>();
        a.forEach(v -> vs.add(vector(v)));
        return vs;
    }

    static ArrayNode vector(double[] v) {
        ArrayNode a = JSON.createArrayNode();
        for (double x : v) {
            a.add(number(x));
        }
        return a;
    }

    static double[] vector(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = number(a.get(i));
        }
        return v;
    }

    // JSON has no NaN or infinities: those are written as text ("NaN", "Infinity", "-Infinity"), read back exactly
    private static JsonNode number(double x) {
        return Double.isFinite(x) ? JSON.getNodeFactory().numberNode(x) : JSON.getNodeFactory().textNode(
                Double.toString(x));
    }

    private static double number(JsonNode n) {
        return n.isTextual() ? Double.parseDouble(n.asText()) : n.doubleValue();
    }

    /**
     * Why {@code saved} (the checkpoint's fingerprint) is not {@code now}: each entry that differs, or null when they
     * are the same.
     */
    static String differences(JsonNode saved, ObjectNode now) {
        List<String> differences = new ArrayList<>();
        Iterator<String> names = now.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            JsonNode was = saved.get(n);
            // compared as JSON text: a seed read back is an int node, the one made here a long node
            if (was == null || !was.toString().equals(now.get(n).toString())) {
                differences.add(n + " is " + (was == null ? "not set" : show(was)) + " there and " + show(now.get(n))
                        + " here");
            }
        }
        Iterator<String> old = saved.fieldNames();
        while (old.hasNext()) {
            String n = old.next();
            if (!now.has(n)) {
                differences.add(n + " is " + show(saved.get(n)) + " there and not set here");
            }
        }
        return differences.isEmpty() ? null : String.join("; ", differences);
    }

    private static String show(JsonNode v) {
        String s = v.isTextual() ? v.asText() : v.toString();
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    /**
     * The lock of a search folder: held while a search runs in it, so that a second search (in this process or
     * another) is refused with the holder's pid rather than interleaving checkpoints. Taking it deletes the temporary
     * files a killed search left behind.
     */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private Lock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        /**
         * Takes the lock of {@code folder}, creating the folder.
         *
         * @throws EvolutionException when another search holds it
         */
        public static Lock take(Path folder) throws IOException {
            try {
                Files.createDirectories(folder);
            } catch (IOException e) {
                throw new EvolutionException("cannot create the search folder " + folder + ": "
                        + dev.kumiki.tensor.io.OutputFolder.describe(e), e);
            }
            FileChannel channel = FileChannel.open(folder.resolve(LOCK), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ByteBuffer b = ByteBuffer.allocate(32);
                channel.read(b, 0);
                channel.close();
                String holder = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
                throw new EvolutionException("the search folder " + folder + " is in use by another search"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; wait for it to finish or cancel "
                        + "it, or give this search another folder");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)),
                    0);
            try (DirectoryStream<Path> s = Files.newDirectoryStream(folder, TEMP_PREFIX + "*")) {
                for (Path p : s) {
                    Files.deleteIfExists(p);
                }
            }
            return new Lock(channel, lock);
        }

        @Override
        public void close() throws IOException {
            if (channel.isOpen()) {
                try {
                    channel.truncate(0);
                    lock.release();
                } finally {
                    channel.close();
                }
            }
        }
    }
}
