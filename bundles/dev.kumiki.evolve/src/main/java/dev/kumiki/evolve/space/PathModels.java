package dev.kumiki.evolve.space;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.llm.Tokenizer;
import dev.kumiki.llm.runtime.DecoderConfig;
import dev.kumiki.llm.runtime.LayerPath;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.io.ModelFolder;

/**
 * The models a data-flow space's paths run through, described from their configs at once (so that models whose layers
 * cannot share a path are refused before any candidate runs) and opened once, on the first candidate's
 * {@link #open}, then shared by every path: their weights are read where they lie, never copied per candidate.
 * Thread-safe: paths over the shared models may run in parallel (each path has its own thread pool and sessions).
 */
final class PathModels implements AutoCloseable {

    /** A model of the space: its name and config now, its weights when first needed. */
    interface Source {
        PathRecipe.Model recipe();

        DecoderConfig config();

        /** Opens the model; the first model of a space also brings the tokenizer. */
        Opened open(RuntimeOptions options, boolean first) throws IOException;
    }

    /**
     * An opened model.
     *
     * @param transformer its layers (and, for the first model, embeddings and head)
     * @param tokenizer   its tokenizer, or null where it is not needed (a model that is not the first)
     * @param owner       what closing it releases
     */
    record Opened(Transformer transformer, Tokenizer tokenizer, AutoCloseable owner) {
    }

    /** A Hugging Face model folder. */
    record Folder(PathRecipe.Model recipe, DecoderConfig config) implements Source {
        static Folder of(String name, Path dir) throws IOException {
            Path file = dir.resolve(ModelFolder.CONFIG);
            JsonNode json;
            try {
                json = new ObjectMapper().readTree(dev.kumiki.tensor.io.YamlInput.readFile(file,
                        "model config.json (" + name + ")"));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new TensorFormatException(file + ": is not valid JSON: " + e.getOriginalMessage());
            }
            return new Folder(PathRecipe.Model.folder(name, dir), DecoderConfig.of(json, file.toString()));
        }

        @Override
        public Opened open(RuntimeOptions options, boolean first) throws IOException {
            Path dir = recipe.folder().orElseThrow();
            if (first) {
                TransformerLanguageModel m = TransformerLanguageModel.open(dir, options);
                return new Opened(m.transformer(), m.tokenizer(), m);
            }
            Transformer t = Transformer.open(dir, options);
            return new Opened(t, null, t);
        }
    }

    private final List<Source> sources;
    private final List<Opened> opened = new ArrayList<>();
    private List<Transformer> transformers;
    private Tokenizer tokenizer;
    private boolean closed;

    /**
     * @throws IllegalArgumentException naming the model and the config key when a model's layers cannot run in a path
     *         starting from the first model
     */
    PathModels(List<Source> sources) {
        this.sources = List.copyOf(sources);
        Source first = sources.get(0);
        for (Source s : this.sources.subList(1, this.sources.size())) {
            LayerPath.requireCompatible(first.recipe().name(), first.config(), s.recipe().name(), s.config());
        }
    }

    List<Source> sources() {
        return sources;
    }

    List<PathRecipe.Model> recipes() {
        return sources.stream().map(Source::recipe).toList();
    }

    /** The models, opened with {@code options} the first time. */
    synchronized List<Transformer> transformers(RuntimeOptions options) throws IOException {
        if (closed) {
            throw new IllegalStateException("the models of this search space were closed");
        }
        if (transformers == null) {
            List<Transformer> t = new ArrayList<>();
            try {
                for (int i = 0; i < sources.size(); i++) {
                    Opened m = sources.get(i).open(options, i == 0);
                    opened.add(m);
                    t.add(m.transformer());
                }
            } catch (IOException | RuntimeException e) {
                closeOpened();
                throw e;
            }
            tokenizer = opened.get(0).tokenizer();
            transformers = List.copyOf(t);
        }
        return transformers;
    }

    /** The first model's tokenizer (after {@link #transformers}). */
    synchronized Tokenizer tokenizer() {
        return tokenizer;
    }

    private void closeOpened() {
        for (Opened m : opened) {
            try {
                m.owner().close();
            } catch (Exception e) {
                // releasing a mapping or memory cannot fail in a way a search could act on
            }
        }
        opened.clear();
    }

    /** Closes the shared models; paths opened from them must be closed first. */
    @Override
    public synchronized void close() {
        closed = true;
        closeOpened();
        transformers = null;
    }
}
