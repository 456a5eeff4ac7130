package dev.kumiki.tensor.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * Writes small Llama-shaped Hugging Face model folders with seeded random weights, for tests, examples and
 * workshops that must run without downloads: the same settings always give the same bytes. Models made with the
 * same base seed and different {@link #variant(long) variants} are like fine-tunes of one base: base weights plus a
 * seeded perturbation.
 * {@snippet :
 * SyntheticModel.llama().layers(4).hidden(64).variant(1).write(Path.of("models/tiny-a"));
 * }
 */
public final class SyntheticModel {
    /** The fewest tokens of {@link #byteLevelTokenizer()}: two special tokens and 256 bytes. */
    public static final int MIN_BYTE_LEVEL_VOCABULARY = 258;
    /** The chat template {@link #byteLevelTokenizer()} writes into tokenizer_config.json: "role: content" lines. */
    public static final String CHAT_TEMPLATE = "{% for message in messages %}{{ message['role'] }}: "
            + "{{ message['content'] }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

    private int layers = 2;
    private int hidden = 16;
    private int intermediate = 24;
    private int vocab = 40;
    private DType type = DType.BF16;
    private long baseSeed = 1234;
    private long variant;
    private float spread = 1f;
    private List<String> tokens;
    private int contextLength;
    private boolean byteLevel;

    private SyntheticModel() {
    }

    /** A Llama-style decoder (embed_tokens, layers of q/k/v/o and gate/up/down, RMS norms, lm_head). */
    public static SyntheticModel llama() {
        return new SyntheticModel();
    }

    public SyntheticModel layers(int n) {
        this.layers = positive(n, "layers");
        return this;
    }

    public SyntheticModel hidden(int n) {
        this.hidden = positive(n, "hidden");
        return this;
    }

    public SyntheticModel intermediate(int n) {
        this.intermediate = positive(n, "intermediate");
        return this;
    }

    public SyntheticModel vocab(int n) {
        this.vocab = positive(n, "vocab");
        this.tokens = null;
        return this;
    }

    public SyntheticModel dtype(DType t) {
        if (!t.isFloatingPoint()) {
            throw new IllegalArgumentException("weights are floating point, not " + t);
        }
        this.type = t;
        return this;
    }

    /** Seed of the shared base weights. */
    public SyntheticModel baseSeed(long seed) {
        this.baseSeed = seed;
        return this;
    }

    /** 0: the base itself; any other number: the base plus a perturbation seeded by it. */
    public SyntheticModel variant(long v) {
        this.variant = v;
        return this;
    }

    /**
     * The vocabulary, written to tokenizer.json (a BPE vocabulary without merges; the first token is the special
     * {@code <s>} when it is one); sets the vocabulary size. Default: {@code <s>}, {@code </s>}, {@code t2}, ….
     */
    public SyntheticModel tokens(List<String> vocabulary) {
        if (vocabulary.isEmpty() || vocabulary.stream().distinct().count() != vocabulary.size()) {
            throw new IllegalArgumentException("tokens must be distinct and not empty");
        }
        this.tokens = List.copyOf(vocabulary);
        this.vocab = tokens.size();
        return this;
    }

    /**
     * The context length: {@code max_position_embeddings} in config.json (with {@code bos_token_id} 0 and
     * {@code eos_token_id} 1) and {@code model_max_length} in tokenizer_config.json, which the runtime needs to run
     * the model. Default: none written.
     */
    public SyntheticModel contextLength(int n) {
        this.contextLength = positive(n, "contextLength");
        return this;
    }

    /**
     * A GPT-2 style byte-level BPE tokenizer.json instead of the plain vocabulary (every UTF-8 text encodes and
     * decodes back exactly: {@code <s>} 0, {@code </s>} 1, byte {@code b} is {@code 2 + b}, then merges of common
     * English letter pairs up to the vocabulary size), and tokenizer_config.json with the special tokens and
     * {@link #CHAT_TEMPLATE}. Needs a vocabulary of at least {@value #MIN_BYTE_LEVEL_VOCABULARY}; with
     * {@link #contextLength(int)} the model runs on any text.
     */
    public SyntheticModel byteLevelTokenizer() {
        this.byteLevel = true;
        return this;
    }

    /** Size of the perturbation of variants (1: deltas about half the weights' scale). */
    public SyntheticModel spread(float s) {
        this.spread = s;
        return this;
    }

    /** A BPE tokenizer.json over the vocabulary, without merges; {@code <s>} first is marked special. */
    private String tokenizerJson() throws IOException {
        List<String> vocabulary = tokens;
        if (vocabulary == null) {
            vocabulary = new ArrayList<>();
            for (int i = 0; i < vocab; i++) {
                vocabulary.add(i == 0 ? "<s>" : i == 1 ? "</s>" : "t" + i);
            }
        }
        ObjectNode root = SafetensorsFile.JSON.createObjectNode().put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        if (vocabulary.get(0).equals("<s>")) {
            added.addObject().put("id", 0).put("content", "<s>").put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode model = root.putObject("model").put("type", "BPE");
        ObjectNode ids = model.putObject("vocab");
        for (int i = 0; i < vocabulary.size(); i++) {
            ids.put(vocabulary.get(i), i);
        }
        model.putArray("merges");
        return SafetensorsFile.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    private static int positive(int n, String what) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, was " + n);
        }
        return n;
    }

    /** The tensors the model will have, in file order. */
    public List<TensorInfo> tensors() {
        List<TensorInfo> t = new ArrayList<>();
        t.add(new TensorInfo("model.embed_tokens.weight", type, Shape.of(vocab, hidden)));
        for (int i = 0; i < layers; i++) {
            String p = "model.layers." + i + ".";
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
                t.add(new TensorInfo(p + "self_attn." + proj + ".weight", type, Shape.of(hidden, hidden)));
            }
            t.add(new TensorInfo(p + "mlp.gate_proj.weight", type, Shape.of(intermediate, hidden)));
            t.add(new TensorInfo(p + "mlp.up_proj.weight", type, Shape.of(intermediate, hidden)));
            t.add(new TensorInfo(p + "mlp.down_proj.weight", type, Shape.of(hidden, intermediate)));
            t.add(new TensorInfo(p + "input_layernorm.weight", type, Shape.of(hidden)));
            t.add(new TensorInfo(p + "post_attention_layernorm.weight", type, Shape.of(hidden)));
        }
        t.add(new TensorInfo("model.norm.weight", type, Shape.of(hidden)));
        t.add(new TensorInfo("lm_head.weight", type, Shape.of(vocab, hidden)));
        return t;
    }

    /** Values are made and written a chunk at a time, so a 7B-sized embedding never sits on the heap whole. */
    private static final int FILL_CHUNK = 1 << 20;

    private void fill(TensorInfo t, ModelWriter w) {
        long n = t.shape().elements();
        boolean norm = t.shape().rank() == 1;
        SplittableRandom base = new SplittableRandom(baseSeed * 1_000_003L + t.name().hashCode());
        SplittableRandom own = new SplittableRandom((baseSeed * 31 + variant) * 1_000_003L + t.name().hashCode());
        int chunk = (int) Math.min(FILL_CHUNK, Math.max(1, n));
        float[] v = new float[chunk];
        MemorySegment bytes = MemorySegment.ofArray(new byte[chunk * type.bytes()]);
        for (long at = 0; at < n; at += chunk) {
            int m = (int) Math.min(chunk, n - at);
            // the same sequence of draws as one pass over the whole tensor: the values do not depend on the chunk
            for (int i = 0; i < m; i++) {
                v[i] = norm ? 1f + 0.1f * (float) base.nextGaussian() : 0.2f * (float) base.nextGaussian();
                if (variant != 0) {
                    v[i] += spread * (float) own.nextGaussian() * (norm ? 0.05f : 0.1f);
                }
            }
            Kernels.scalar().store(v, 0, m, bytes, type, 0);
            try {
                w.write(t.name(), at * type.bytes(), bytes.asSlice(0, (long) m * type.bytes()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Writes config.json, model.safetensors and small tokenizer files into {@code dir}.
     *
     * @throws IllegalArgumentException when a byte-level tokenizer is asked for with a vocabulary that is too small
     *                                  or given as {@link #tokens(List)}
     */
    public Path write(Path dir) throws IOException {
        if (byteLevel && (tokens != null || vocab < MIN_BYTE_LEVEL_VOCABULARY)) {
            throw new IllegalArgumentException(tokens != null
                    ? "a byte-level tokenizer has its own vocabulary: leave out tokens(...)"
                    : "a byte-level tokenizer needs at least " + MIN_BYTE_LEVEL_VOCABULARY + " tokens (2 special, 256 "
                            + "bytes); the model has vocab " + vocab);
        }
        List<TensorInfo> infos = tensors();
        try (ModelWriter w = ModelWriter.create(dir, infos, ModelWriter.DEFAULT_SHARD_BYTES, Map.of("format", "pt"))) {
            // one generator per tensor, seeded by its name: the bytes do not depend on threads or order
            try {
                IntStream.range(0, infos.size()).parallel().forEach(i -> fill(infos.get(i), w));
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            w.commit();
        }
        Files.writeString(dir.resolve(ModelFolder.CONFIG), """
                {
                  "architectures": ["LlamaForCausalLM"],
                  "model_type": "llama",
                  "hidden_size": %d,
                  "intermediate_size": %d,
                  "num_attention_heads": 2,
                  "num_key_value_heads": 2,
                  "num_hidden_layers": %d,
                  "vocab_size": %d,
                %s  "rms_norm_eps": 1e-05,
                  "tie_word_embeddings": false,
                  "torch_dtype": "%s"
                }
                """.formatted(hidden, intermediate, layers, vocab, contextLength == 0 ? "" : """
                  "max_position_embeddings": %d,
                  "bos_token_id": 0,
                  "eos_token_id": 1,
                """.formatted(contextLength), switch (type) {
                    case BF16 -> "bfloat16";
                    case F16 -> "float16";
                    case F64 -> "float64";
                    default -> "float32";
                }));
        ObjectNode tc = SafetensorsFile.JSON.createObjectNode();
        if (byteLevel) {
            tc.put("bos_token", "<s>").put("eos_token", "</s>");
        }
        tc.put("model_max_length", contextLength == 0 ? 64 : contextLength).put("variant", variant);
        if (byteLevel) {
            tc.put("chat_template", CHAT_TEMPLATE);
        }
        var json = SafetensorsFile.JSON.writerWithDefaultPrettyPrinter();
        Files.writeString(dir.resolve("tokenizer_config.json"), json.writeValueAsString(tc) + "\n");
        Files.writeString(dir.resolve("tokenizer.json"), byteLevel
                ? json.writeValueAsString(ByteLevelTokenizer.tokenizer(vocab)) + "\n" : tokenizerJson());
        return dir;
    }
}
