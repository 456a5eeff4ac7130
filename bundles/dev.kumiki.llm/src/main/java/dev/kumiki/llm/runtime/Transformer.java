package dev.kumiki.llm.runtime;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.kernel.MatrixOps;

/**
 * A Llama-family decoder ({@link DecoderConfig#SUPPORTED}) ready to run: its config checked, its tensors checked against
 * the config, the weights where they lie (mapped from the folder in their stored dtype, or a model computed in
 * memory) and a pool of threads for the matrix kernels. Token sequences run through {@link Session}s, each with its
 * own KV cache; the model itself holds no per-sequence state except RoPE's table of angles.
 * <p>
 * The forward pass is Hugging Face's {@code LlamaForCausalLM} (and its Mistral, Qwen2 and Qwen3 variants): embedding,
 * per layer RMSNorm → attention (q/k/v projections with optional biases, Qwen3's per-head q/k RMSNorm, RoPE in the
 * rotate-half convention, causal grouped-query attention) → residual → RMSNorm → SwiGLU MLP → residual, then the
 * final RMSNorm and the output projection (the embedding when tied). Activations are F32.
 * <p>
 * Not thread-safe: one forward pass at a time (it uses several threads inside).
 * {@snippet :
 * try (Transformer model = Transformer.open(Path.of("models/tiny"), RuntimeOptions.defaults())) {
 *     float[][] logits = model.logits(new int[] {1, 2, 3});   // one row per position
 * }
 * }
 */
public final class Transformer implements AutoCloseable {

    /** A linear layer's weight matrix ({@code rows × cols}, row-major as stored) and optional bias. */
    record Linear(String name, MemorySegment w, DType type, int rows, int cols, float[] bias) {
    }

    /** One decoder layer's weights. */
    record Layer(float[] attnNorm, Linear q, Linear k, Linear v, Linear o, float[] qNorm, float[] kNorm,
            float[] mlpNorm, Linear gate, Linear up, Linear down) {
    }

    private final String name;
    private final DecoderConfig config;
    private final Weights weights;
    private final RuntimeOptions options;
    private final MatrixOps ops;
    private final Weights.Tensor embedding;
    private final Linear lmHead;
    private final float[] finalNorm;
    private final Layer[] layers;
    /** A path's scale of the hidden state before each layer, or null when every scale is 1 (every other model). */
    private final float[] scales;
    /** The weights the layers read: this model's own, or a path's models' (shared, not owned). */
    private final List<Weights> sources;
    /** Whether closing this model closes {@link #weights} (a path borrows its models' weights). */
    private final boolean ownsWeights;
    /** What a path releases when it is closed (e.g. the models it was opened with), or null. */
    private final AutoCloseable onClose;
    private final double[] inverseFrequencies;
    private float[] cos = new float[0];
    private float[] sin = new float[0];
    private int ropePositions;

    private Transformer(Weights weights, DecoderConfig config, RuntimeOptions options) throws IOException {
        this.name = weights.name();
        this.config = config;
        this.weights = weights;
        this.options = options;
        this.inverseFrequencies = config.inverseFrequencies();
        Map<String, Weights.Tensor> t = weights.tensors();
        this.embedding = t.get("model.embed_tokens.weight");
        this.finalNorm = vector(t.get("model.norm.weight"));
        this.lmHead = config.tiedEmbeddings() ? linear(embedding, null) : linear(t.get("lm_head.weight"), null);
        this.layers = new Layer[config.layers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            String a = p + "self_attn.";
            layers[i] = new Layer(vector(t.get(p + "input_layernorm.weight")),
                    linear(t.get(a + "q_proj.weight"), config.attentionBias() ? t.get(a + "q_proj.bias") : null),
                    linear(t.get(a + "k_proj.weight"), config.attentionBias() ? t.get(a + "k_proj.bias") : null),
                    linear(t.get(a + "v_proj.weight"), config.attentionBias() ? t.get(a + "v_proj.bias") : null),
                    linear(t.get(a + "o_proj.weight"), config.outputBias() ? t.get(a + "o_proj.bias") : null),
                    config.qkNorm() ? vector(t.get(a + "q_norm.weight")) : null,
                    config.qkNorm() ? vector(t.get(a + "k_norm.weight")) : null,
                    vector(t.get(p + "post_attention_layernorm.weight")),
                    linear(t.get(p + "mlp.gate_proj.weight"), null), linear(t.get(p + "mlp.up_proj.weight"), null),
                    linear(t.get(p + "mlp.down_proj.weight"), null));
        }
        this.ops = MatrixOps.of(options.kernels(), options.threads());
        this.scales = null;
        this.sources = List.of(weights);
        this.ownsWeights = true;
        this.onClose = null;
    }

    /** A path: the first model's embeddings, final norm and head, the layers of the path's steps. */
    private Transformer(String name, DecoderConfig config, Transformer first, Layer[] layers, float[] scales,
            List<Weights> sources, RuntimeOptions options, AutoCloseable onClose) {
        this.name = name;
        this.config = config;
        this.weights = first.weights;
        this.options = options;
        this.inverseFrequencies = config.inverseFrequencies();
        this.embedding = first.embedding;
        this.finalNorm = first.finalNorm;
        this.lmHead = first.lmHead;
        this.layers = layers;
        this.scales = scales;
        this.sources = sources;
        this.ownsWeights = false;
        this.onClose = onClose;
        this.ops = MatrixOps.of(options.kernels(), options.threads());
    }

    /**
     * Opens the model folder {@code dir} (config.json and safetensors, one file or sharded with an index); the weights
     * stay mapped in their stored dtype.
     *
     * @throws TensorFormatException naming the file and key or tensor when the model is not one this runtime runs, or
     *                               its tensors do not match its config
     */
    public static Transformer open(Path dir, RuntimeOptions options) throws IOException {
        return build(Weights.open(dir), options);
    }

    /** {@link #open(Path, RuntimeOptions)} with this machine's kernels on all its processors. */
    public static Transformer open(Path dir) throws IOException {
        return open(dir, RuntimeOptions.defaults());
    }

    /**
     * Computes every tensor of {@code source} now and runs the model from memory, with no file written: each tensor in
     * its declared dtype (a BF16 model takes 2 bytes a weight, as its saved copy would), read by the same kernels as a
     * mapped model, so that it gives the saved copy's logits bit for bit. {@code source} is closed once its tensors
     * are read.
     *
     * @throws TensorFormatException as {@link #open}, naming the source
     */
    public static Transformer of(TensorSource source, RuntimeOptions options) throws IOException {
        return build(Weights.compute(source, options.kernels()), options);
    }

    /**
     * {@link #path(List, LayerPath, RuntimeOptions)} with the first model's options (its kernels and threads; the path
     * has a thread pool of its own).
     */
    public static Transformer path(List<Transformer> models, LayerPath path) {
        return path(models, path, models.isEmpty() ? RuntimeOptions.defaults() : models.get(0).options());
    }

    /**
     * A model whose layers are the layers {@code path} names, taken from {@code models} (shared, not copied: mapped
     * or in memory as they are), with the embeddings, final norm and output head of the first model, as in Sakana AI's
     * data-flow merging. Its {@code num_hidden_layers} is the path's length and its KV cache has one entry per step;
     * before each step's layer the hidden state is multiplied by the step's scale (a scale of exactly 1 costs nothing).
     * Its other settings (context length, RoPE, special tokens) are the first model's.
     * <p>
     * The models must stay open while the path is used; closing the path closes only its own thread pool, so that
     * many paths can share the models of one search.
     *
     * @throws IllegalArgumentException naming the model and the config key when a model's layers cannot run on the
     *         first model's hidden state (hidden_size, num_attention_heads, num_key_value_heads, head_dim,
     *         intermediate_size, rms_norm_eps, rope_theta, rope_scaling, the attention's biases and q/k norms differ),
     *         when {@code path} refers to another number of models, or a step names a layer its model does not have
     */
    public static Transformer path(List<Transformer> models, LayerPath path, RuntimeOptions options) {
        return path(models, path, options, null);
    }

    /**
     * {@link #path(List, LayerPath, RuntimeOptions)} for a path that owns what it runs on: {@code onClose} (e.g. the
     * models and the tokenizer opened for it alone) is closed after the path's thread pool when the path is closed.
     */
    public static Transformer path(List<Transformer> models, LayerPath path, RuntimeOptions options,
            AutoCloseable onClose) {
        if (models.size() != path.models()) {
            throw new IllegalArgumentException("the path runs through " + path.models() + " model"
                    + (path.models() == 1 ? "" : "s") + " but " + models.size() + " were given");
        }
        Transformer first = models.get(0);
        DecoderConfig f = first.config();
        for (Transformer m : models.subList(1, models.size())) {
            LayerPath.requireCompatible(first.name(), f, m.name(), m.config());
        }
        List<LayerPath.Step> steps = path.steps();
        Layer[] layers = new Layer[steps.size()];
        float[] scales = path.scaled() ? new float[steps.size()] : null;
        for (int i = 0; i < layers.length; i++) {
            LayerPath.Step s = steps.get(i);
            Transformer m = models.get(s.model());
            if (s.layer() >= m.config().layers()) {
                throw new IllegalArgumentException("step " + i + " of the path takes layer " + s.layer() + " of "
                        + m.name() + ", which has " + m.config().layers() + " layers (num_hidden_layers; indices 0 to "
                        + (m.config().layers() - 1) + ")");
            }
            layers[i] = m.layers[s.layer()];
            if (scales != null) {
                scales[i] = (float) s.scale();
            }
        }
        DecoderConfig config = new DecoderConfig(f.architecture(), f.hiddenSize(), f.intermediateSize(),
                steps.size(), f.heads(), f.kvHeads(), f.headDim(), f.rmsNormEps(), f.ropeTheta(), f.ropeScaling(),
                f.maxPositions(), f.vocabSize(), f.tiedEmbeddings(), f.attentionBias(), f.outputBias(), f.qkNorm(),
                f.bosTokenId(), f.eosTokenIds());
        List<Weights> sources = new ArrayList<>();
        for (Transformer m : models) {
            for (Weights w : m.sources) {
                if (!sources.contains(w)) {
                    sources.add(w);
                }
            }
        }
        String names = String.join(", ", models.stream().map(Transformer::name).distinct().toList());
        return new Transformer("path through " + names + " (" + steps.size() + " layers)", config, first, layers,
                scales, List.copyOf(sources), options, onClose);
    }

    private static Transformer build(Weights weights, RuntimeOptions options) throws IOException {
        try {
            DecoderConfig config = DecoderConfig.of(weights.config(), weights.configSource());
            check(weights, config);
            return new Transformer(weights, config, options);
        } catch (IOException | RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /** The tensors a model of {@code config} has, with their shapes, in Hugging Face's names. */
    public static Map<String, Shape> expectedTensors(DecoderConfig config) {
        int h = config.hiddenSize();
        Map<String, Shape> e = new LinkedHashMap<>();
        e.put("model.embed_tokens.weight", Shape.of(config.vocabSize(), h));
        for (int i = 0; i < config.layers(); i++) {
            String p = "model.layers." + i + ".";
            String a = p + "self_attn.";
            e.put(p + "input_layernorm.weight", Shape.of(h));
            e.put(a + "q_proj.weight", Shape.of(config.queryWidth(), h));
            e.put(a + "k_proj.weight", Shape.of(config.kvWidth(), h));
            e.put(a + "v_proj.weight", Shape.of(config.kvWidth(), h));
            e.put(a + "o_proj.weight", Shape.of(h, config.queryWidth()));
            if (config.attentionBias()) {
                e.put(a + "q_proj.bias", Shape.of(config.queryWidth()));
                e.put(a + "k_proj.bias", Shape.of(config.kvWidth()));
                e.put(a + "v_proj.bias", Shape.of(config.kvWidth()));
            }
            if (config.outputBias()) {
                e.put(a + "o_proj.bias", Shape.of(h));
            }
            if (config.qkNorm()) {
                e.put(a + "q_norm.weight", Shape.of(config.headDim()));
                e.put(a + "k_norm.weight", Shape.of(config.headDim()));
            }
            e.put(p + "post_attention_layernorm.weight", Shape.of(h));
            e.put(p + "mlp.gate_proj.weight", Shape.of(config.intermediateSize(), h));
            e.put(p + "mlp.up_proj.weight", Shape.of(config.intermediateSize(), h));
            e.put(p + "mlp.down_proj.weight", Shape.of(h, config.intermediateSize()));
        }
        e.put("model.norm.weight", Shape.of(h));
        if (!config.tiedEmbeddings()) {
            e.put("lm_head.weight", Shape.of(config.vocabSize(), h));
        }
        return e;
    }

    /** Every expected tensor present with its shape and a float dtype, and nothing the config does not explain. */
    private static void check(Weights weights, DecoderConfig config) throws TensorFormatException {
        Map<String, Shape> expected = expectedTensors(config);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            Weights.Tensor t = weights.tensors().get(e.getKey());
            if (t == null) {
                problems.add("tensor '" + e.getKey() + "' is missing (expected shape " + e.getValue() + ")");
            } else if (!t.shape().equals(e.getValue())) {
                problems.add("tensor '" + e.getKey() + "' has shape " + t.shape() + ", expected " + e.getValue());
            } else if (t.type() != DType.F32 && t.type() != DType.F16 && t.type() != DType.BF16) {
                problems.add("tensor '" + e.getKey() + "' is " + t.type() + "; Kumiki runs F32, F16 and BF16 weights");
            }
        }
        for (String n : weights.tensors().keySet()) {
            // rotary_emb.inv_freq is a buffer old checkpoints saved; it is recomputed from rope_theta, as transformers
            // does. A tied model's saved lm_head is the embedding again (transformers ties them on load).
            boolean harmless = n.endsWith(".rotary_emb.inv_freq")
                    || config.tiedEmbeddings() && n.equals("lm_head.weight");
            if (!expected.containsKey(n) && !harmless) {
                problems.add("tensor '" + n + "' is not part of a " + config.architecture() + " with this config"
                        + (n.endsWith(".bias") ? " (a bias the config does not switch on: attention_bias?)" : ""));
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(problems.size(), 6);
            throw new TensorFormatException("the weights of " + weights.name() + " do not match "
                    + weights.configSource() + " (" + config.architecture() + ", hidden_size " + config.hiddenSize()
                    + ", num_attention_heads " + config.heads() + ", num_key_value_heads " + config.kvHeads()
                    + ", head_dim " + config.headDim() + ", intermediate_size " + config.intermediateSize()
                    + ", vocab_size " + config.vocabSize() + "): " + String.join("; ", problems.subList(0, shown))
                    + (problems.size() > shown ? "; and " + (problems.size() - shown) + " more" : ""));
        }
    }

    private float[] vector(Weights.Tensor t) {
        float[] v = new float[(int) t.shape().elements()];
        options.kernels().load(t.data(), t.type(), 0, v, 0, v.length);
        return v;
    }

    private Linear linear(Weights.Tensor w, Weights.Tensor bias) {
        return new Linear(w.name(), w.data(), w.type(), (int) w.shape().dim(0), (int) w.shape().dim(1),
                bias == null ? null : vector(bias));
    }

    /** A name for reports: the model folder's name, or the in-memory source's. */
    public String name() {
        return name;
    }

    public DecoderConfig config() {
        return config;
    }

    public RuntimeOptions options() {
        return options;
    }

    /** {@code max_position_embeddings}: the most tokens a session holds. */
    public int contextLength() {
        return config.maxPositions();
    }

    /** {@code vocab_size}: the length of a logits row. */
    public int vocabularySize() {
        return config.vocabSize();
    }

    /** A new, empty sequence with its own KV cache. */
    public Session newSession() {
        return new Session(this);
    }

    /**
     * The logits at every position of {@code tokens} (row {@code i} predicts token {@code i + 1}), computed in a fresh
     * session: what {@code kumiki logits} prints.
     */
    public float[][] logits(int[] tokens) {
        float[][] out = new float[tokens.length][];
        Session s = newSession();
        s.append(tokens, 0, (i, logits, off) -> out[i] = java.util.Arrays.copyOfRange(logits, off,
                off + config.vocabSize()));
        return out;
    }

    // --- what sessions use ---

    /** See {@link Weights#requireUnchanged()}. */
    void requireWeightsUnchanged() {
        for (Weights w : sources) {
            w.requireUnchanged();
        }
    }

    /** See {@link Weights#faulted(InternalError)}. */
    java.io.UncheckedIOException faulted(InternalError e) {
        return weights.faulted(e);
    }

    MatrixOps ops() {
        return ops;
    }

    Layer layer(int i) {
        return layers[i];
    }

    /** The scale of the hidden state before each layer (a path's), or null when there is none. */
    float[] scales() {
        return scales;
    }

    Linear lmHead() {
        return lmHead;
    }

    float[] finalNorm() {
        return finalNorm;
    }

    /** Copies the embedding of {@code token} into {@code x[off, off + hidden)}. */
    void embed(int token, float[] x, int off) {
        int h = config.hiddenSize();
        options.kernels().load(embedding.data(), embedding.type(), (long) token * h, x, off, h);
    }

    /** Makes sure RoPE's cos/sin tables cover positions {@code [0, n)}. */
    void ensureRope(int n) {
        if (n <= ropePositions) {
            return;
        }
        int half = config.headDim() / 2;
        int grown = Math.min(config.maxPositions(), Math.max(n, Math.max(64, ropePositions * 2)));
        float[] c = java.util.Arrays.copyOf(cos, grown * half);
        float[] s = java.util.Arrays.copyOf(sin, grown * half);
        for (int p = ropePositions; p < grown; p++) {
            for (int i = 0; i < half; i++) {
                // the angle in float32, as transformers computes inv_freq @ position_ids
                float angle = (float) inverseFrequencies[i] * (float) p;
                c[p * half + i] = (float) Math.cos(angle);
                s[p * half + i] = (float) Math.sin(angle);
            }
        }
        cos = c;
        sin = s;
        ropePositions = grown;
    }

    float[] cosTable() {
        return cos;
    }

    float[] sinTable() {
        return sin;
    }

    /**
     * Releases the thread pool and the weights (the mapping of a folder, or the computed tensors); a
     * {@linkplain #path path} releases its pool only, its models stay open.
     */
    @Override
    public void close() {
        ops.close();
        if (ownsWeights) {
            weights.close();
        }
        if (onClose != null) {
            try {
                onClose.close();
            } catch (Exception e) {
                // releasing models and tokenizers cannot fail in a way the caller could act on
            }
        }
    }

    @Override
    public String toString() {
        return name + " (" + config + ")";
    }
}
