package dev.kumiki.merge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.Map;

import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.kernel.CounterRandom;
import dev.kumiki.tensor.io.MappedReads;
import dev.kumiki.tensor.io.TensorSink;
import dev.kumiki.tensor.kernel.Kernels;
import dev.kumiki.tensor.kernel.MagnitudeSelection;

/**
 * A {@link TensorJob} over a planned tensor: inputs are memory-mapped tensors (or absent, for the checks made at
 * planning time, when only headers have been read); output chunks are converted into a scratch buffer and written
 * at their place in the shard being written.
 */
final class PlannedJob implements TensorJob {
    private final PlannedTensor tensor;
    private final MappedTensor base;
    private final MappedTensor[] inputs;
    private final TensorSink out;
    private MappedReads reads;
    private final Kernels kernels;
    private final int chunk;
    private final long seed;
    private MagnitudeProfiles profiles;
    private MagnitudeProfiles.Key[] profileKeys;

    PlannedJob(PlannedTensor tensor, MappedTensor base, MappedTensor[] inputs, TensorSink out, Kernels kernels,
            int chunk, long seed) {
        this.tensor = tensor;
        this.base = base;
        this.inputs = inputs;
        this.out = out;
        this.kernels = kernels;
        this.chunk = chunk;
        this.seed = seed;
    }

    /** Thresholds of input i's task vector come from {@code profiles} under {@code keys[i]}. */
    PlannedJob profiledBy(MagnitudeProfiles profiles, MagnitudeProfiles.Key[] keys) {
        this.profiles = profiles;
        this.profileKeys = keys;
        return this;
    }

    @Override
    public MagnitudeSelection.Threshold[] deltaThresholds(long[] ks) {
        if (profiles == null) {
            return TensorJob.super.deltaThresholds(ks);
        }
        long n = elements();
        MagnitudeSelection.Threshold[] result = new MagnitudeSelection.Threshold[ks.length];
        long[] rest = new long[ks.length];
        boolean missing = false;
        for (int i = 0; i < ks.length; i++) {
            if (ks[i] <= 0) {
                result[i] = new MagnitudeSelection.Threshold(Integer.MAX_VALUE, 0); // nothing kept
                continue;
            }
            if (ks[i] >= n) {
                result[i] = new MagnitudeSelection.Threshold(0, n); // everything kept
                continue;
            }
            int model = i;
            float[] baseChunk = new float[chunk];
            MagnitudeSelection.Profile profile = profiles.profile(profileKeys[i], n, () -> MagnitudeSelection.profile(
                    (from, buf, count) -> {
                        base(from, baseChunk, count);
                        input(model, from, buf, count);
                        kernels.subtract(buf, baseChunk, buf, 0, count);
                    }, n, chunk));
            if (profile != null) {
                result[i] = profile.threshold(ks[i]);
            } else {
                rest[i] = ks[i];
                missing = true;
            }
        }
        if (missing) {
            MagnitudeSelection.Threshold[] computed = TensorJob.super.deltaThresholds(rest);
            for (int i = 0; i < ks.length; i++) {
                if (rest[i] > 0) {
                    result[i] = computed[i];
                }
            }
        }
        return result;
    }

    /** A job for checks: parameters and shapes only, no data. */
    static PlannedJob headersOnly(PlannedTensor tensor) {
        return new PlannedJob(tensor, null, null, null, Kernels.scalar(), 1 << 16, 0);
    }

    @Override
    public String name() {
        return tensor.output();
    }

    @Override
    public Shape shape() {
        return tensor.shape();
    }

    @Override
    public long elements() {
        return tensor.shape().elements();
    }

    @Override
    public int models() {
        return tensor.inputs().size();
    }

    @Override
    public boolean hasBase() {
        return tensor.base().isPresent();
    }

    private static IllegalStateException noData() {
        return new IllegalStateException("no tensor data while planning");
    }

    @Override
    public void input(int model, long from, float[] buf, int n) {
        if (inputs == null) {
            throw noData();
        }
        if (tensor.vocabulary().isPresent()) {
            permuted(tensor.inputs().get(model).model(), from, buf, n);
            return;
        }
        MappedTensor t = inputs[model];
        load(t, from, buf, 0, n);
    }

    /** Rows of {@code model}'s embedding re-indexed to the output vocabulary (mergekit's PermutedEmbeddings). */
    private void permuted(String model, long from, float[] buf, int n) {
        TokenizerPlan vocabulary = tensor.vocabulary().orElseThrow();
        long width = tensor.shape().dim(1);
        long row = from / width;
        int col = (int) (from % width);
        int done = 0;
        while (done < n) {
            int take = (int) Math.min(width - col, n - done);
            switch (vocabulary.source(model, (int) row)) {
                case TokenizerPlan.Row r -> loadRow(r, col, buf, done, take);
                case TokenizerPlan.Zero z -> java.util.Arrays.fill(buf, done, done + take, 0f);
                case TokenizerPlan.Average a -> {
                    float[] one = new float[take];
                    java.util.Arrays.fill(buf, done, done + take, 0f);
                    for (TokenizerPlan.Row r : a.rows()) {
                        loadRow(r, col, one, 0, take);
                        kernels.axpy(1f, one, buf, 0, take);
                    }
                    for (int j = done; j < done + take; j++) {
                        buf[j] /= a.rows().size();
                    }
                }
            }
            done += take;
            row++;
            col = 0;
        }
    }

    private void loadRow(TokenizerPlan.Row r, int col, float[] buf, int at, int n) {
        MappedTensor t = tensorOf(r.model());
        long width = tensor.shape().dim(1);
        float[] part = at == 0 ? buf : new float[n];
        load(t, r.row() * width + col, part, 0, n);
        if (part != buf) {
            System.arraycopy(part, 0, buf, at, n);
        }
    }

    private MappedTensor tensorOf(String model) {
        if (tensor.base().isPresent() && tensor.base().get().model().equals(model)) {
            return base;
        }
        for (int i = 0; i < inputs.length; i++) {
            if (tensor.inputs().get(i).model().equals(model)) {
                return inputs[i];
            }
        }
        throw new IllegalStateException("no input from model '" + model + "' for " + tensor.output());
    }

    @Override
    public void base(long from, float[] buf, int n) {
        if (base == null) {
            throw inputs == null ? noData() : new IllegalStateException(tensor.output() + " has no base model");
        }
        if (tensor.vocabulary().isPresent()) {
            permuted(tensor.base().orElseThrow().model(), from, buf, n);
            return;
        }
        load(base, from, buf, 0, n);
    }

    /**
     * Loads elements of a mapped input through a copy ({@link MappedReads}): a file that shrinks under its mapping
     * must give an error, not kill the process from a JIT-compiled vector load.
     */
    private void load(MappedTensor t, long from, float[] buf, int off, int n) {
        if (reads == null) {
            // the thread's kept buffer, as large as a chunk of the widest input type needs
            reads = new MappedReads(kernels, JobBuffers.ofThread().reads(Math.min((long) chunk, elements()) * 8));
        }
        reads.load(t, from, buf, off, n);
    }

    private Object model(int model, String parameter) {
        Map<String, Object> p = tensor.modelParameters().get(model);
        Object v = p.get(parameter);
        if (v == null) {
            throw new IllegalArgumentException("no per-model parameter '" + parameter + "' for " + tensor.output());
        }
        return v;
    }

    private Object global(String parameter) {
        Object v = tensor.parameters().get(parameter);
        if (v == null) {
            throw new IllegalArgumentException("no parameter '" + parameter + "' for " + tensor.output());
        }
        return v;
    }

    @Override
    public double number(int model, String parameter) {
        return (Double) model(model, parameter);
    }

    @Override
    public boolean bool(int model, String parameter) {
        return (Boolean) model(model, parameter);
    }

    @Override
    public double number(String parameter) {
        return (Double) global(parameter);
    }

    @Override
    public boolean bool(String parameter) {
        return (Boolean) global(parameter);
    }

    @Override
    public String text(String parameter) {
        return global(parameter).toString();
    }

    @Override
    public long seed(int model) {
        return CounterRandom.stream(seed, tensor.output(), model);
    }

    @Override
    public void write(long from, float[] buf, int n) {
        int bytes = tensor.type().bytes();
        MemorySegment scratch = JobBuffers.ofThread().scratch((long) Math.max(n, (int) Math.min(chunk, elements())) * bytes);
        kernels.store(buf, 0, n, scratch, tensor.type(), 0);
        try {
            out.write(tensor.output(), from * bytes, scratch.asSlice(0, (long) n * bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Kernels kernels() {
        return kernels;
    }

    @Override
    public int chunk() {
        return chunk;
    }
}
