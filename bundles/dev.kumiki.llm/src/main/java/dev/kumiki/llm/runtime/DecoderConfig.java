package dev.kumiki.llm.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.tensor.TensorFormatException;

/**
 * What the forward pass needs from a Hugging Face {@code config.json} of a Llama-family decoder, checked: every key
 * that would change the maths in a way this runtime does not implement is refused with a message naming the key and
 * the file, never ignored.
 *
 * @param architecture      {@code architectures[0]}, one of {@link #SUPPORTED}
 * @param hiddenSize        {@code hidden_size}
 * @param intermediateSize  {@code intermediate_size} (the SwiGLU MLP's width)
 * @param layers            {@code num_hidden_layers}
 * @param heads             {@code num_attention_heads}
 * @param kvHeads           {@code num_key_value_heads} (grouped-query attention; defaults to the heads)
 * @param headDim           {@code head_dim}, or {@code hidden_size / num_attention_heads} when absent
 * @param rmsNormEps        {@code rms_norm_eps}
 * @param ropeTheta         {@code rope_theta}
 * @param ropeScaling       Llama 3's {@code rope_scaling}, when the config has one
 * @param maxPositions      {@code max_position_embeddings}: the context length
 * @param vocabSize         {@code vocab_size}
 * @param tiedEmbeddings    {@code tie_word_embeddings}: the output projection is the embedding matrix
 * @param attentionBias     q, k and v projections have biases (Qwen2 always; Llama and Qwen3 by {@code attention_bias})
 * @param outputBias        the o projection has a bias (Llama and Qwen3 with {@code attention_bias})
 * @param qkNorm            per-head RMSNorm of queries and keys before RoPE (Qwen3)
 * @param bosTokenId        {@code bos_token_id}, if given
 * @param eosTokenIds       {@code eos_token_id} (a number or a list), possibly empty
 */
public record DecoderConfig(String architecture, int hiddenSize, int intermediateSize, int layers, int heads,
        int kvHeads, int headDim, double rmsNormEps, double ropeTheta, Optional<Llama3RopeScaling> ropeScaling,
        int maxPositions, int vocabSize, boolean tiedEmbeddings, boolean attentionBias, boolean outputBias,
        boolean qkNorm, OptionalInt bosTokenId, List<Integer> eosTokenIds) {

    /** The architectures ({@code architectures[0]}) this runtime runs. */
    public static final List<String> SUPPORTED = List.of("LlamaForCausalLM", "MistralForCausalLM",
            "Qwen2ForCausalLM", "Qwen3ForCausalLM");

    /**
     * Keys of other model families that change the forward pass; present and not null (or not their neutral value),
     * they are refused. Keys this runtime reads are checked where they are read.
     */
    private static final Set<String> FOREIGN_MATHS = Set.of("final_logit_softcapping", "attn_logit_softcapping",
            "query_pre_attn_scalar", "embedding_multiplier", "residual_multiplier", "attention_multiplier",
            "logits_scaling", "alibi", "parallel_attn", "use_parallel_residual", "quantization_config",
            "num_experts", "num_local_experts", "moe_intermediate_size", "use_qk_norm", "no_rope_layers",
            "attn_temperature_tuning");

    /**
     * Llama 3's frequency-dependent scaling of RoPE's inverse frequencies ({@code rope_type: llama3}).
     *
     * @param factor                        how much longer the context became
     * @param lowFreqFactor                 {@code low_freq_factor}
     * @param highFreqFactor                {@code high_freq_factor}
     * @param originalMaxPositions          {@code original_max_position_embeddings}
     */
    public record Llama3RopeScaling(double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositions) {
    }

    public DecoderConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** Query heads per key/value head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    /** Width of all query heads together ({@code heads × headDim}). */
    public int queryWidth() {
        return heads * headDim;
    }

    /** Width of all key (or value) heads together ({@code kvHeads × headDim}). */
    public int kvWidth() {
        return kvHeads * headDim;
    }

    /**
     * RoPE's inverse frequencies {@code θ^(-2i/d)} for {@code i < headDim/2}, scaled as Llama 3 does when the config
     * says so (Hugging Face's {@code _compute_llama3_parameters}): long wavelengths divided by the factor, short ones
     * kept, the band between interpolated smoothly.
     */
    public double[] inverseFrequencies() {
        int half = headDim / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            // float32 as Hugging Face computes it: arange(0, d, 2).float() / d, then base ** that, then 1 / that
            float exponent = (float) (2 * i) / headDim;
            inv[i] = (float) (1.0 / (float) Math.pow(ropeTheta, exponent));
        }
        ropeScaling.ifPresent(s -> {
            double lowWavelen = s.originalMaxPositions() / s.lowFreqFactor();
            double highWavelen = s.originalMaxPositions() / s.highFreqFactor();
            for (int i = 0; i < half; i++) {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen < highWavelen) {
                    continue;
                }
                if (wavelen > lowWavelen) {
                    inv[i] = (float) (inv[i] / s.factor());
                } else {
                    double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                            / (s.highFreqFactor() - s.lowFreqFactor());
                    inv[i] = (float) ((1 - smooth) * inv[i] / s.factor() + smooth * inv[i]);
                }
            }
        });
        return inv;
    }

    /**
     * Reads and checks a config.json.
     *
     * @param json   the parsed file
     * @param source where it came from, for messages (the file's path, or the merge that computed it)
     * @throws TensorFormatException naming the key and {@code source} for an unsupported architecture, a missing or
     *                               malformed key, or a setting that changes the maths in an unsupported way
     */
    public static DecoderConfig of(JsonNode json, String source) throws TensorFormatException {
        if (json == null || !json.isObject()) {
            throw new TensorFormatException(source + ": must be a JSON object");
        }
        Reader r = new Reader(json, source);
        String arch = r.architecture();
        for (String key : FOREIGN_MATHS) {
            JsonNode v = json.get(key);
            boolean neutral = v == null || v.isNull() || v.isBoolean() && !v.asBoolean()
                    || v.isNumber() && v.asDouble() == 0;
            if (!neutral) {
                throw new TensorFormatException(source + ": key '" + key + "' (" + v + ") belongs to another model "
                        + "family and changes the maths; " + arch + " as Kumiki runs it has no such setting");
            }
        }
        int hidden = r.positive("hidden_size");
        int heads = r.positive("num_attention_heads");
        int kvHeads = r.optionalPositive("num_key_value_heads").orElse(heads);
        if (heads % kvHeads != 0) {
            throw new TensorFormatException(source + ": num_attention_heads (" + heads + ") must be a multiple of "
                    + "num_key_value_heads (" + kvHeads + ")");
        }
        OptionalInt explicitHeadDim = r.optionalPositive("head_dim");
        if (explicitHeadDim.isEmpty() && hidden % heads != 0) {
            throw new TensorFormatException(source + ": hidden_size (" + hidden + ") is not a multiple of "
                    + "num_attention_heads (" + heads + ") and there is no head_dim");
        }
        int headDim = explicitHeadDim.orElse(hidden / heads);
        if (headDim % 2 != 0) {
            throw new TensorFormatException(source + ": head_dim " + headDim + " must be even for RoPE");
        }
        String act = r.text("hidden_act").orElse("silu");
        if (!act.equals("silu")) {
            throw new TensorFormatException(source + ": hidden_act is '" + act + "'; Kumiki runs the SwiGLU MLP "
                    + "with 'silu' only");
        }
        if (r.bool("mlp_bias", false)) {
            throw new TensorFormatException(source + ": mlp_bias is true; Kumiki runs MLPs without biases");
        }
        JsonNode partial = json.get("partial_rotary_factor");
        if (partial != null && !partial.isNull() && !(partial.isNumber() && partial.asDouble() == 1.0)) {
            throw new TensorFormatException(source + ": partial_rotary_factor is " + partial + "; Kumiki applies "
                    + "RoPE to the whole head (1.0)");
        }
        int maxPositions = r.positive("max_position_embeddings");
        int layers = r.positive("num_hidden_layers");
        checkSlidingWindow(r, arch, maxPositions, layers);

        // transformers 5 nests rope settings under rope_parameters; older configs have rope_theta and rope_scaling
        JsonNode ropeParameters = json.get("rope_parameters");
        double theta;
        JsonNode scaling;
        String scalingKey;
        if (ropeParameters != null && !ropeParameters.isNull()) {
            if (!ropeParameters.isObject()) {
                throw new TensorFormatException(source + ": rope_parameters must be an object, found "
                        + ropeParameters);
            }
            Reader rp = new Reader(ropeParameters, source + " rope_parameters");
            theta = rp.positiveNumber("rope_theta", 10000.0);
            scaling = ropeParameters;
            scalingKey = "rope_parameters";
        } else {
            theta = r.positiveNumber("rope_theta", 10000.0);
            scaling = json.get("rope_scaling");
            scalingKey = "rope_scaling";
        }
        Optional<Llama3RopeScaling> ropeScaling = ropeScaling(scaling, scalingKey, source);

        boolean attentionBias;
        boolean outputBias;
        if (arch.equals("Qwen2ForCausalLM")) {
            // Qwen2's attention has q/k/v biases and no o bias, whatever the config says
            attentionBias = true;
            outputBias = false;
        } else if (arch.equals("MistralForCausalLM")) {
            attentionBias = false;
            outputBias = false;
        } else {
            attentionBias = r.bool("attention_bias", false);
            outputBias = attentionBias;
        }
        return new DecoderConfig(arch, hidden, r.positive("intermediate_size"), layers, heads, kvHeads, headDim,
                r.positiveNumber("rms_norm_eps", 1e-6), theta, ropeScaling, maxPositions, r.positive("vocab_size"),
                r.bool("tie_word_embeddings", false), attentionBias,
                outputBias, arch.equals("Qwen3ForCausalLM"), r.optionalNonNegative("bos_token_id"),
                r.tokenIds("eos_token_id"));
    }

    /**
     * A sliding window changes attention only for sequences longer than the window, and in Qwen2/Qwen3 only when
     * {@code use_sliding_window} is true and only in layers from {@code max_window_layers} on (as transformers builds
     * the layers). A window that can never bite is accepted; any other is refused.
     */
    private static void checkSlidingWindow(Reader r, String arch, int maxPositions, int layers)
            throws TensorFormatException {
        JsonNode window = r.json.get("sliding_window");
        if (window == null || window.isNull()) {
            return;
        }
        if (!window.isIntegralNumber() || window.asLong() < 1) {
            throw new TensorFormatException(r.source + ": sliding_window must be a positive whole number or null, "
                    + "found " + window);
        }
        boolean qwen = arch.startsWith("Qwen");
        if (qwen) {
            if (!r.bool("use_sliding_window", false)) {
                return;
            }
            OptionalInt from = r.optionalNonNegative("max_window_layers");
            if (from.isPresent() && from.getAsInt() >= layers) {
                return;
            }
        }
        if (window.asLong() >= maxPositions) {
            return;
        }
        throw new TensorFormatException(r.source + ": sliding_window is " + window.asLong()
                + (qwen ? " with use_sliding_window true" : "") + ", shorter than max_position_embeddings ("
                + maxPositions + "); Kumiki runs full causal attention only and would compute different results "
                + "for longer sequences");
    }

    private static Optional<Llama3RopeScaling> ropeScaling(JsonNode scaling, String key, String source)
            throws TensorFormatException {
        if (scaling == null || scaling.isNull()) {
            return Optional.empty();
        }
        if (!scaling.isObject()) {
            throw new TensorFormatException(source + ": " + key + " must be an object or null, found " + scaling);
        }
        JsonNode typeNode = scaling.has("rope_type") ? scaling.get("rope_type") : scaling.get("type");
        String type = typeNode == null || typeNode.isNull() ? "default" : typeNode.asText();
        switch (type) {
            case "default":
                return Optional.empty();
            case "llama3":
                Reader s = new Reader(scaling, source + " " + key);
                double factor = s.positiveNumber("factor", Double.NaN);
                double low = s.positiveNumber("low_freq_factor", Double.NaN);
                double high = s.positiveNumber("high_freq_factor", Double.NaN);
                int original = s.positive("original_max_position_embeddings");
                if (!(high > low)) {
                    throw new TensorFormatException(source + ": " + key + ".high_freq_factor (" + high
                            + ") must be greater than low_freq_factor (" + low + ")");
                }
                return Optional.of(new Llama3RopeScaling(factor, low, high, original));
            default:
                throw new TensorFormatException(source + ": " + key + " has rope_type '" + type + "'; Kumiki "
                        + "supports no scaling ('default' or null) and 'llama3' only");
        }
    }

    /** Typed reads of one JSON object, with messages naming the key and the file. */
    private static final class Reader {
        final JsonNode json;
        final String source;

        Reader(JsonNode json, String source) {
            this.json = json;
            this.source = source;
        }

        String architecture() throws TensorFormatException {
            JsonNode archs = json.get("architectures");
            if (archs == null || !archs.isArray() || archs.isEmpty() || !archs.get(0).isTextual()) {
                throw new TensorFormatException(source + ": has no 'architectures' list naming the model class; "
                        + "Kumiki runs " + String.join(", ", SUPPORTED));
            }
            if (archs.size() > 1) {
                throw new TensorFormatException(source + ": 'architectures' lists " + archs.size()
                        + " classes " + archs + "; expected one of " + String.join(", ", SUPPORTED));
            }
            String arch = archs.get(0).asText();
            if (!SUPPORTED.contains(arch)) {
                throw new TensorFormatException(source + ": architecture '" + arch + "' (key 'architectures') is "
                        + "not supported; Kumiki runs " + String.join(", ", SUPPORTED));
            }
            return arch;
        }

        private JsonNode present(String key) {
            JsonNode n = json.get(key);
            return n == null || n.isNull() ? null : n;
        }

        int positive(String key) throws TensorFormatException {
            OptionalInt v = optionalPositive(key);
            if (v.isEmpty()) {
                throw new TensorFormatException(source + ": has no '" + key + "'; it is needed to run the model");
            }
            return v.getAsInt();
        }

        OptionalInt optionalPositive(String key) throws TensorFormatException {
            OptionalInt v = optionalNonNegative(key);
            if (v.isPresent() && v.getAsInt() == 0) {
                throw new TensorFormatException(source + ": " + key + " must be positive, found 0");
            }
            return v;
        }

        OptionalInt optionalNonNegative(String key) throws TensorFormatException {
            JsonNode n = present(key);
            if (n == null) {
                return OptionalInt.empty();
            }
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0) {
                throw new TensorFormatException(source + ": " + key + " must be a whole number >= 0, found " + n);
            }
            return OptionalInt.of(n.asInt());
        }

        double positiveNumber(String key, double fallback) throws TensorFormatException {
            JsonNode n = present(key);
            if (n == null) {
                if (Double.isNaN(fallback)) {
                    throw new TensorFormatException(source + ": has no '" + key + "'; it is needed to run the model");
                }
                return fallback;
            }
            if (!n.isNumber() || !(n.asDouble() > 0) || Double.isInfinite(n.asDouble())) {
                throw new TensorFormatException(source + ": " + key + " must be a positive number, found " + n);
            }
            return n.asDouble();
        }

        boolean bool(String key, boolean fallback) throws TensorFormatException {
            JsonNode n = present(key);
            if (n == null) {
                return fallback;
            }
            if (!n.isBoolean()) {
                throw new TensorFormatException(source + ": " + key + " must be true or false, found " + n);
            }
            return n.asBoolean();
        }

        Optional<String> text(String key) throws TensorFormatException {
            JsonNode n = present(key);
            if (n == null) {
                return Optional.empty();
            }
            if (!n.isTextual()) {
                throw new TensorFormatException(source + ": " + key + " must be a string, found " + n);
            }
            return Optional.of(n.asText());
        }

        List<Integer> tokenIds(String key) throws TensorFormatException {
            JsonNode n = present(key);
            List<Integer> ids = new ArrayList<>();
            if (n == null) {
                return ids;
            }
            for (JsonNode e : n.isArray() ? n : List.of(n)) {
                if (!e.isIntegralNumber() || !e.canConvertToInt() || e.asInt() < 0) {
                    throw new TensorFormatException(source + ": " + key + " must be a token id or a list of them, "
                            + "found " + n);
                }
                ids.add(e.asInt());
            }
            return ids;
        }
    }

    /** For messages: the settings that shape the model. */
    @Override
    public String toString() {
        return architecture + Map.of("layers", layers, "hidden", hiddenSize, "heads", heads, "kvHeads", kvHeads,
                "headDim", headDim, "vocab", vocabSize);
    }
}
