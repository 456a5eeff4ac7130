package dev.kumiki.train.model;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

import dev.kumiki.llm.runtime.DecoderConfig;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.merge.lora.LoraModule;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.MappedReads;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.Names;
import dev.kumiki.tensor.io.SafetensorsWriter;
import dev.kumiki.tensor.kernel.Kernels;
import dev.kumiki.train.LoraSettings;
import dev.kumiki.train.TrainingException;
import dev.kumiki.train.internal.Djl;

/**
 * A Llama-family decoder (Llama, Mistral, Qwen2, Qwen3 as {@link DecoderConfig} reads them) in DJL's PyTorch engine,
 * for training: the forward pass, the masked cross-entropy loss, LoRA adapters, and the weights in Hugging Face's
 * names.
 *
 * <p>The maths is transformers' {@code LlamaForCausalLM} in float32: token embedding; per layer RMSNorm, attention
 * with RoPE (rotate-half layout, Llama 3's frequency scaling when configured), grouped-query heads and a causal mask,
 * a residual, RMSNorm, the SwiGLU MLP and a residual; a final RMSNorm and the output projection (or the embedding
 * when tied). Qwen2's q/k/v biases, Llama's {@code attention_bias} and Qwen3's per-head q/k norms are included.
 *
 * <p>Every parameter is an {@link NDArray} keyed by its Hugging Face tensor name
 * ({@code model.layers.0.self_attn.q_proj.weight}); LoRA adapters are keyed by PEFT's names without PEFT's
 * {@code base_model.model.} prefix ({@code model.layers.0.self_attn.q_proj.lora_A.weight}). Gradients are recorded
 * for the {@link #trainable()} parameters when the loss is computed inside a {@code GradientCollector}.
 *
 * <p>An instance is used by one thread at a time. {@code close()} frees the engine memory of every parameter.
 * {@snippet :
 * try (LlamaNetwork net = LlamaNetwork.load(folder)) {
 *     net.addLora(settings, seed);
 *     Djl.seed(seed);                                       // dropout masks follow the engine's seed
 *     float loss = net.backward(tokens, trained, true, 1.0 / LlamaNetwork.countTrained(tokens, trained));
 *     NDArray a = net.trainable().get("model.layers.0.self_attn.q_proj.lora_A.weight");
 *     try (NDArray g = a.getGradient()) {
 *         // update a in place here, outside any GradientCollector
 *     }
 *     net.zeroGradients();
 * }
 * }
 */
public final class LlamaNetwork implements AutoCloseable {
    /** transformers' default {@code initializer_range}. */
    public static final double DEFAULT_INITIALIZER_RANGE = 0.02;
    /** PEFT's special target that adapts every linear layer except the output projection. */
    public static final String ALL_LINEAR = "all-linear";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final List<String> LAYER_LINEARS = List.of("self_attn.q_proj", "self_attn.k_proj",
            "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

    private final DecoderConfig config;
    private final ObjectNode configJson;
    private final String source;
    private final NDManager manager;
    private final Map<String, NDArray> weights;
    private final Map<String, Adapter> adapters = new LinkedHashMap<>();
    private final double attentionDropout;
    private LoraSettings lora;

    /** One LoRA adapter: {@code y += scaling · B(A(dropout(x)))}. */
    private record Adapter(String module, int in, int out, NDArray a, NDArray b) {
    }

    private LlamaNetwork(DecoderConfig config, ObjectNode configJson, String source, NDManager manager,
            Map<String, NDArray> weights) {
        this.config = config;
        this.configJson = configJson;
        this.source = source;
        this.manager = manager;
        this.weights = weights;
        JsonNode drop = configJson.get("attention_dropout");
        this.attentionDropout = drop != null && drop.isNumber() ? drop.asDouble() : 0;
        for (NDArray w : weights.values()) {
            w.setRequiresGradient(true);
        }
    }

    // ------------------------------------------------------------------ construction

    /**
     * A new model of {@code config} with random weights, initialised as transformers' {@code LlamaPreTrainedModel}
     * does: linear and embedding weights from normal(0, {@code initializer_range}), biases 0, norms 1, the
     * embedding row of {@code pad_token_id} (if any) 0. The same seed gives the same weights (they are drawn in Java,
     * per tensor from a generator seeded by the seed and the tensor's name).
     *
     * @param config a Hugging Face config.json
     * @throws TrainingException when the config is not a model this class trains
     */
    public static LlamaNetwork initialise(JsonNode config, long seed) throws TrainingException {
        DecoderConfig c = parse(config, "the model config");
        double std = DEFAULT_INITIALIZER_RANGE;
        JsonNode range = config.get("initializer_range");
        if (range != null && !range.isNull()) {
            if (!range.isNumber() || !(range.asDouble() > 0)) {
                throw new TrainingException("the model config: initializer_range must be a positive number, found "
                        + range);
            }
            std = range.asDouble();
        }
        JsonNode pad = config.get("pad_token_id");
        int padRow = pad != null && pad.isIntegralNumber() && pad.asInt() >= 0 && pad.asInt() < c.vocabSize()
                ? pad.asInt() : -1;
        NDManager manager = Djl.newManager();
        try {
            Map<String, NDArray> weights = new LinkedHashMap<>();
            for (Map.Entry<String, dev.kumiki.tensor.Shape> e : Transformer.expectedTensors(c).entrySet()) {
                String name = e.getKey();
                long[] dims = e.getValue().dims();
                float[] values = new float[Math.toIntExact(e.getValue().elements())];
                if (name.endsWith("norm.weight")) {
                    java.util.Arrays.fill(values, 1f);
                } else if (!name.endsWith(".bias")) {
                    SplittableRandom random = new SplittableRandom(seed ^ mix(name));
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (random.nextGaussian() * std);
                    }
                    if (name.equals("model.embed_tokens.weight") && padRow >= 0) {
                        java.util.Arrays.fill(values, padRow * (int) dims[1], (padRow + 1) * (int) dims[1], 0f);
                    }
                }
                weights.put(name, manager.create(values, new Shape(dims)));
            }
            return new LlamaNetwork(c, (ObjectNode) config.deepCopy(), "the model config", manager, weights);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * The model in a Hugging Face folder (config.json and safetensors). F16, BF16 and F64 weights are converted to
     * float32 in Java before DJL sees them (DJL's PyTorch engine cannot hold BF16 arrays); training runs in float32.
     *
     * @throws TrainingException naming the folder, file and tensor when the model is unsupported, incomplete, or
     *                           holds a tensor of a type that cannot be trained (integers, booleans)
     * @throws IOException       when a file cannot be read
     */
    public static LlamaNetwork load(Path modelFolder) throws TrainingException, IOException {
        Path configFile = modelFolder.resolve(ModelFolder.CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new TrainingException(modelFolder + " has no " + ModelFolder.CONFIG
                    + "; a Hugging Face model folder has one (give the model folder, not a file in it)");
        }
        JsonNode json;
        try {
            json = JSON.readTree(configFile.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new TrainingException(configFile + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        DecoderConfig c = parse(json, configFile.toString());
        ModelFolder folder;
        try {
            folder = ModelFolder.open(modelFolder);
        } catch (TensorFormatException e) {
            throw new TrainingException(e.getMessage());
        }
        try (folder) {
            Map<String, dev.kumiki.tensor.Shape> expected = Transformer.expectedTensors(c);
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, dev.kumiki.tensor.Shape> e : expected.entrySet()) {
                Optional<TensorInfo> info = folder.info(e.getKey());
                if (info.isEmpty()) {
                    problems.add("tensor '" + e.getKey() + "' is missing (expected shape " + e.getValue() + ")");
                } else if (!info.get().shape().equals(e.getValue())) {
                    problems.add("tensor '" + e.getKey() + "' has shape " + info.get().shape() + ", expected "
                            + e.getValue());
                } else if (!trainable(info.get().dtype())) {
                    problems.add("tensor '" + e.getKey() + "' is " + info.get().dtype() + ", which cannot be "
                            + "trained; Kumiki trains F32, F16, BF16 and F64 weights (converted to F32): convert "
                            + "or dequantise the model first");
                }
            }
            if (!problems.isEmpty()) {
                int shown = Math.min(problems.size(), 6);
                throw new TrainingException("the weights in " + folder.dir() + " do not fit " + configFile + " ("
                        + c + "): " + String.join("; ", problems.subList(0, shown))
                        + (problems.size() > shown ? "; and " + (problems.size() - shown) + " more" : ""));
            }
            NDManager manager = Djl.newManager();
            try {
                Map<String, NDArray> weights = new LinkedHashMap<>();
                for (Map.Entry<String, dev.kumiki.tensor.Shape> e : expected.entrySet()) {
                    float[] values = MappedReads.readAll(folder, e.getKey(), Kernels.scalar());
                    weights.put(e.getKey(), manager.create(values, new Shape(e.getValue().dims())));
                }
                return new LlamaNetwork(c, (ObjectNode) json.deepCopy(), folder.dir().toString(), manager, weights);
            } catch (IOException | RuntimeException e) {
                manager.close();
                throw e;
            }
        }
    }

    private static boolean trainable(DType t) {
        return t == DType.F32 || t == DType.F16 || t == DType.BF16 || t == DType.F64;
    }

    private static DecoderConfig parse(JsonNode json, String source) throws TrainingException {
        try {
            return DecoderConfig.of(json, source);
        } catch (TensorFormatException e) {
            throw new TrainingException(e.getMessage());
        }
    }

    /** A per-name seed offset, so that one tensor's values do not depend on which other tensors exist. */
    private static long mix(String name) {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < name.length(); i++) {
            h = (h ^ name.charAt(i)) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return h;
    }

    // ------------------------------------------------------------------ LoRA

    /**
     * Adds LoRA adapters to every linear module whose path ends with one of the settings' target names (PEFT's
     * matching: {@code q_proj} matches {@code model.layers.3.self_attn.q_proj}; {@value #ALL_LINEAR} matches every
     * linear layer but the output projection) and freezes the base weights. A is drawn as PEFT does
     * (kaiming-uniform with a = √5: uniform(−1/√in, 1/√in)), B is 0, so the adapted model starts equal to the base.
     *
     * @throws TrainingException when a target matches no module (with the nearest module names), the rank is not
     *                           between 1 and the smallest layer dimension, or adapters were added already
     */
    public void addLora(LoraSettings settings, long seed) throws TrainingException {
        if (lora != null) {
            throw new TrainingException("this model has LoRA adapters already; add them once");
        }
        if (settings.rank() < 1) {
            throw new TrainingException("LoRA rank r must be at least 1, found " + settings.rank());
        }
        if (!(settings.dropout() >= 0 && settings.dropout() < 1)) {
            throw new TrainingException("lora_dropout must be at least 0 and below 1, found " + settings.dropout());
        }
        if (settings.targetModules().isEmpty()) {
            throw new TrainingException("target_modules is empty; name the linear modules to adapt, e.g. q_proj, "
                    + "v_proj (or " + ALL_LINEAR + ")");
        }
        List<String> modules = linearModules();
        Set<String> chosen = new LinkedHashSet<>();
        for (String target : settings.targetModules()) {
            List<String> hits = new ArrayList<>();
            for (String m : modules) {
                boolean hit = target.equals(ALL_LINEAR) ? !m.equals("lm_head")
                        : m.equals(target) || m.endsWith("." + target);
                if (hit) {
                    hits.add(m);
                }
            }
            if (hits.isEmpty() && config.tiedEmbeddings() && target.equals("lm_head")) {
                throw new TrainingException("LoRA target module 'lm_head' is the embedding matrix in " + source
                        + " (tie_word_embeddings is true), not a linear layer of its own; adapt other modules");
            }
            if (hits.isEmpty()) {
                throw new TrainingException(noSuchModule(target, modules));
            }
            chosen.addAll(hits);
        }
        for (String m : chosen) {
            long[] shape = weights.get(m + ".weight").getShape().getShape();
            int out = (int) shape[0];
            int in = (int) shape[1];
            if (settings.rank() > Math.min(in, out)) {
                throw new TrainingException("LoRA rank r = " + settings.rank() + " is larger than module " + m
                        + " allows: it maps " + in + " inputs to " + out + " outputs, so r can be at most "
                        + Math.min(in, out) + "; choose a smaller r or other target_modules");
            }
        }
        // drawn in Java per module, as initialise draws the weights: the same seed gives the same adapters
        Map<String, Adapter> made = new LinkedHashMap<>();
        try {
            for (String m : chosen) {
                long[] shape = weights.get(m + ".weight").getShape().getShape();
                int out = (int) shape[0];
                int in = (int) shape[1];
                int r = settings.rank();
                float[] a = new float[r * in];
                double bound = 1 / Math.sqrt(in);
                SplittableRandom random = new SplittableRandom(seed ^ mix(m + ".lora_A.weight"));
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) random.nextDouble(-bound, bound);
                }
                NDArray aa = manager.create(a, new Shape(r, in));
                NDArray bb = manager.zeros(new Shape(out, r), DataType.FLOAT32);
                aa.setRequiresGradient(true);
                bb.setRequiresGradient(true);
                made.put(m, new Adapter(m, in, out, aa, bb));
            }
        } catch (RuntimeException e) {
            made.values().forEach(x -> {
                x.a().close();
                x.b().close();
            });
            throw e;
        }
        for (NDArray w : weights.values()) {
            w.setRequiresGradient(false);
        }
        adapters.putAll(made);
        lora = settings;
    }

    private String noSuchModule(String target, List<String> modules) {
        Set<String> leaves = new TreeSet<>();
        for (String m : modules) {
            leaves.add(m.substring(m.lastIndexOf('.') + 1));
        }
        String leaf = target.substring(target.lastIndexOf('.') + 1);
        Optional<String> near = Names.nearest(leaf, leaves);
        List<String> examples = new ArrayList<>();
        for (String m : modules) {
            if (near.isPresent() && m.endsWith("." + near.get()) || near.isEmpty() && m.startsWith("model.layers.0.")) {
                examples.add(m);
            }
            if (examples.size() == 3) {
                break;
            }
        }
        return "LoRA target module '" + target + "' matches no linear module of " + source
                + near.map(n -> "; did you mean '" + n + "'?").orElse(".")
                + " The linear modules are named " + String.join(", ", leaves) + " (" + ALL_LINEAR
                + " adapts all but lm_head), for example " + String.join(", ", examples);
    }

    /** Paths of the linear modules, in model order ({@code model.layers.0.self_attn.q_proj}, …, {@code lm_head}). */
    public List<String> linearModules() {
        List<String> modules = new ArrayList<>();
        for (int i = 0; i < config.layers(); i++) {
            for (String l : LAYER_LINEARS) {
                modules.add("model.layers." + i + "." + l);
            }
        }
        if (!config.tiedEmbeddings()) {
            modules.add("lm_head");
        }
        return modules;
    }

    /** The LoRA settings, when adapters were added. */
    public Optional<LoraSettings> lora() {
        return Optional.ofNullable(lora);
    }

    // ------------------------------------------------------------------ parameters

    /** The checked config. */
    public DecoderConfig config() {
        return config;
    }

    /** The config.json this model was made from (a copy; write it beside the weights). */
    public ObjectNode configJson() {
        return configJson.deepCopy();
    }

    /**
     * The parameters that training changes, by name: every weight in Hugging Face's names for scratch and full
     * training, or only the LoRA adapters ({@code <module>.lora_A.weight}, {@code <module>.lora_B.weight}) after
     * {@link #addLora}. The arrays are the model's own (read their gradients, update them in place); do not close them.
     */
    public Map<String, NDArray> trainable() {
        if (lora == null) {
            return Collections.unmodifiableMap(weights);
        }
        Map<String, NDArray> t = new LinkedHashMap<>();
        for (Adapter a : adapters.values()) {
            t.put(a.module() + ".lora_A.weight", a.a());
            t.put(a.module() + ".lora_B.weight", a.b());
        }
        return Collections.unmodifiableMap(t);
    }

    /**
     * Sets the gradients of every {@link #trainable()} parameter to 0; backward passes add to them until then. Call it
     * outside a {@code GradientCollector}. (DJL's {@code GradientCollector.zeroGradients()} does the same for every
     * array of the engine but leaves two array handles behind per parameter and call.)
     */
    public void zeroGradients() {
        // a scalar source of our own: set(index, Number) would leave a new scalar array behind on every call
        try (NDArray zero = manager.create(0f)) {
            for (NDArray p : trainable().values()) {
                if (p.hasGradient()) {
                    try (NDArray g = p.getGradient()) {
                        g.set(new NDIndex("..."), zero);
                    }
                }
            }
        }
    }

    /** A base weight by its Hugging Face name (for tests: whether it records gradients). */
    NDArray weight(String name) {
        return weights.get(name);
    }

    /** Number of values in {@link #trainable()}. */
    public long trainableCount() {
        return trainable().values().stream().mapToLong(NDArray::size).sum();
    }

    /** Every base weight as float32 values, in Hugging Face's names and order (adapters not merged). */
    public Map<String, float[]> weights() {
        Map<String, float[]> out = new LinkedHashMap<>();
        weights.forEach((n, w) -> out.put(n, w.toFloatArray()));
        return out;
    }

    /** What {@link #weights()} holds: F32 tensors in Hugging Face's names and shapes. */
    public List<TensorInfo> tensorInfos() {
        List<TensorInfo> infos = new ArrayList<>();
        weights.forEach((n, w) -> infos.add(new TensorInfo(n, DType.F32,
                dev.kumiki.tensor.Shape.of(w.getShape().getShape()))));
        return infos;
    }

    /**
     * Replaces the values of one parameter (a base weight or an adapter) in place, e.g. to resume from a
     * checkpoint. Gradients recorded so far are not touched.
     *
     * @throws IllegalArgumentException for an unknown name or a wrong number of values
     */
    public void set(String name, float[] values) {
        NDArray target = weights.get(name);
        if (target == null) {
            for (Adapter a : adapters.values()) {
                if (name.equals(a.module() + ".lora_A.weight")) {
                    target = a.a();
                } else if (name.equals(a.module() + ".lora_B.weight")) {
                    target = a.b();
                }
            }
        }
        if (target == null) {
            throw new IllegalArgumentException("this model has no parameter '" + name + "'");
        }
        if (values.length != target.size()) {
            throw new IllegalArgumentException(name + " has " + target.size() + " values " + target.getShape()
                    + ", given " + values.length);
        }
        // an indexed assignment (index_put_): NDArray.set(float[]) would make libtorch print a deprecation warning
        try (NDArray source = manager.create(values, target.getShape())) {
            target.set(new NDIndex("..."), source);
        }
    }

    /**
     * The adapters as LoRA modules (A [r, in], B [out, r], float32), for writing a PEFT adapter; empty without LoRA.
     */
    public List<LoraModule> loraModules() {
        List<LoraModule> out = new ArrayList<>();
        for (Adapter a : adapters.values()) {
            out.add(new LoraModule(a.module(), lora.rank(), a.in(), a.out(), a.a().toFloatArray(),
                    a.b().toFloatArray()));
        }
        return out;
    }

    /**
     * Writes the base weights as one float32 safetensors file (under a temporary name, renamed when complete).
     *
     * @param metadata the {@code __metadata__} to write ({@code format: pt} is what transformers writes)
     */
    public void writeSafetensors(Path file, Map<String, String> metadata) throws IOException {
        List<TensorInfo> infos = tensorInfos();
        try (SafetensorsWriter out = SafetensorsWriter.create(file, infos, metadata)) {
            for (TensorInfo t : infos) {
                out.write(t.name(), 0, littleEndian(weights.get(t.name()).toFloatArray()));
            }
            out.commit();
        }
    }

    /** float32 values as safetensors stores them (little-endian, whatever the machine's order). */
    static MemorySegment littleEndian(float[] values) {
        MemorySegment bytes = MemorySegment.ofArray(new byte[values.length * Float.BYTES]);
        for (int i = 0; i < values.length; i++) {
            bytes.setAtIndex(F32_LE, i, values[i]);
        }
        return bytes;
    }

    // ------------------------------------------------------------------ forward and loss

    /**
     * The mean cross-entropy over the tokens whose flag is set: {@code trained[b][i]} says that predicting
     * {@code tokens[b][i]} from {@code tokens[b][<i]} counts (as {@code TokenizedSequence} has it). Sequences may have
     * different lengths: they are padded on the right, and a causal model never lets padding reach earlier positions.
     *
     * @param training dropout on (LoRA's {@code lora_dropout}, the config's {@code attention_dropout})
     * @return a scalar; the caller closes it. Inside a {@code GradientCollector} its backward pass fills the gradients
     *         of {@link #trainable()}.
     * @throws IllegalArgumentException when no token's flag is set, a token is outside the vocabulary, or the lengths
     *                                  of tokens and flags differ
     */
    public NDArray loss(int[][] tokens, boolean[][] trained, boolean training) {
        int count = countTrained(tokens, trained);
        if (count == 0) {
            throw new IllegalArgumentException("no token of the batch counts in the loss (every flag is false)");
        }
        return lossSum(tokens, trained, training, 1.0 / count);
    }

    /**
     * One forward and backward pass: adds the gradients of {@code factor ·} (the summed cross-entropy of the flagged
     * tokens) to the {@link #trainable()} parameters' gradients, and returns that value. With {@code factor} = 1 /
     * {@link #countTrained} it is the batch's mean loss; for gradient accumulation pass 1 / (flagged tokens of all the
     * accumulated batches). Gradients add up until {@link #zeroGradients()}.
     * <p>
     * Prefer this to {@link #lossSum} with a {@code GradientCollector} of your own: DJL's backward leaves an array of
     * ones in the loss's manager, which here is a manager of this call that is closed before it returns.
     *
     * @param training dropout on
     * @throws IllegalStateException when another {@code GradientCollector} is open (DJL allows one at a time)
     */
    public float backward(int[][] tokens, boolean[][] trained, boolean training, double factor) {
        try (NDManager step = manager.newSubManager();
                ai.djl.training.GradientCollector collector = manager.getEngine().newGradientCollector()) {
            NDArray loss = lossSum(tokens, trained, training, factor);
            loss.attach(step);
            collector.backward(loss);
            return loss.getFloat();
        }
    }

    /**
     * The number of tokens whose flag is set (the divisor of {@link #loss}).
     */
    public static int countTrained(int[][] tokens, boolean[][] trained) {
        if (tokens.length != trained.length) {
            throw new IllegalArgumentException(tokens.length + " sequences but " + trained.length + " flag rows");
        }
        int n = 0;
        for (int b = 0; b < tokens.length; b++) {
            if (tokens[b].length != trained[b].length) {
                throw new IllegalArgumentException("sequence " + b + " has " + tokens[b].length + " tokens but "
                        + trained[b].length + " flags");
            }
            for (int i = 1; i < trained[b].length; i++) {
                n += trained[b][i] ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * The summed cross-entropy of the flagged tokens times {@code factor}: for gradient accumulation that weights
     * every token of several batches alike, pass {@code 1 / (flagged tokens of all of them)}. A batch with no flagged
     * token gives 0 (with a gradient of 0).
     *
     * @see #loss
     */
    public NDArray lossSum(int[][] tokens, boolean[][] trained, boolean training, double factor) {
        countTrained(tokens, trained);
        int batch = tokens.length;
        int length = 0;
        for (int[] t : tokens) {
            length = Math.max(length, t.length);
        }
        int steps = length - 1;
        if (batch == 0 || steps < 1) {
            throw new IllegalArgumentException("a batch needs a sequence of at least 2 tokens");
        }
        long[] input = new long[batch * steps];
        long[] target = new long[batch * steps];
        float[] weight = new float[batch * steps];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < steps; i++) {
                int at = b * steps + i;
                if (i < tokens[b].length) {
                    input[at] = checkToken(tokens[b][i]);
                }
                if (i + 1 < tokens[b].length) {
                    target[at] = checkToken(tokens[b][i + 1]);
                    weight[at] = trained[b][i + 1] ? 1f : 0f;
                }
            }
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray ids = owned(manager.create(input, new Shape(batch, steps)));
            NDArray logits = forward(ids, training);
            NDArray logp = logits.logSoftmax(-1);
            NDArray targets = owned(manager.create(target, new Shape(batch, steps, 1)));
            NDArray picked = logp.gather(targets, -1).reshape(batch, steps);
            NDArray mask = owned(manager.create(weight, new Shape(batch, steps)));
            NDArray loss = picked.mul(mask).sum().mul(scalar(-factor));
            NDScope.unregister(loss);
            return loss;
        }
    }

    /**
     * Logits at every position of {@code tokens}, row-major [tokens.length, vocab_size], computed without dropout and
     * without recording gradients.
     */
    public float[] logits(int[] tokens) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens");
        }
        long[] ids = new long[tokens.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = checkToken(tokens[i]);
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray out = forward(manager.create(ids, new Shape(1, ids.length)), false);
            return out.stopGradient().toFloatArray();
        }
    }

    private long checkToken(int t) {
        if (t < 0 || t >= config.vocabSize()) {
            throw new IllegalArgumentException("token id " + t + " is outside the vocabulary (vocab_size "
                    + config.vocabSize() + ")");
        }
        return t;
    }

    /** Logits [B, T, vocab] of ids [B, T] (int64). */
    private NDArray forward(NDArray ids, boolean training) {
        long batch = ids.getShape().get(0);
        int length = (int) ids.getShape().get(1);
        NDArray x = ids.getNDArrayInternal().embedding(ids, weights.get("model.embed_tokens.weight"),
                SparseFormat.DENSE).singletonOrThrow();
        NDArray[] rope = rope(length);
        NDArray mask = causalMask(length);
        for (int i = 0; i < config.layers(); i++) {
            String p = "model.layers." + i + ".";
            NDArray h = rmsNorm(x, weights.get(p + "input_layernorm.weight"));
            x = x.add(attention(p + "self_attn.", h, batch, length, rope, mask, training));
            h = rmsNorm(x, weights.get(p + "post_attention_layernorm.weight"));
            x = x.add(mlp(p + "mlp.", h, training));
        }
        x = rmsNorm(x, weights.get("model.norm.weight"));
        if (config.tiedEmbeddings()) {
            return linear(x, weights.get("model.embed_tokens.weight"), null);
        }
        return project("lm_head", x, training);
    }

    private NDArray attention(String a, NDArray h, long batch, int length, NDArray[] rope, NDArray mask,
            boolean training) {
        int heads = config.heads();
        int kv = config.kvHeads();
        int d = config.headDim();
        NDArray q = project(a + "q_proj", h, training).reshape(batch, length, heads, d);
        NDArray k = project(a + "k_proj", h, training).reshape(batch, length, kv, d);
        NDArray v = project(a + "v_proj", h, training).reshape(batch, length, kv, d);
        if (config.qkNorm()) {
            q = rmsNorm(q, weights.get(a + "q_norm.weight"));
            k = rmsNorm(k, weights.get(a + "k_norm.weight"));
        }
        // [B, heads, T, d]
        q = applyRope(q.transpose(0, 2, 1, 3), rope);
        k = applyRope(k.transpose(0, 2, 1, 3), rope);
        v = v.transpose(0, 2, 1, 3);
        // grouped-query attention without copying keys and values: the query heads of one key/value head form a
        // group axis that the key/value arrays broadcast over (head h uses key/value head h / group, as
        // transformers' repeat_kv lays them out)
        int group = config.groupSize();
        NDArray q5 = q.reshape(batch, kv, group, length, d);
        NDArray k5 = k.reshape(batch, kv, 1, length, d);
        NDArray v5 = v.reshape(batch, kv, 1, length, d);
        NDArray scores = q5.matMul(k5.transpose(0, 1, 2, 4, 3)).mul(scalar(1 / Math.sqrt(d))).add(mask);
        NDArray probs = scores.softmax(-1);
        if (training && attentionDropout > 0) {
            probs = dropout(probs, attentionDropout);
        }
        NDArray o = probs.matMul(v5).reshape(batch, heads, length, d).transpose(0, 2, 1, 3)
                .reshape(batch, length, (long) heads * d);
        return project(a + "o_proj", o, training);
    }

    private NDArray mlp(String m, NDArray h, boolean training) {
        NDArray gate = project(m + "gate_proj", h, training);
        NDArray up = project(m + "up_proj", h, training);
        return project(m + "down_proj", gate.mul(gate.getNDArrayInternal().sigmoid()).mul(up), training);
    }

    /** A linear module with its bias and LoRA adapter, if any. */
    private NDArray project(String module, NDArray x, boolean training) {
        NDArray y = linear(x, weights.get(module + ".weight"), weights.get(module + ".bias"));
        Adapter adapter = adapters.get(module);
        if (adapter != null) {
            NDArray in = training && lora.dropout() > 0 ? dropout(x, lora.dropout()) : x;
            NDArray delta = linear(linear(in, adapter.a(), null), adapter.b(), null);
            y = y.add(delta.mul(scalar(lora.scaling())));
        }
        return y;
    }

    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    private static NDArray dropout(NDArray x, double rate) {
        return x.getNDArrayInternal().dropout(x, (float) rate, true).singletonOrThrow();
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        return x.div(variance.add(scalar(config.rmsNormEps())).sqrt()).mul(weight);
    }

    /** cos and sin [T, d] of transformers' rotary embedding (the frequencies repeated for both halves). */
    private NDArray[] rope(int length) {
        double[] inv = config.inverseFrequencies();
        int d = config.headDim();
        int half = d / 2;
        float[] cos = new float[length * d];
        float[] sin = new float[length * d];
        for (int t = 0; t < length; t++) {
            for (int i = 0; i < half; i++) {
                // float32 as transformers computes it: the angle is a float product, then cos and sin of it
                float angle = (float) t * (float) inv[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[t * d + i] = c;
                cos[t * d + half + i] = c;
                sin[t * d + i] = s;
                sin[t * d + half + i] = s;
            }
        }
        return new NDArray[] {owned(manager.create(cos, new Shape(length, d))),
                owned(manager.create(sin, new Shape(length, d)))};
    }

    /** x [B, heads, T, d] rotated: x·cos + rotate_half(x)·sin, rotate_half(x) = (−x₂, x₁). */
    private NDArray applyRope(NDArray x, NDArray[] rope) {
        int half = config.headDim() / 2;
        NDArray x1 = x.get(new NDIndex("..., :" + half));
        NDArray x2 = x.get(new NDIndex("..., " + half + ":"));
        NDArray rotated = NDArrays.concat(new ai.djl.ndarray.NDList(x2.neg(), x1), -1);
        return x.mul(rope[0]).add(rotated.mul(rope[1]));
    }

    private NDArray causalMask(int length) {
        float[] mask = new float[length * length];
        for (int i = 0; i < length; i++) {
            for (int j = i + 1; j < length; j++) {
                mask[i * length + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return owned(manager.create(mask, new Shape(length, length)));
    }

    /**
     * A copy of {@code wrapped} in memory libtorch owns. On the CPU, DJL's {@code create(…)} wraps the Java buffer
     * without copying ({@code torch::from_blob}); the autograd graph keeps such tensors (indices, loss weights, cos and
     * sin) for the backward pass, which runs after this call's scope has closed them, when the buffer may already have
     * been collected and its memory reused: the backward pass then read garbage (NaN gradients at random).
     */
    private static NDArray owned(NDArray wrapped) {
        NDArray copy = wrapped.duplicate();
        wrapped.close();
        return copy;
    }

    /**
     * A scalar for a product the backward pass differentiates. DJL's {@code mul(Number)} makes the scalar with
     * {@code create} and closes it at once, while the graph keeps it for the backward pass (see {@link #owned}).
     */
    private NDArray scalar(double value) {
        return owned(manager.create((float) value));
    }

    /** Frees every parameter and adapter. */
    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "LlamaNetwork[" + config + (lora == null ? "" : ", LoRA r=" + lora.rank() + " on "
                + adapters.size() + " modules") + "]";
    }
}
