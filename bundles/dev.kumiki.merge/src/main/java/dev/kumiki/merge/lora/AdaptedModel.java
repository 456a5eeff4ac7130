package dev.kumiki.merge.lora;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.MappedReads;
import dev.kumiki.tensor.io.ModelConfig;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.ModelWriter;
import dev.kumiki.tensor.io.OutputFolder;
import dev.kumiki.tensor.io.TensorSink;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * A model with a LoRA adapter applied: every adapted weight is {@code W + scaling · B·A}, computed when it is asked for,
 * tensor by tensor (the others are the model's own); nothing is written unless {@link #write(Path)} is called. The
 * adapter is checked against the model when this is made, before anything is computed: every adapted module exists
 * (the nearest names are suggested), its weight is [out, in] as the adapter's B and A say, and r ≤ min(in, out).
 * <p>
 * Values are computed in double precision and rounded once to the weight's own dtype (F32, F16 or BF16), so the model
 * read here ({@link #read}) and the model written ({@link #write}) are the same, and both equal
 * {@code (W + scaling·B·A)} computed in float64 and cast to the dtype, as PyTorch does after PEFT's
 * {@code merge_and_unload} on a float32 copy.
 * <p>
 * The methods {@link #name()}, {@link #config()}, {@link #tensors()} and {@link #read(String)} are those of the
 * runtime's {@code TensorSource}, so that an adapted model can be run or evaluated without being written.
 * {@snippet :
 * try (AdaptedModel m = AdaptedModel.open(Path.of("base"), Path.of("adapter"))) {
 *     m.write(Path.of("base-with-adapter"));
 * }
 * }
 */
public final class AdaptedModel implements AutoCloseable {
    /** Weight files of other formats, which would hold the unadapted weights: never copied. */
    private static final List<String> OTHER_WEIGHTS = List.of(".bin", ".pt", ".pth", ".ckpt", ".gguf", ".h5",
            ".msgpack", ".onnx", ".safetensors");
    /** Elements of W computed at a time. */
    private static final int CHUNK = 1 << 16;

    private final ModelFolder model;
    private final PeftAdapter adapter;
    private final Path adapterFolder;
    private final boolean ownsModel;
    private final Map<String, LoraModule> byWeight = new LinkedHashMap<>();
    private final Kernels kernels;

    private AdaptedModel(ModelFolder model, PeftAdapter adapter, Path adapterFolder, boolean ownsModel,
            Kernels kernels) {
        this.model = model;
        this.adapter = adapter;
        this.adapterFolder = adapterFolder;
        this.ownsModel = ownsModel;
        this.kernels = kernels;
        adapter.modules().forEach(m -> byWeight.put(m.module() + ".weight", m));
    }

    /**
     * Opens the model in {@code modelFolder} with the adapter in {@code adapterFolder} applied.
     *
     * @throws TensorFormatException when either is not readable as such or they do not fit together (the message
     *                               names the module, what the adapter expects and what the model has)
     */
    public static AdaptedModel open(Path modelFolder, Path adapterFolder) throws IOException {
        PeftAdapter adapter = PeftAdapter.read(adapterFolder);
        ModelFolder model = ModelFolder.open(modelFolder);
        try {
            check(model, adapter, adapterFolder.toString());
            return new AdaptedModel(model, adapter, adapterFolder, true, Kernels.scalar());
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * {@code model} (which stays the caller's to close) with {@code adapter} applied.
     *
     * @param adapterName how messages and the model card name the adapter (its folder)
     * @throws TensorFormatException when they do not fit together
     */
    public static AdaptedModel of(ModelFolder model, PeftAdapter adapter, String adapterName) throws IOException {
        check(model, adapter, adapterName);
        return new AdaptedModel(model, adapter, Path.of(adapterName), false, Kernels.scalar());
    }

    /**
     * Checks that {@code adapter} fits {@code model}: each adapted module's weight exists, is 2-D and floating point,
     * has the adapter's [out, in], and the rank is at most min(in, out).
     *
     * @param adapterName the adapter as messages name it
     * @throws TensorFormatException naming the first module that does not fit
     */
    public static void check(ModelFolder model, PeftAdapter adapter, String adapterName) throws TensorFormatException {
        Set<String> modules = null;
        for (LoraModule m : adapter.modules()) {
            String weight = m.module() + ".weight";
            Optional<TensorInfo> info = model.info(weight);
            if (info.isEmpty()) {
                if (modules == null) {
                    modules = new LinkedHashSet<>();
                    for (String name : model.names()) {
                        if (name.endsWith(".weight")) {
                            modules.add(name.substring(0, name.length() - ".weight".length()));
                        }
                    }
                }
                Optional<String> near = MergeConfigReader.nearest(m.module(), modules);
                throw new TensorFormatException("the adapter " + adapterName + " adapts module " + m.module()
                        + ", which the model " + model.dir() + " does not have (no tensor " + weight + ")"
                        + near.map(n -> "; did you mean " + n + "?").orElse("") + " Is the adapter for this "
                        + "model" + adapter.config().baseModel().map(b -> " (it was trained on " + b + ")").orElse("")
                        + "?");
            }
            Shape shape = info.get().shape();
            if (shape.rank() != 2 || shape.dim(0) != m.out() || shape.dim(1) != m.in()) {
                throw new TensorFormatException("the adapter " + adapterName + " adapts " + m.module() + " as a "
                        + "linear layer of " + m.in() + " inputs and " + m.out() + " outputs (B·A is [" + m.out()
                        + ", " + m.in() + "]), but the model " + model.dir() + " has " + weight + " " + shape
                        + "; the adapter was made for another model");
            }
            if (!info.get().dtype().isFloatingPoint()) {
                throw new TensorFormatException("the model " + model.dir() + " stores " + weight + " as "
                        + info.get().dtype().safetensorsName() + " (quantised?); an adapter is applied to F32, F16 "
                        + "or BF16 weights");
            }
            if (m.rank() > Math.min(m.in(), m.out())) {
                throw new TensorFormatException("the adapter " + adapterName + " has rank " + m.rank() + " for "
                        + m.module() + ", larger than the layer (" + m.out() + "×" + m.in() + ", at most rank "
                        + Math.min(m.in(), m.out()) + ")");
            }
        }
    }

    /** This object with the given kernels (for loading and storing tensors; results are the same with any). */
    public AdaptedModel kernels(Kernels k) {
        return new AdaptedModel(model, adapter, adapterFolder, false, k);
    }

    public ModelFolder model() {
        return model;
    }

    public PeftAdapter adapter() {
        return adapter;
    }

    /** The model and the adapter, for reports: {@code base+adapter} as mergekit writes it. */
    public String name() {
        return model.dir() + "+" + adapterFolder;
    }

    /** The model's config.json (an adapter changes no hyper-parameter). */
    public Optional<JsonNode> config() {
        return model.config().map(ModelConfig::json);
    }

    /** The model's tensors, in its order, with their own dtypes (an adapted model keeps them). */
    public List<TensorInfo> tensors() {
        return model.names().stream().map(n -> model.info(n).orElseThrow()).toList();
    }

    /** Whether tensor {@code name} is changed by the adapter. */
    public boolean adapted(String name) {
        return byWeight.containsKey(name);
    }

    /**
     * The values of tensor {@code name} as F32, as the written model would hold them (rounded to its dtype).
     *
     * @throws IllegalArgumentException when the model has no such tensor, or it does not fit an array
     */
    public float[] read(String name) throws IOException {
        TensorInfo info = model.info(name).orElseThrow(() -> new IllegalArgumentException(model.dir()
                + " has no tensor '" + name + "'"));
        if (!adapted(name)) {
            return MappedReads.readAll(model, name, kernels);
        }
        long n = info.shape().elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + " has " + n + " elements, more than fit in memory at once");
        }
        MemorySegment bytes = Arena.ofAuto().allocate(info.byteSize(), 64);
        compute(name, (t, offset, data) -> MemorySegment.copy(data, 0, bytes, offset, data.byteSize()));
        float[] values = new float[(int) n];
        kernels.load(bytes, info.dtype(), 0, values, 0, (int) n);
        return values;
    }

    /**
     * Writes tensor {@code name} in its own dtype into {@code sink}, a chunk at a time: the model's bytes when it is
     * not adapted, else {@code W + scaling·B·A}.
     */
    public void compute(String name, TensorSink sink) throws IOException {
        MappedTensor w = model.tensor(name);
        LoraModule m = byWeight.get(name);
        DType type = w.info().dtype();
        MappedReads reads = new MappedReads(kernels, Math.min(w.data().byteSize(), MappedReads.PIECE));
        try {
            if (m == null) {
                for (long at = 0; at < w.data().byteSize(); at += MappedReads.PIECE) {
                    long n = Math.min(MappedReads.PIECE, w.data().byteSize() - at);
                    sink.write(name, at, reads.copy(w.data(), at, n));
                }
                return;
            }
            double scaling = adapter.config().scaling();
            int in = m.in();
            int rows = Math.max(1, CHUNK / in);
            float[] values = new float[rows * in];
            double[] row = new double[in];
            MemorySegment out = Arena.ofAuto().allocate((long) rows * in * type.bytes(), 64);
            float[] a = m.a();
            float[] b = m.b();
            int r = m.rank();
            for (int first = 0; first < m.out(); first += rows) {
                int count = Math.min(rows, m.out() - first);
                reads.load(w, (long) first * in, values, 0, count * in);
                for (int o = 0; o < count; o++) {
                    java.util.Arrays.fill(row, 0);
                    int bRow = (first + o) * r;
                    for (int k = 0; k < r; k++) {
                        double bk = b[bRow + k];
                        int aRow = k * in;
                        for (int i = 0; i < in; i++) {
                            row[i] += bk * a[aRow + i];
                        }
                    }
                    int at = o * in;
                    for (int i = 0; i < in; i++) {
                        values[at + i] = (float) (values[at + i] + scaling * row[i]);
                    }
                }
                kernels.store(values, 0, count * in, out, type, 0);
                sink.write(name, (long) first * in * type.bytes(), out.asSlice(0, (long) count * in * type.bytes()));
            }
        } catch (InternalError e) {
            throw MappedReads.faulted(e, "tensor " + name + " of " + model.dir(), "tensor " + name + " was not "
                    + "computed", List.of(model));
        }
    }

    /**
     * Writes the adapted model as the folder {@code out}, as a whole ({@link OutputFolder}): every tensor in its own
     * dtype and the model's other files (config.json, tokenizer and generation files…) copied, except weights in
     * other formats and the base's model card, which is replaced by one saying which adapter was applied.
     *
     * @param threads tensors computed at once
     * @throws IllegalArgumentException when {@code out} cannot receive the model (it is an input, or a folder Kumiki
     *                                  did not write; the message says what to do)
     */
    public void write(Path out, int threads) throws IOException {
        try (OutputFolder folder = OutputFolder.begin(out, List.of(model.dir(), adapterFolder))) {
            writeInto(folder.staging(), threads);
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("writing " + out + " was cancelled");
            }
            folder.commit();
        }
    }

    /** {@link #write(Path, int)} on as many threads as there are cores. */
    public void write(Path out) throws IOException {
        write(out, Runtime.getRuntime().availableProcessors());
    }

    private void writeInto(Path dir, int threads) throws IOException {
        List<TensorInfo> infos = tensors();
        Map<String, String> metadata = new LinkedHashMap<>(model.metadata());
        metadata.putIfAbsent("format", "pt");
        try (ModelWriter writer = ModelWriter.create(dir, infos, ModelWriter.DEFAULT_SHARD_BYTES, metadata)) {
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
                Thread t = new Thread(r, "kumiki-lora");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (TensorInfo t : infos) {
                    futures.add(pool.submit(() -> {
                        compute(t.name(), writer);
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("applying the adapter was cancelled");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(e.getCause());
            } finally {
                pool.shutdownNow();
            }
            Optional<String> changed = model.changed();
            if (changed.isPresent()) {
                throw new IOException(changed.get() + "; the adapted model was not written");
            }
            copyOtherFiles(dir);
            writeCard(dir);
            writer.commit();
        }
    }

    private void copyOtherFiles(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(model.dir())) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            String lower = name.toLowerCase(Locale.ROOT);
            if (name.startsWith(".") || name.equals(ModelFolder.INDEX) || name.equals("README.md")
                    || OTHER_WEIGHTS.stream().anyMatch(lower::endsWith)) {
                continue;
            }
            Path partial = dir.resolve(name + ".partial");
            Files.copy(f, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void writeCard(Path dir) throws IOException {
        PeftConfig c = adapter.config();
        StringBuilder b = new StringBuilder();
        b.append("---\nlibrary_name: transformers\ntags:\n- lora\n- kumiki\n---\n\n# Model with a LoRA adapter "
                + "applied\n\n");
        b.append("Made with Kumiki: the model `").append(model.dir()).append("` with the LoRA adapter `")
                .append(adapterFolder).append("` merged into its weights (W + scaling·B·A, as PEFT's "
                        + "merge_and_unload).\n\n");
        b.append("- r: ").append(c.rank()).append(", lora_alpha: ").append(PeftAdapter.pythonFloat(c.alpha()))
                .append(c.rslora() ? ", rsLoRA" : "").append(", scaling: ")
                .append(String.format(Locale.ROOT, "%.6g", c.scaling())).append('\n');
        b.append("- adapted modules: ").append(adapter.modules().size()).append(" (")
                .append(String.join(", ", c.targetModules())).append(")\n");
        c.baseModel().ifPresent(m -> b.append("- the adapter was trained on: ").append(m).append('\n'));
        Path card = dir.resolve("README.md");
        Path partial = dir.resolve("README.md.partial");
        Files.writeString(partial, b.toString());
        Files.move(partial, card, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Closes the model if this object opened it ({@link #open}). */
    @Override
    public void close() {
        if (ownsModel) {
            model.close();
        }
    }
}
