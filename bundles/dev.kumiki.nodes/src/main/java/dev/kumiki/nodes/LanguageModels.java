package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.llm.LanguageModel;
import dev.kumiki.llm.runtime.DecoderConfig;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.TensorSource;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.llm.tokenizer.PretrainedTokenizer;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelConfig;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * Runs the model on a model port: a folder's model is opened mapped ({@link Transformer#open}); a merge's model, never
 * saved, is computed tensor by tensor from its recipe into memory ({@link Transformer#of}) with nothing written to
 * disk. The tokenizer comes from the folder, or for a merge from the model its tokenizer files would be copied from.
 */
public final class LanguageModels {
    private LanguageModels() {
    }

    /** The runtime options of a node: the run's kernels (or the detected ones) on the node's threads. */
    public static RuntimeOptions options(ExecuteContext c) {
        Kernels k = PlanWriter.kernels(c);
        return new RuntimeOptions(k, Math.max(1, c.threads()), 64);
    }

    /**
     * A problem that keeps the runtime from running the model of {@code spec}, told from config.json alone (for
     * configure), or empty.
     */
    public static Optional<String> problem(ModelSpec spec) {
        if (spec.config().isEmpty()) {
            return Optional.of("the model has no config.json; the runtime needs one to know its architecture");
        }
        String arch = spec.config().get().architecture();
        if (!DecoderConfig.SUPPORTED.contains(arch)) {
            return Optional.of("the model is a " + arch + "; Kumiki runs " + String.join(", ", DecoderConfig.SUPPORTED));
        }
        if (spec.recipe().flatMap(r -> Optional.ofNullable(r.settings().getTokenizerSource()))
                .filter("union"::equals).isPresent()) {
            return Optional.of("a merge with tokenizer_source union has a vocabulary that exists only once it is "
                    + "saved; put a SaveModel before this node and connect its output");
        }
        return Optional.empty();
    }

    /**
     * Opens the model of {@code handle} for text in and out, encoding text without special tokens as
     * lm-evaluation-harness does (see {@link TransformerLanguageModel#withSpecialTokens}). Close it when done.
     *
     * @throws IOException when the model or its tokenizer cannot be read or run; the message says which file and why
     */
    public static TransformerLanguageModel open(ModelHandle handle, RuntimeOptions options) throws IOException {
        Optional<String> problem = problem(handle.spec());
        if (problem.isPresent()) {
            throw new IOException(problem.get());
        }
        if (handle instanceof FolderModel f) {
            PretrainedTokenizer tokenizer = PretrainedTokenizer.load(f.folder());
            try {
                return TransformerLanguageModel.of(Transformer.open(f.folder(), options), tokenizer);
            } catch (IOException | RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        }
        if (handle instanceof MergedModel m) {
            PretrainedTokenizer tokenizer = PretrainedTokenizer.load(tokenizerFolder(m.recipe()));
            try {
                return TransformerLanguageModel.of(Transformer.of(source(m), options), tokenizer);
            } catch (IOException | RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        }
        if (handle instanceof AdaptedModelHandle a) {
            PretrainedTokenizer tokenizer = PretrainedTokenizer.load(a.model());
            try {
                return TransformerLanguageModel.of(Transformer.of(source(a), options), tokenizer);
            } catch (IOException | RuntimeException e) {
                tokenizer.close();
                throw e;
            }
        }
        if (handle instanceof EvolvedModel e) {
            return e.language(options);
        }
        throw new IOException("a " + handle.getClass().getSimpleName() + " cannot be run: Kumiki runs a model folder, "
                + "a merge or a model with an adapter applied");
    }

    /** The folder whose tokenizer files a save of the merge would copy: tokenizer_source, else the base's. */
    static Path tokenizerFolder(MergeRecipe recipe) throws IOException {
        String source = recipe.settings().getTokenizerSource();
        Map<String, Path> folders = recipe.folders();
        if (source != null && !source.isBlank() && !source.equals("base") && folders.containsKey(source)) {
            return folders.get(source);
        }
        try {
            return folders.get(recipe.plan().baseForFiles());
        } catch (dev.kumiki.merge.config.ConfigException e) {
            throw new IOException(e.problem(), e);
        }
    }

    /** The merge's tensors, computed when the runtime reads them, and the config.json a save would write. */
    static TensorSource source(MergedModel m) throws IOException {
        ModelSpec spec = m.spec();
        ObjectNode config = spec.config().map(ModelConfig::json).map(ObjectNode::deepCopy).orElseThrow();
        spec.layers().ifPresent(n -> {
            if (config.has("num_hidden_layers")) {
                config.put("num_hidden_layers", n);
            }
        });
        spec.tensor("model.embed_tokens.weight").ifPresent(t -> config.put("vocab_size", t.shape().dim(0)));
        ModelHandle.TensorReader reader = m.open();
        String name = name(m);
        return new TensorSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public JsonNode config() {
                return config;
            }

            @Override
            public List<TensorInfo> tensors() {
                return reader.tensors();
            }

            @Override
            public float[] read(String tensor) throws IOException {
                return reader.read(tensor);
            }

            @Override
            public void close() {
                reader.close();
            }
        };
    }

    /** The adapted model's tensors, computed when the runtime reads them. */
    static TensorSource source(AdaptedModelHandle a) throws IOException {
        dev.kumiki.merge.lora.AdaptedModel m = a.openAdapted();
        JsonNode config = m.config().orElse(null);
        if (config == null) {
            m.close();
            throw new IOException(a.model() + " has no config.json; the runtime needs one to know the architecture");
        }
        return new TensorSource() {
            @Override
            public String name() {
                return m.name();
            }

            @Override
            public JsonNode config() {
                return config;
            }

            @Override
            public List<TensorInfo> tensors() {
                return m.tensors();
            }

            @Override
            public float[] read(String tensor) throws IOException {
                return m.read(tensor);
            }

            @Override
            public void close() {
                m.close();
            }
        };
    }

    /**
     * Memory a node running the model of {@code spec} needs: a folder's weights stay mapped (the page cache holds
     * them), a merge's are computed into the heap as F32; plus the KV cache and activations.
     */
    static long memoryEstimate(ModelSpec spec) {
        long heap = spec.recipe().isPresent() || spec.folder().isEmpty() ? spec.tensors().stream().mapToLong(t -> t.shape().elements() * 4L).sum()
                : 0;
        return heap + (256L << 20);
    }

    /** A name for reports: the model folder's name, or the merge and its inputs. */
    public static String name(ModelHandle handle) {
        if (handle instanceof FolderModel f) {
            return f.folder().getFileName().toString();
        }
        if (handle instanceof MergedModel m) {
            Map<String, String> parts = new LinkedHashMap<>();
            m.recipe().base().ifPresent(b -> parts.put(b.getKey(), " (base)"));
            m.recipe().models().keySet().forEach(k -> parts.putIfAbsent(k, ""));
            StringBuilder b = new StringBuilder(m.recipe().settings().getMethod().getLiteral()).append(" of ");
            parts.forEach((k, v) -> b.append(k).append(v).append(", "));
            return b.substring(0, b.length() - 2);
        }
        if (handle instanceof AdaptedModelHandle a) {
            return a.model().getFileName() + "+" + a.adapter().getFileName();
        }
        return handle.summary();
    }
}
