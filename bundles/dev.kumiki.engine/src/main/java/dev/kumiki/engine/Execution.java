package dev.kumiki.engine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.emf.ecore.EAttribute;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.emf.ecore.util.EcoreUtil;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.model.Settings;
import dev.kumiki.model.pipeline.Connection;
import dev.kumiki.model.pipeline.Node;
import dev.kumiki.model.pipeline.NodeSettings;

/**
 * One run of a configured pipeline. Nodes whose inputs are ready run in parallel, up to
 * {@link RunOptions#parallelNodes()} and within the memory budget. A node's cache key is the hash of its kind, its
 * settings, what it reads from outside (its fingerprint) and its inputs' keys; a node that keeps its outputs and
 * finds them under its key is not executed again. Everything is recorded in {@code runs/<id>/}: the pipeline as run,
 * {@code run.json} (status, per-node state, timings, outputs, messages) and {@code log.txt}.
 */
public final class Execution {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Cache entries name files and fingerprints; anything this large is not one. */
    private static final long MAX_CACHE_ENTRY_BYTES = 16L << 20;
    private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")
            .withZone(ZoneOffset.UTC);

    /** The outcome of a run. */
    public enum Status {
        SUCCEEDED, FAILED, CANCELLED
    }

    /** What happened to one node. */
    public record NodeResult(String node, String kind, NodeState state, String key, double seconds,
                             Map<String, String> outputs, List<String> messages) {
    }

    /**
     * A node as a run started now would find it, told before the run ({@link Engine#plan}) from the same cache key and
     * cache entry the run computes and reads.
     *
     * @param node      the node's id
     * @param kind      its kind's name
     * @param key       its cache key, or null when it cannot be told before the run: what the node reads from outside
     *                  cannot be fingerprinted now (a file another node writes during the run, say), or an input's
     *                  key cannot be told
     * @param fromCache whether the cache holds its outputs under that key now, so that a run started now takes them
     *                  from there instead of executing the node; false for kinds that keep no outputs
     *                  ({@link NodeKind#cached()}), which always execute, and when the run does not use the cache
     */
    public record PlannedNode(String node, String kind, String key, boolean fromCache) {
    }

    /** The outcome of a run: its status, its record folder and each node's result. */
    public record Result(String id, Status status, Path recordDir, Map<String, NodeResult> nodes,
                         Map<String, Map<String, PortValue>> values, double seconds) {
    }

    private final Engine engine;
    private final Configuration configuration;
    private final RunOptions options;
    private final RunListener listener;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final String id;
    private final Path recordDir;
    private final Map<String, NodeResult> results = new LinkedHashMap<>();
    private final Map<String, Map<String, PortValue>> values = new LinkedHashMap<>();
    private final Map<String, String> keys = new LinkedHashMap<>();
    private final Map<String, Double> progress = new LinkedHashMap<>();
    private final Writer log;
    private ExecutorService pool;

    Execution(Engine engine, Configuration configuration, RunOptions options, RunListener listener) {
        this.engine = engine;
        this.configuration = configuration;
        this.options = options;
        this.listener = listener;
        Instant now = Instant.now();
        String base = ID.format(now);
        Path dir = options.runsDir().resolve(base);
        for (int i = 2; Files.exists(dir); i++) {
            dir = options.runsDir().resolve(base + "-" + i);
        }
        this.recordDir = dir;
        this.id = dir.getFileName().toString();
        try {
            Files.createDirectories(recordDir);
            Files.writeString(recordDir.resolve("pipeline.kumiki"), engine.kinds().yaml().write(configuration.pipeline()));
            this.log = Files.newBufferedWriter(recordDir.resolve("log.txt"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run record in " + recordDir + ": " + e.getMessage(), e);
        }
    }

    public String id() {
        return id;
    }

    public Path recordDir() {
        return recordDir;
    }

    /** Asks the run to stop: running nodes are interrupted, queued ones are not started. */
    public void cancel() {
        if (cancelled.compareAndSet(false, true)) {
            logLine(null, "cancel requested");
            ExecutorService p = pool;
            if (p != null) {
                p.shutdownNow();
            }
        }
    }

    /** Runs the pipeline to the end (or until cancelled) on the calling thread and its workers. */
    public Result run() {
        long start = System.nanoTime();
        List<Node> order = configuration.order();
        Map<Node, Map<String, List<Connection>>> incoming = Engine.incoming(configuration.pipeline());
        for (Node n : order) {
            state(n, NodeState.QUEUED, null, 0, Map.of(), List.of());
        }
        pool = Executors.newFixedThreadPool(options.parallelNodes(), r -> {
            Thread t = new Thread(r, "kumiki-node");
            t.setDaemon(true);
            return t;
        });
        ExecutorCompletionService<Node> done = new ExecutorCompletionService<>(pool);
        List<Node> waiting = new ArrayList<>(order);
        Map<Node, Long> running = new LinkedHashMap<>();
        long memoryInUse = 0;
        try {
            while (!waiting.isEmpty() || !running.isEmpty()) {
                if (cancelled.get()) {
                    for (Node n : waiting) {
                        state(n, NodeState.CANCELLED, "the run was cancelled", 0, Map.of(), List.of());
                    }
                    waiting.clear();
                }
                for (Node n : new ArrayList<>(waiting)) {
                    if (running.size() >= options.parallelNodes()) {
                        break;
                    }
                    List<Node> upstream = upstream(n, incoming);
                    if (upstream.stream().anyMatch(u -> finished(u) && !succeeded(u))) {
                        waiting.remove(n);
                        // a cancel sets the flag before it stops the running nodes: an input stopped by it may be
                        // seen here before the check at the top of the loop does
                        if (cancelled.get()) {
                            state(n, NodeState.CANCELLED, "the run was cancelled", 0, Map.of(), List.of());
                        } else {
                            state(n, NodeState.SKIPPED, "an input node did not finish", 0, Map.of(), List.of());
                        }
                        continue;
                    }
                    if (!upstream.stream().allMatch(this::succeeded)) {
                        continue;
                    }
                    long memory = memory(n, incoming);
                    if (!running.isEmpty() && memoryInUse + memory > options.memoryBudget()) {
                        continue;
                    }
                    waiting.remove(n);
                    running.put(n, memory);
                    memoryInUse += memory;
                    done.submit(() -> {
                        runNode(n, incoming);
                        return n;
                    });
                }
                if (running.isEmpty()) {
                    if (!waiting.isEmpty()) {
                        continue; // only skips and cancellations were left to record
                    }
                    break;
                }
                Future<Node> f = done.take();
                Node finished;
                try {
                    finished = f.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("a node's runner failed unexpectedly", e.getCause());
                }
                memoryInUse -= running.remove(finished);
                overall();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
        } finally {
            pool.shutdownNow();
        }
        Status status = cancelled.get() ? Status.CANCELLED
                : results.values().stream().allMatch(r -> r.state() == NodeState.DONE || r.state() == NodeState.CACHED)
                        ? Status.SUCCEEDED : Status.FAILED;
        double seconds = (System.nanoTime() - start) / 1e9;
        writeRecord(status, seconds, true);
        try {
            log.close();
        } catch (IOException ignored) {
            // the record is written; a log that cannot be closed loses nothing more
        }
        return new Result(id, status, recordDir, Map.copyOf(results), values, seconds);
    }

    private static List<Node> upstream(Node n, Map<Node, Map<String, List<Connection>>> incoming) {
        return incoming.getOrDefault(n, Map.of()).values().stream().flatMap(List::stream).map(Connection::getFrom)
                .distinct().toList();
    }

    private synchronized boolean finished(Node n) {
        NodeResult r = results.get(n.getId());
        return r != null && r.state().finished();
    }

    private synchronized boolean succeeded(Node n) {
        NodeResult r = results.get(n.getId());
        return r != null && (r.state() == NodeState.DONE || r.state() == NodeState.CACHED);
    }

    private long memory(Node n, Map<Node, Map<String, List<Connection>>> incoming) {
        return memoryEstimate(kind(n), n.getSettings(), specInputs(n, incoming));
    }

    @SuppressWarnings("unchecked")
    private static <S extends NodeSettings> long memoryEstimate(NodeKind<S> kind, NodeSettings s, Inputs<PortSpec> in) {
        return kind.memoryEstimate((S) s, in);
    }

    private Inputs<PortSpec> specInputs(Node n, Map<Node, Map<String, List<Connection>>> incoming) {
        Map<String, List<Inputs.Connected<PortSpec>>> in = new LinkedHashMap<>();
        incoming.getOrDefault(n, Map.of()).forEach((port, cs) -> {
            for (Connection c : cs) {
                configuration.spec(c.getFrom().getId(), c.getFromPort()).ifPresent(s -> in
                        .computeIfAbsent(port, p -> new ArrayList<>())
                        .add(new Inputs.Connected<>(engine.origin(c), c.getFromPort(), s)));
            }
        });
        return new Inputs<>(in);
    }

    private NodeKind<?> kind(Node n) {
        return engine.kinds().of(n.getSettings().eClass()).orElseThrow();
    }

    private void runNode(Node n, Map<Node, Map<String, List<Connection>>> incoming) {
        NodeKind<?> kind = kind(n);
        long start = System.nanoTime();
        List<String> messages = new ArrayList<>();
        Map<String, List<Inputs.Connected<PortValue>>> in = new LinkedHashMap<>();
        Map<String, List<Connection>> into = incoming.getOrDefault(n, Map.of());
        Map<String, String> inputKeys;
        synchronized (this) {
            for (Map.Entry<String, List<Connection>> e : into.entrySet()) {
                for (Connection c : e.getValue()) {
                    PortValue v = values.get(c.getFrom().getId()).get(c.getFromPort());
                    in.computeIfAbsent(e.getKey(), p -> new ArrayList<>())
                            .add(new Inputs.Connected<>(engine.origin(c), c.getFromPort(), v));
                }
            }
            inputKeys = new LinkedHashMap<>(keys);
        }
        Path nodeDir = recordDir.resolve("nodes").resolve(n.getId());
        NodeContext context = new NodeContext(n.getId(), configuration.baseDir(), nodeDir, messages);
        String key = null;
        try {
            key = key(engine, kind, n.getSettings(), into, inputKeys, fingerprint(kind, n.getSettings(), context));
            if (key == null) {
                throw new IllegalStateException("an input of " + n.getId() + " has no cache key");
            }
            synchronized (this) {
                keys.put(n.getId(), key);
            }
            if (options.useCache() && kind.cached()) {
                Optional<Map<String, PortValue>> cached = restore(kind, n.getSettings(), key, options.cacheDir(),
                        context, context::log);
                if (cached.isPresent()) {
                    finish(n, NodeState.CACHED, "unchanged since an earlier run; outputs from the cache", start, key,
                            cached.get(), messages);
                    return;
                }
            }
            state(n, NodeState.RUNNING, null, 0, Map.of(), messages);
            Files.createDirectories(nodeDir);
            Map<String, PortValue> out = execute(kind, n.getSettings(), new Inputs<>(in), context);
            for (Port p : kind.outputs()) {
                // an output configure gave no spec for (a gate's model with nothing coming in) has no value either
                if (!out.containsKey(p.name()) && configuration.spec(n.getId(), p.name()).isPresent()) {
                    throw new IllegalStateException(kind.name() + " produced no value for its output '" + p.name()
                            + "'");
                }
            }
            if (kind.cached() && options.useCache()) {
                store(kind, key, out, context); // --no-cache leaves the cache as it is, not even creating its folder
            }
            finish(n, NodeState.DONE, null, start, key, out, messages);
        } catch (CancellationException e) {
            finish(n, NodeState.CANCELLED, "cancelled", start, key, Map.of(), messages);
        } catch (Throwable e) {
            // everything, Errors included: a node that overflows its stack or runs out of memory fails alone, and
            // the run still ends with its record written
            if (cancelled.get() && (e instanceof InterruptedException || e.getCause() instanceof InterruptedException
                    || e instanceof java.nio.channels.ClosedByInterruptException)) {
                finish(n, NodeState.CANCELLED, "cancelled", start, key, Map.of(), messages);
                return;
            }
            String message = e instanceof VirtualMachineError ? "internal error: " + e + " (details in "
                    + recordDir.resolve("log.txt") + ")" : e.getMessage() == null ? e.toString() : e.getMessage();
            messages.add("error: " + message);
            if (e instanceof RuntimeException && !(e instanceof UncheckedIOException) || e instanceof Error) {
                StringWriter trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                logLine(n.getId(), trace.toString());
            }
            finish(n, NodeState.FAILED, message, start, key, Map.of(), messages);
        }
    }

    @SuppressWarnings("unchecked")
    private static <S extends NodeSettings> Map<String, PortValue> execute(NodeKind<S> kind, NodeSettings s,
            Inputs<PortValue> in, ExecuteContext context) throws Exception {
        return kind.execute((S) s, in, context);
    }

    @SuppressWarnings("unchecked")
    private static <S extends NodeSettings> String fingerprint(NodeKind<S> kind, NodeSettings s,
            ConfigureContext context) throws IOException {
        return kind.fingerprint((S) s, context);
    }

    /**
     * A node's cache key: the hash of its kind, its settings (every one, defaults included), the keys of the nodes
     * connected to its inputs (by port, in file order) and what it reads from outside ({@code fingerprint}). A run
     * and {@link #plan} both compute keys here, so that what a plan tells is what the run does.
     *
     * @param inputKeys the keys of the nodes upstream, by node id
     * @return the key, or null when an input's key is not among {@code inputKeys}
     */
    static String key(Engine engine, NodeKind<?> kind, NodeSettings settings, Map<String, List<Connection>> incoming,
            Map<String, String> inputKeys, String fingerprint) {
        StringBuilder text = new StringBuilder(kind.name()).append('\n').append(canonical(settings));
        for (Map.Entry<String, List<Connection>> e : incoming.entrySet()) {
            for (Connection c : e.getValue()) {
                Connection source = engine.source(c); // a value passed on unchanged is keyed by where it came from
                String from = inputKeys.get(source.getFrom().getId());
                if (from == null) {
                    return null;
                }
                text.append("\ninput ").append(e.getKey()).append(" <- ").append(from).append('.')
                        .append(source.getFromPort());
            }
        }
        return sha256(text.append("\nreads ").append(fingerprint).toString());
    }

    /**
     * What a run of {@code configuration} with {@code options} started now would do with each node, in the order the
     * configuration runs them: every node's cache key, and whether the cache holds its outputs. Reads what the run
     * would read to decide (the nodes' fingerprints and cache entries) and writes nothing: no record, no cache entry,
     * no warning for a damaged entry (which the run reports when it meets it, and which is a miss here as there).
     * Nodes upstream do not change a node's answer, since a key depends on its inputs' keys, not their values: a
     * node can come from the cache although a node before it executes. What it cannot foresee is a file changed
     * between now and the node's turn (by another node of the run, say, when it reads a folder another writes).
     */
    static List<PlannedNode> plan(Engine engine, Configuration configuration, RunOptions options) {
        Map<Node, Map<String, List<Connection>>> incoming = Engine.incoming(configuration.pipeline());
        Map<String, String> keys = new LinkedHashMap<>();
        List<PlannedNode> plan = new ArrayList<>();
        for (Node n : configuration.order()) {
            NodeKind<?> kind = engine.kinds().of(n.getSettings().eClass()).orElseThrow();
            ConfigureContext context = new Engine.Context(n.getId(), configuration.baseDir(), new ArrayList<>());
            String key;
            try {
                key = key(engine, kind, n.getSettings(), incoming.getOrDefault(n, Map.of()), keys,
                        fingerprint(kind, n.getSettings(), context));
            } catch (IOException | RuntimeException e) {
                key = null; // the run fails the node with this error; nothing of it or after it is cached
            }
            boolean hit = false;
            if (key != null) {
                keys.put(n.getId(), key);
                hit = options.useCache() && kind.cached() && restore(kind, n.getSettings(), key, options.cacheDir(),
                        context, warning -> { }).isPresent();
            }
            plan.add(new PlannedNode(n.getId(), kind.name(), key, hit));
        }
        return List.copyOf(plan);
    }

    /**
     * The outputs kept under {@code key}, or empty for a miss. An entry that cannot be used — cut short, garbled, its
     * checksum wrong, or its values no longer restorable — is a miss with a warning: the node runs again and its new
     * entry replaces the damaged one, so a damaged cache never fails a run.
     */
    @SuppressWarnings("unchecked")
    private static <S extends NodeSettings> Optional<Map<String, PortValue>> restore(NodeKind<S> kind, NodeSettings s,
            String key, Path cacheDir, ConfigureContext context, java.util.function.Consumer<String> warnings) {
        Path entry = cacheDir.resolve(key + ".json");
        if (!Files.exists(entry)) {
            return Optional.empty();
        }
        try {
            if (!Files.isRegularFile(entry) || Files.size(entry) > MAX_CACHE_ENTRY_BYTES) {
                return damaged(entry, "not a cache entry file", warnings);
            }
            JsonNode json = JSON.readTree(Files.readString(entry, StandardCharsets.UTF_8));
            if (json == null || !json.isObject() || !json.path("outputs").isObject() || !json.path("sha256").isTextual()
                    || !key.equals(json.path("key").asText())) {
                return damaged(entry, "not the layout Kumiki writes", warnings);
            }
            Map<String, String> persisted = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : json.get("outputs").properties()) {
                if (!e.getValue().isTextual()) {
                    return damaged(entry, "output '" + e.getKey() + "' is not text", warnings);
                }
                persisted.put(e.getKey(), e.getValue().asText());
            }
            if (!checksum(persisted).equals(json.get("sha256").asText())) {
                return damaged(entry, "its checksum does not match its contents", warnings);
            }
            Map<String, PortValue> out = new LinkedHashMap<>();
            for (Port p : kind.outputs()) {
                if (!persisted.containsKey(p.name())) {
                    return damaged(entry, "it has no output '" + p.name() + "'", warnings);
                }
                Optional<PortValue> v = kind.restore((S) s, p.name(), persisted.get(p.name()), context);
                if (v.isEmpty()) {
                    return Optional.empty(); // what it describes changed or is gone: an ordinary miss
                }
                out.put(p.name(), v.get());
            }
            return Optional.of(out);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return damaged(entry, e.getOriginalMessage(), warnings);
        } catch (IOException | RuntimeException e) {
            return damaged(entry, e.getMessage() == null ? e.toString() : e.getMessage(), warnings);
        }
    }

    private static Optional<Map<String, PortValue>> damaged(Path entry, String why,
            java.util.function.Consumer<String> warnings) {
        warnings.accept("warning: the cache entry " + entry + " cannot be used (" + why + "); the node runs again and "
                + "replaces it");
        return Optional.empty();
    }

    /**
     * Keeps the outputs under {@code key}: written to a temporary file, then renamed over the entry, so an entry is
     * whole or absent; a checksum over its values catches damage done later. A cache that cannot be written costs
     * only the next run's time: the node has done its work, so that is a warning, not a failure.
     */
    private void store(NodeKind<?> kind, String key, Map<String, PortValue> out, NodeContext context) {
        Path dir = options.cacheDir();
        Path partial = dir.resolve(key + ".json.partial");
        try {
            Map<String, String> persisted = new LinkedHashMap<>();
            for (Port p : kind.outputs()) {
                persisted.put(p.name(), kind.persist(p.name(), out.get(p.name())));
            }
            ObjectNode json = JSON.createObjectNode();
            json.put("key", key);
            persisted.forEach(json.putObject("outputs")::put);
            json.put("sha256", checksum(persisted));
            Files.createDirectories(dir);
            Files.writeString(partial, JSON.writeValueAsString(json));
            Files.move(partial, dir.resolve(key + ".json"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException | RuntimeException ignored) {
                // the warning below names the folder
            }
            String why = e instanceof java.nio.file.FileSystemException f && f.getReason() == null
                    ? f.getClass().getSimpleName() + " " + f.getFile() : e.getMessage();
            context.log("warning: cannot keep the outputs in the cache " + dir + " (" + why + "); the next run "
                    + "executes the node again");
        }
    }

    /** A checksum of an entry's values, independent of how its JSON is laid out. */
    static String checksum(Map<String, String> persisted) {
        StringBuilder b = new StringBuilder();
        new java.util.TreeMap<>(persisted).forEach((port, text) -> b.append(port).append('\0').append(text)
                .append('\0'));
        return sha256(b.toString());
    }

    /** The settings as text in a fixed order: every feature, with its default where not set. */
    static String canonical(EObject settings) {
        StringBuilder b = new StringBuilder();
        for (EStructuralFeature f : settings.eClass().getEAllStructuralFeatures()) {
            if (f.isTransient() || f.isDerived()) {
                continue;
            }
            Object v = settings.eGet(f);
            b.append(Settings.yamlName(f)).append('=');
            if (f instanceof EAttribute a) {
                if (a.isMany()) {
                    b.append(((List<?>) v).stream().map(x -> EcoreUtil.convertToString(a.getEAttributeType(), x))
                            .toList());
                } else {
                    b.append(v == null ? "~" : EcoreUtil.convertToString(a.getEAttributeType(), v));
                }
            } else {
                List<?> children = f.isMany() ? (List<?>) v : v == null ? List.of() : List.of(v);
                b.append('[');
                for (Object c : children) {
                    b.append('{').append(canonical((EObject) c)).append('}');
                }
                b.append(']');
            }
            b.append(';');
        }
        return b.toString();
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void finish(Node n, NodeState state, String message, long start, String key, Map<String, PortValue> out,
            List<String> messages) {
        synchronized (this) {
            values.put(n.getId(), out);
            if (key != null) {
                keys.put(n.getId(), key);
            }
        }
        // in the order the kind declares its outputs (a kind may return them in any order), so that the first is its
        // main one, as a node's line in a run's table shows it
        Map<String, String> summaries = new LinkedHashMap<>();
        for (Port p : kind(n).outputs()) {
            if (out.containsKey(p.name())) {
                summaries.put(p.name(), out.get(p.name()).summary());
            }
        }
        out.forEach((p, v) -> summaries.putIfAbsent(p, v.summary()));
        state(n, state, message, (System.nanoTime() - start) / 1e9, summaries, messages);
        progress(n.getId(), 1);
        writeRecord(null, 0, false);
    }

    private void state(Node n, NodeState state, String message, double seconds, Map<String, String> outputs,
            List<String> messages) {
        synchronized (this) {
            results.put(n.getId(), new NodeResult(n.getId(), n.getSettings().eClass().getName(), state,
                    keys.get(n.getId()), seconds, outputs, List.copyOf(messages)));
        }
        if (state != NodeState.QUEUED) {
            logLine(n.getId(), state.label() + (message == null ? "" : ": " + message));
        }
        listener.nodeState(n.getId(), state, message);
    }

    private void progress(String node, double fraction) {
        synchronized (this) {
            progress.put(node, fraction);
        }
        overall();
    }

    private void overall() {
        double sum;
        synchronized (this) {
            sum = progress.values().stream().mapToDouble(Double::doubleValue).sum();
        }
        listener.overall(Math.min(1, sum / Math.max(1, configuration.order().size())));
    }

    private void logLine(String node, String line) {
        String text = Instant.now() + " " + (node == null ? "" : "[" + node + "] ") + line;
        synchronized (log) {
            try {
                log.write(text + "\n");
                log.flush();
            } catch (IOException ignored) {
                // the log is a convenience; the run goes on
            }
        }
    }

    private synchronized void writeRecord(Status status, double seconds, boolean last) {
        ObjectNode json = JSON.createObjectNode();
        json.put("id", id);
        json.put("status", status == null ? "running" : status.name().toLowerCase());
        // who runs it: a reader shows a "running" record whose process is gone as interrupted (see RunRecords.read)
        ProcessHandle self = ProcessHandle.current();
        json.put("pid", self.pid());
        self.info().startInstant().ifPresent(t -> json.put("process_started", t.toString()));
        if (last) {
            json.put("seconds", Math.round(seconds * 1000) / 1000.0);
        }
        json.put("pipeline", "pipeline.kumiki");
        json.put("base_dir", configuration.baseDir().toString());
        json.put("cache", options.useCache());
        ObjectNode nodes = json.putObject("nodes");
        for (NodeResult r : results.values()) {
            ObjectNode o = nodes.putObject(r.node());
            o.put("kind", r.kind());
            o.put("status", r.state().label());
            o.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
            if (r.key() != null) {
                o.put("key", r.key());
            }
            ObjectNode outs = o.putObject("outputs");
            r.outputs().forEach(outs::put);
            r.messages().forEach(o.putArray("messages")::add);
        }
        try {
            Path partial = recordDir.resolve("run.json.partial");
            Files.writeString(partial, JSON.writeValueAsString(json), StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(partial, recordDir.resolve("run.json"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            logLine(null, "cannot write run.json: " + e.getMessage());
        }
    }

    /** The execute context of one node. */
    private final class NodeContext extends Engine.Context implements ExecuteContext {
        final Path nodeDir;
        final List<String> messages;
        private boolean metricsWarned;

        NodeContext(String node, Path baseDir, Path nodeDir, List<String> messages) {
            super(node, baseDir, new ArrayList<>());
            this.nodeDir = nodeDir;
            this.messages = messages;
        }

        @Override
        public void error(String setting, String message) {
            log("error: " + message);
        }

        @Override
        public void warning(String setting, String message) {
            log("warning: " + message);
        }

        @Override
        public java.util.Optional<PortSpec> configured(String port) {
            return configuration.spec(node, port);
        }

        @Override
        public void progress(double fraction, String message) {
            Execution.this.progress(node, Math.max(0, Math.min(1, fraction)));
            listener.nodeProgress(node, fraction, message);
        }

        @Override
        public void log(String message) {
            synchronized (messages) {
                messages.add(message);
            }
            logLine(node, message);
            listener.log(node, message);
        }

        @Override
        public void metric(String name, long step, double value) {
            // one JSON line a point, appended as it comes: a chart of a run in progress (or of one that was killed)
            // reads what there is
            String line = JSON.createObjectNode().put("metric", name).put("step", step).put("value", value)
                    .toString().replace("\n", "") + "\n";
            synchronized (this) {
                try {
                    Files.createDirectories(nodeDir);
                    Files.writeString(nodeDir.resolve(RunRecords.METRICS), line, StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                } catch (IOException e) {
                    if (!metricsWarned) {
                        metricsWarned = true;
                        log("warning: cannot keep metrics in " + nodeDir.resolve(RunRecords.METRICS) + ": "
                                + e.getMessage());
                    }
                }
            }
            listener.metric(node, name, step, value);
        }

        @Override
        public boolean cancelled() {
            return cancelled.get() || Thread.currentThread().isInterrupted();
        }

        @Override
        public int threads() {
            return options.threads();
        }

        @Override
        public java.util.Optional<String> backend() {
            return java.util.Optional.ofNullable(options.backend());
        }

        @Override
        public Path recordDir() {
            return nodeDir;
        }
    }
}
