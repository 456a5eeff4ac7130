package dev.kumiki.merge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.ModelWriter;
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

    private Merger(Builder b) {
        this.plan = b.plan;
        this.models = b.models;
        this.kernels = b.kernels;
        this.threads = b.threads;
        this.shardBytes = b.shardBytes;
        this.seed = b.seed;
        this.listener = b.listener;
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

        public Merger build() {
            return new Merger(this);
        }
    }

    /**
     * Writes the merged model into {@code out} (created if needed).
     *
     * @throws CancellationException when the thread was interrupted; nothing that looks like a model is left
     */
    public void run(Path out) throws IOException {
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
                        mergeOne(t, writer);
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
                throw new IllegalStateException(e.getCause());
            } finally {
                pool.shutdownNow();
            }
            listener.finishing();
            ModelFiles.write(plan, models, out);
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
        java.lang.foreign.MemorySegment bytes = java.lang.foreign.Arena.ofAuto().allocate(t.outputBytes(), 64);
        mergeOne(t, (name, offset, data) -> java.lang.foreign.MemorySegment.copy(data, 0, bytes, offset,
                data.byteSize()));
        float[] values = new float[(int) n];
        kernels.load(bytes, t.type(), 0, values, 0, (int) n);
        return values;
    }

    private void mergeOne(PlannedTensor t, dev.kumiki.tensor.io.TensorSink writer) throws IOException {
        MappedTensor base = t.base().map(b -> models.get(b.model()).tensor(b.tensor())).orElse(null);
        MappedTensor[] inputs = t.inputs().stream().map(i -> models.get(i.model()).tensor(i.tensor()))
                .toArray(MappedTensor[]::new);
        if (plan.method() instanceof dev.kumiki.merge.methods.Passthrough && inputs.length == 1
                && inputs[0].info().dtype() == t.type()
                && Double.isNaN((Double) t.modelParameters().get(0).get("scale"))) {
            writer.write(t.output(), 0, inputs[0].data()); // a plain copy, whatever the dtype
        } else {
            try {
                plan.method().merge(new PlannedJob(t, base, inputs, writer, kernels, DEFAULT_CHUNK, seed));
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
        }
        // the tensor's pages stay in the page cache, but leave this process: resident memory stays a few tensors
        // (releasing them chunk by chunk instead costs more in page faults and TLB flushes than it saves)
        if (base != null) {
            base.data().unload();
        }
        for (MappedTensor in : inputs) {
            in.data().unload();
        }
    }

    static void writeAtomically(Path file, String text) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, text, StandardCharsets.UTF_8);
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
