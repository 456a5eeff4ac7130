package dev.kumiki.merge;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.NonFinite;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.MappedReads;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.ModelWriter;
import dev.kumiki.tensor.io.OutputFolder;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * Carries out a {@link MergePlan}: tensors are computed one at a time per worker thread, streamed from the
 * memory-mapped inputs into the memory-mapped output shards, so memory use is a few chunk buffers per thread
 * whatever the size of the models. The output folder receives config.json, the tokenizer files, a model card
 * (README.md) and the recipe (mergekit_config.yml); the weights get their names last.
 * {@snippet :
 * Merger.builder(plan, models).kernels(Kernels.of(HardwareProfile.detect())).threads(4).build().run(out);
 * }
 */
public final class Merger {
    /** Elements per chunk: 64 Ki floats, a quarter MiB per buffer. */
    public static final int DEFAULT_CHUNK = 1 << 16;

    private final MergePlan plan;
    private final Map<String, ModelFolder> models;
    private final Kernels kernels;
    private final int threads;
    private final long shardBytes;
    private final long seed;
    private final MergeListener listener;
    private final boolean allowNonFinite;
    private final MagnitudeProfiles profiles;
    private final List<String> nonFinite = java.util.Collections.synchronizedList(new ArrayList<>());

    private Merger(Builder b) {
        this.plan = b.plan;
        this.models = b.models;
        this.kernels = b.kernels;
        this.threads = b.threads;
        this.shardBytes = b.shardBytes;
        this.seed = b.seed;
        this.listener = b.listener;
        this.allowNonFinite = b.allowNonFinite;
        this.profiles = b.profiles;
    }

    public static Builder builder(MergePlan plan, Map<String, ModelFolder> models) {
        return new Builder(plan, models);
    }

    /** Configuration of a {@link Merger}. */
    public static final class Builder {
        private final MergePlan plan;
        private final Map<String, ModelFolder> models;
        private Kernels kernels = Kernels.scalar();
        private int threads = Runtime.getRuntime().availableProcessors();
        private long shardBytes = ModelWriter.DEFAULT_SHARD_BYTES;
        private long seed;
        private MergeListener listener = MergeListener.NONE;
        private boolean allowNonFinite;
        private MagnitudeProfiles profiles;

        private Builder(MergePlan plan, Map<String, ModelFolder> models) {
            this.plan = plan;
            this.models = models;
        }

        public Builder kernels(Kernels k) {
            this.kernels = k;
            return this;
        }

        public Builder threads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("threads must be >= 1, was " + n);
            }
            this.threads = n;
            return this;
        }

        /** Largest output shard in bytes (default 5 GB, as mergekit). */
        public Builder shardBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("shard size must be >= 1 byte, was " + bytes);
            }
            this.shardBytes = bytes;
            return this;
        }

        /** Seed of the random methods (DARE, DELLA): the same seed gives the same model. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public Builder listener(MergeListener l) {
            this.listener = l;
            return this;
        }

        /**
         * Whether a result holding NaN or infinite values is written anyway (with a warning, also in the model card)
         * instead of refused. Default false: such a model is broken, and usually the recipe or an input is.
         */
        public Builder allowNonFinite(boolean allow) {
            this.allowNonFinite = allow;
            return this;
        }

        /**
         * Where the thresholds of task vectors by magnitude (TIES, magnitude-based sparsification) are kept across
         * merges of the same models, e.g. a search's candidates; none by default. The results are the same.
         */
        public Builder magnitudeProfiles(MagnitudeProfiles p) {
            this.profiles = java.util.Objects.requireNonNull(p, "profiles");
            return this;
        }

        public Merger build() {
            return new Merger(this);
        }
    }

    /**
     * Writes the merged model into {@code out} as a whole ({@link OutputFolder}): into a staging folder beside it,
     * swapped in when complete, so that {@code out} holds the complete old model or the complete new one whatever
     * happens. {@code out} must be new, empty, or a model Kumiki wrote, and none of the inputs.
     *
     * @throws CancellationException    when the thread was interrupted; nothing that looks like a model is left
     * @throws IllegalArgumentException when {@code out} cannot be written (why and what to do in the message), or
     *                                  the result holds NaN or infinite values (unless allowed)
     * @throws IOException              when reading or writing fails, naming the file
     */
    public void run(Path out) throws IOException {
        try (OutputFolder folder = OutputFolder.begin(out, plan.inputFolders())) {
            boolean existed = java.nio.file.Files.isDirectory(folder.target());
            try {
                write(folder.staging());
            } catch (IOException e) {
                if (e instanceof java.nio.channels.ClosedByInterruptException) {
                    throw new CancellationException("merge cancelled");
                }
                throw new IOException("the model was not written to " + out + (existed ? " (the model there is "
                        + "unchanged)" : "") + ": " + e.getMessage(), e);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("merge cancelled");
            }
            folder.commit();
        }
    }

    private void write(Path out) throws IOException {
        List<TensorInfo> infos = plan.tensors().stream()
                .map(t -> new TensorInfo(t.output(), t.type(), t.shape())).toList();
        long total = plan.outputBytes();
        try (ModelWriter writer = ModelWriter.create(out, infos, shardBytes, Map.of("format", "pt"))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "kumiki-merge");
                t.setDaemon(true);
                return t;
            });
            AtomicInteger done = new AtomicInteger();
            AtomicLong bytes = new AtomicLong();
            try {
                List<Future<?>> futures = new ArrayList<>();
                // largest first, so that no worker is left alone with the head or the embeddings at the end; the
                // shards' layout does not depend on the order in which tensors are written
                List<PlannedTensor> order = new ArrayList<>(plan.tensors());
                order.sort(java.util.Comparator.comparingLong(PlannedTensor::outputBytes).reversed());
                for (PlannedTensor t : order) {
                    futures.add(pool.submit(() -> {
                        if (Thread.currentThread().isInterrupted()) {
                            throw new CancellationException("merge cancelled");
                        }
                        mergeOne(t, writer, true);
                        synchronized (done) { // progress in order, whichever worker finishes
                            listener.tensorDone(t, done.incrementAndGet(), plan.tensors().size(),
                                    bytes.addAndGet(t.outputBytes()), total);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("merge cancelled");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(e.getCause());
            } finally {
                pool.shutdownNow();
            }
            // a file rewritten in place while it was read gives a silently wrong model: refuse it
            for (ModelFolder m : models.values()) {
                Optional<String> changed = m.changed();
                if (changed.isPresent()) {
                    throw new IOException(changed.get() + "; the merged model was not written");
                }
            }
            listener.finishing();
            ModelFiles.write(plan, models, out, List.copyOf(nonFinite));
            writer.commit();
        }
    }

    /**
     * Computes one output tensor in memory, as float32 values of the type it would be written in (so a model read
     * this way equals the model written by {@link #run}), on the calling thread. For consumers that read a merge
     * without writing it: evaluation, statistics.
     *
     * @throws IllegalArgumentException when the tensor has more elements than a Java array holds
     */
    public float[] compute(PlannedTensor t) throws IOException {
        long n = t.shape().elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(t.output() + " has " + n + " elements, more than fit in memory at once");
        }
        float[] values = new float[(int) n];
        int width = t.type().bytes();
        // read, not written: NaN values are shown to the reader (e.g. statistics), not refused; each piece, already
        // rounded to the output type, is read back as floats where it belongs
        mergeOne(t, (name, offset, data) -> kernels.load(data, t.type(), 0, values, (int) (offset / width),
                (int) (data.byteSize() / width)), false);
        return values;
    }

    /**
     * @param writing whether the tensor is written (every value checked for NaN and infinity, the inputs' pages left
     *        after it), or computed in memory
     */
    private void mergeOne(PlannedTensor t, dev.kumiki.tensor.io.TensorSink writer, boolean writing)
            throws IOException {
        try {
            mergeChecked(t, writer, writing);
        } catch (InternalError e) {
            // HotSpot turns a fault on a mapped page (SIGBUS: the file shrank under the mapping) into this error
            throw inputChanged(t, e);
        } catch (IOException | RuntimeException e) {
            Optional<IOException> changed = inputChanged(t);
            if (changed.isPresent()) {
                changed.get().addSuppressed(e);
                throw changed.get();
            }
            throw e;
        }
    }

    /** The error for a fault reading {@code t}'s inputs: the file that changed, or the fault itself. */
    private IOException inputChanged(PlannedTensor t, InternalError e) {
        return MappedReads.faulted(e, "the inputs of " + t.output(), stopped(t), inputModels(t));
    }

    private Optional<IOException> inputChanged(PlannedTensor t) {
        return MappedReads.changed(stopped(t), inputModels(t));
    }

    private static String stopped(PlannedTensor t) {
        return "the merge stopped at " + t.output() + " and wrote nothing";
    }

    private List<ModelFolder> inputModels(PlannedTensor t) {
        List<ModelFolder> inputs = new ArrayList<>();
        t.base().ifPresent(b -> inputs.add(models.get(b.model())));
        t.inputs().forEach(i -> inputs.add(models.get(i.model())));
        return inputs;
    }

    private void mergeChecked(PlannedTensor t, dev.kumiki.tensor.io.TensorSink writer, boolean writing)
            throws IOException {
        MappedTensor base = t.base().map(b -> models.get(b.model()).tensor(b.tensor())).orElse(null);
        MappedTensor[] inputs = t.inputs().stream().map(i -> models.get(i.model()).tensor(i.tensor()))
                .toArray(MappedTensor[]::new);
        // every byte written is checked for NaN and infinity (a pass over bytes just computed, in the cache)
        long[] bad = {0, -1};
        dev.kumiki.tensor.io.TensorSink checked = !writing ? writer : (name, offset, data) -> {
            long first = NonFinite.first(data, t.type());
            if (first >= 0) {
                long count = NonFinite.count(data, t.type());
                if (bad[0] == 0 || offset / t.type().bytes() + first < bad[1]) {
                    bad[1] = offset / t.type().bytes() + first;
                }
                bad[0] += count;
            }
            writer.write(name, offset, data);
        };
        if (plan.method() instanceof dev.kumiki.merge.methods.Passthrough && inputs.length == 1
                && inputs[0].info().dtype() == t.type()
                && Double.isNaN((Double) t.modelParameters().get(0).get("scale"))) {
            // a plain copy, whatever the dtype, in pieces copied out of the mapping first (MappedReads)
            MemorySegment data = inputs[0].data();
            MappedReads reads = new MappedReads(kernels, JobBuffers.ofThread().reads(Math.min(data.byteSize(),
                    MappedReads.PIECE)));
            for (long at = 0; at < data.byteSize(); at += MappedReads.PIECE) {
                long n = Math.min(MappedReads.PIECE, data.byteSize() - at);
                checked.write(t.output(), at, reads.copy(data, at, n));
            }
        } else {
            try {
                PlannedJob job = new PlannedJob(t, base, inputs, checked, kernels, DEFAULT_CHUNK, seed);
                if (profiles != null && t.base().isPresent() && t.vocabulary().isEmpty()) {
                    PlannedTensor.Input b = t.base().get();
                    Path baseDir = models.get(b.model()).dir();
                    job.profiledBy(profiles, t.inputs().stream().map(i -> new MagnitudeProfiles.Key(baseDir,
                            b.tensor(), models.get(i.model()).dir(), i.tensor())).toArray(MagnitudeProfiles.Key[]::new));
                }
                plan.method().merge(job);
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
        }
        if (bad[0] > 0) {
            String problem = t.output() + " has " + bad[0] + " NaN or infinite value" + (bad[0] == 1 ? "" : "s")
                    + " of " + t.shape().elements() + " (the first at element " + bad[1] + "): "
                    + nonFiniteCause(t, base, inputs);
            if (!allowNonFinite) {
                throw new NonFiniteResultException("the merged tensor " + problem + ". The model was not written; "
                        + "fix the recipe or the inputs (or allow it explicitly to write a broken model anyway)");
            }
            nonFinite.add(problem);
            listener.warning("the merged tensor " + problem);
        }
        // the tensor's pages stay in the page cache, but leave this process: resident memory stays a few tensors
        // (releasing them chunk by chunk instead costs more in page faults and TLB flushes than it saves)
        // — when the merge is written. Computed in memory (compute), it is usually one of a search's many candidates
        // of the same inputs: unloading made the next candidate fault every page in again, which took 45 % of an
        // example-sized in-memory merge
        if (writing) {
            if (base != null) {
                base.data().unload();
            }
            for (MappedTensor in : inputs) {
                in.data().unload();
            }
        }
    }

    /** Whether a mapped input holds NaN or Inf, scanned through copies ({@link MappedReads}). */
    private boolean hasNonFinite(MappedTensor t) {
        MemorySegment data = t.data();
        MappedReads reads = new MappedReads(kernels, data.byteSize());
        for (long at = 0; at < data.byteSize(); at += MappedReads.PIECE) {
            long n = Math.min(MappedReads.PIECE, data.byteSize() - at);
            if (NonFinite.first(reads.copy(data, at, n), t.info().dtype()) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Why a tensor came out non-finite: an input already was, the weights sum to zero, or overflow. */
    private String nonFiniteCause(PlannedTensor t, MappedTensor base, MappedTensor[] inputs) {
        List<String> holders = new ArrayList<>();
        if (base != null && hasNonFinite(base)) {
            holders.add("'" + t.base().get().model() + "' (" + t.base().get().tensor() + ", base)");
        }
        for (int i = 0; i < inputs.length; i++) {
            if (hasNonFinite(inputs[i])) {
                holders.add("'" + t.inputs().get(i).model() + "' (" + t.inputs().get(i).tensor() + ")");
            }
        }
        if (!holders.isEmpty()) {
            return "the input" + (holders.size() == 1 ? " " : "s ") + String.join(", ", holders) + " already hold"
                    + (holders.size() == 1 ? "s" : "") + " NaN or infinite values";
        }
        if (Boolean.TRUE.equals(t.parameters().get("normalize")) && !t.modelParameters().isEmpty()
                && t.modelParameters().stream().allMatch(m -> m.get("weight") instanceof Double)) {
            double sum = t.modelParameters().stream().mapToDouble(m -> (Double) m.get("weight")).sum();
            if (Math.abs(sum) < 1e-8) {
                return "the models' weights for it sum to " + sum + " and normalize is true, so the sum is divided "
                        + "by zero; change the weights or set normalize: false";
            }
        }
        return "the values overflow " + t.type().safetensorsName() + " (weights or scales too large for the type)";
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, text, StandardCharsets.UTF_8);
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
