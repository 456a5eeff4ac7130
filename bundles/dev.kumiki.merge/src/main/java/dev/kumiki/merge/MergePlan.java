package dev.kumiki.merge;

import java.io.IOException;
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

import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.Location;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.lora.LoraCache;
import dev.kumiki.merge.lora.LoraReference;
import dev.kumiki.merge.config.Problem;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelFolder;

/**
 * What a merge will do, decided from configuration and headers alone: the method, every output tensor with its
 * inputs and parameters, the models' folders, and the output model's layer count. {@link MergePlanner} makes it;
 * {@link Merger} carries it out. A plan is data: it holds no open files, so it can be kept (a pipeline plans when it
 * is configured and runs the plan later); {@link #open()} maps the inputs for a run and closes them after.
 *
 * @param config       the configuration
 * @param method       the merge method
 * @param tensors      output tensors in writing order
 * @param folders      each referenced model's folder, by the name the configuration uses
 * @param baseForFiles the model whose config.json and tokenizer files the output starts from
 * @param outputLayers number of layers of the output model
 * @param tokenizer    the output vocabulary, when tokenizer_source is set
 * @param problems     things the user should know (ignored parameters, skipped tensors), with their places
 */
public record MergePlan(MergeConfig config, MergeMethod method, List<PlannedTensor> tensors, Map<String, Path> folders,
                        String baseForFiles, Optional<Integer> outputLayers, Optional<TokenizerPlan> tokenizer,
                        List<Problem> problems) {
    public MergePlan {
        tensors = List.copyOf(tensors);
        folders = Collections.unmodifiableMap(new LinkedHashMap<>(folders));
        problems = List.copyOf(problems);
    }

    /** {@link #problems()} as messages, each after its file position when there is one. */
    public List<String> warnings() {
        return problems.stream().map(Problem::toString).toList();
    }

    /**
     * Every folder the merge reads: {@link #folders()}, and for a {@code model+lora} reference (whose folder is the
     * copy in the LoRA cache) its model's and its adapter's folders too. A merge never writes into one of them.
     */
    public Set<Path> inputFolders() {
        return MergePlanner.sources(config, folders);
    }

    /** Bytes the output's weights take. */
    public long outputBytes() {
        return tensors.stream().mapToLong(PlannedTensor::outputBytes).sum();
    }

    /**
     * The same plan written in {@code outDtype} (a user name: {@code bfloat16}, {@code float16}, {@code float32};
     * empty keeps the planned types), with {@code text} as the recipe kept beside the model. Tensors that are not
     * floating point (passthrough's integer buffers) keep their type, as {@link MergePlanner} plans them.
     *
     * @throws IllegalArgumentException when {@code outDtype} names no type
     */
    public MergePlan withOutput(Optional<String> outDtype, String text) {
        Optional<DType> type = outDtype.map(DType::ofUserName);
        List<PlannedTensor> retyped = type.isEmpty() ? tensors : tensors.stream()
                .map(t -> t.type().isFloatingPoint() && t.type() != type.get()
                        ? new PlannedTensor(t.output(), t.shape(), type.get(), t.base(), t.inputs(), t.t(),
                                t.parameters(), t.modelParameters(), t.vocabulary())
                        : t)
                .toList();
        return new MergePlan(config.withOutput(outDtype.or(config::outDtype), text), method, retyped, folders,
                baseForFiles, outputLayers, tokenizer, problems);
    }

    /**
     * The config.json a run writes beside the merged weights (that of {@link #baseForFiles()} with the output's layer
     * count, vocabulary rows and dtype), from the mapped {@code models} of a run: for consumers that build the merged
     * model in memory instead of writing it. Empty when that model has no config.json.
     */
    public Optional<com.fasterxml.jackson.databind.node.ObjectNode> outputConfig(Map<String, ModelFolder> models) {
        return ModelFiles.outputConfig(this, models.get(baseForFiles));
    }

    /**
     * Maps the input models for a run. The folders are checked against the plan: every planned input tensor must
     * still be there with the planned type (a model replaced since planning is reported, not merged).
     *
     * @throws IOException when a folder cannot be read or no longer matches the plan
     */
    public Inputs open() throws IOException {
        Map<String, ModelFolder> opened = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Path> f : folders.entrySet()) {
                Path dir = f.getValue();
                Optional<LoraReference> lora = Files.isDirectory(dir) ? Optional.empty()
                        : MergePlanner.lora(config, f.getKey(), Location.key(f.getKey()));
                if (lora.isPresent()) {
                    // the cached copy was deleted since planning: made again from the same inputs
                    Path model = MergePlanner.resolve(config, lora.get().model());
                    Path adapter = MergePlanner.resolve(config, lora.get().adapter());
                    if (!LoraCache.folder(dir.getParent(), model, adapter).equals(dir)) {
                        throw new IOException("the model or the adapter of '" + f.getKey() + "' changed since the "
                                + "merge was planned; plan the merge again");
                    }
                    LoraCache.materialise(dir.getParent(), model, adapter);
                }
                opened.put(f.getKey(), ModelFolder.open(dir));
            }
            Set<String> checked = new LinkedHashSet<>();
            for (PlannedTensor t : tensors) {
                List<PlannedTensor.Input> inputs = new ArrayList<>(t.inputs());
                t.base().ifPresent(inputs::add);
                for (PlannedTensor.Input in : inputs) {
                    if (!checked.add(in.model() + "\n" + in.tensor())) {
                        continue;
                    }
                    Optional<TensorInfo> info = opened.get(in.model()).info(in.tensor());
                    if (info.isEmpty() || info.get().dtype() != in.type()) {
                        throw new IOException("model '" + in.model() + "' (" + folders.get(in.model()) + ") changed "
                                + "since the merge was planned: tensor " + in.tensor() + " is " + info.map(i -> "now "
                                        + i.dtype()).orElse("gone") + "; plan the merge again");
                    }
                }
            }
        } catch (ConfigException e) {
            opened.values().forEach(ModelFolder::close);
            throw new IOException(e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            opened.values().forEach(ModelFolder::close);
            throw e;
        }
        return new Inputs(opened);
    }

    /** The input models of a run, mapped; {@link #close()} unmaps them. */
    public static final class Inputs implements AutoCloseable {
        private final Map<String, ModelFolder> models;
        private volatile boolean open = true;

        Inputs(Map<String, ModelFolder> models) {
            this.models = Collections.unmodifiableMap(models);
        }

        /** Each model by the name the configuration uses, for {@link Merger#builder}. */
        public Map<String, ModelFolder> models() {
            if (!open) {
                throw new IllegalStateException("the merge's inputs are closed");
            }
            return models;
        }

        public boolean isOpen() {
            return open;
        }

        /** Unmaps every input; idempotent. */
        @Override
        public synchronized void close() {
            if (open) {
                open = false;
                models.values().forEach(ModelFolder::close);
            }
        }
    }
}
