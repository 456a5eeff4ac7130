package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.eclipse.emf.ecore.EClass;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.engine.ConfigureContext;
import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.engine.Inputs;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.Port;
import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.nodes.settings.DataType;
import dev.kumiki.nodes.settings.NodesPackage;
import dev.kumiki.nodes.settings.SaveModel;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ByteSizes;
import dev.kumiki.tensor.io.OutputFolder;

/**
 * SaveModel: streams the model at its input into a Hugging Face folder. Its output is kept in the cache: a re-run
 * with the same inputs and settings finds the folder unchanged and does not write it again.
 */
public final class SaveModelKind implements NodeKind<SaveModel> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public EClass settingsClass() {
        return NodesPackage.Literals.SAVE_MODEL;
    }

    @Override
    public List<Port> inputs() {
        return List.of(Port.of("model", ModelPorts.MODEL, "the model to write"));
    }

    @Override
    public List<Port> outputs() {
        return List.of(Port.of("model", ModelPorts.MODEL, "the saved model, read from its new folder"));
    }

    static Optional<DType> dtype(DataType d) {
        return d == DataType.AUTO ? Optional.empty() : Optional.of(DType.ofUserName(d.getLiteral()));
    }

    @Override
    public Map<String, PortSpec> configure(SaveModel s, Inputs<PortSpec> inputs, ConfigureContext c) {
        long shard = 0;
        try {
            shard = ByteSizes.parse(s.getShardSize());
        } catch (IllegalArgumentException e) {
            c.error("shard_size", "shard_size " + e.getMessage());
        }
        if (s.getPath() == null || s.getPath().isBlank()) {
            return Map.of();
        }
        Path out = c.resolve(s.getPath());
        ModelSpec in = (ModelSpec) inputs.one("model");
        List<Path> read = new ArrayList<>();
        in.folder().ifPresent(read::add);
        in.recipe().ifPresent(r -> read.addAll(r.folders().values()));
        // the same rules as when the model is written (OutputFolder.begin), reported before the run
        OutputFolder.problem(out, read).ifPresent(problem -> c.error("path", problem));
        if (shard <= 0) {
            return Map.of();
        }
        Optional<DType> type = dtype(s.getDtype());
        List<TensorInfo> tensors = in.tensors().stream()
                .map(t -> type.isPresent() && t.dtype().isFloatingPoint() ? t.withDType(type.get()) : t).toList();
        return Map.of("model", new ModelSpec(in.config(), in.layers(), tensors, Optional.of(out), Optional.empty()));
    }

    @Override
    public long memoryEstimate(SaveModel s, Inputs<PortSpec> inputs) {
        // streamed: per worker a few chunk buffers per input, plus the largest tensor's pages while it is written
        ModelSpec in = (ModelSpec) inputs.one("model");
        long largest = in.tensors().stream().mapToLong(TensorInfo::byteSize).max().orElse(0);
        return 256L * 1024 * 1024 + 2 * largest;
    }

    @Override
    public Map<String, PortValue> execute(SaveModel s, Inputs<PortValue> inputs, ExecuteContext c) throws IOException {
        ModelHandle in = (ModelHandle) inputs.one("model");
        Path out = c.resolve(s.getPath());
        // the node's threads setting narrows the run's (0: as many as the run allows)
        ModelHandle.SaveSummary summary = in.save(out, ByteSizes.parse(s.getShardSize()), dtype(s.getDtype()),
                c.withThreads(s.getThreads()));
        double gbs = summary.bytes() / 1e9 / Math.max(1e-9, summary.seconds());
        c.log(String.format(Locale.ROOT, "wrote %d tensors, %s, to %s in %.2f s (%.2f GB/s)", summary.tensors(),
                ModelSpec.size(summary.bytes()), out, summary.seconds(), gbs));
        ObjectNode json = JSON.createObjectNode();
        json.put("folder", out.toString());
        json.put("source", in.summary());
        json.put("tensors", summary.tensors());
        json.put("bytes", summary.bytes());
        json.put("seconds", summary.seconds());
        json.put("gb_per_s", gbs);
        json.put("kernels", summary.kernels());
        Files.createDirectories(c.recordDir());
        Files.writeString(c.recordDir().resolve("summary.json"), JSON.writeValueAsString(json));
        return Map.of("model", new FolderModel(LoadModelKind.read(out), out));
    }

    @Override
    public boolean cached() {
        return true;
    }

    @Override
    public String persist(String port, PortValue value) {
        Path folder = ((FolderModel) value).folder();
        try {
            return folder + "\n" + Fingerprints.folder(folder);
        } catch (IOException e) {
            return folder + "\n";
        }
    }

    @Override
    public Optional<PortValue> restore(SaveModel s, String port, String persisted, ConfigureContext c) {
        int nl = persisted.indexOf('\n');
        Path folder = Path.of(persisted.substring(0, nl));
        try {
            if (Files.isDirectory(folder) && Fingerprints.folder(folder).equals(persisted.substring(nl + 1))
                    && folder.equals(c.resolve(s.getPath()))) {
                return Optional.of(new FolderModel(LoadModelKind.read(folder), folder));
            }
        } catch (IOException e) {
            // changed or unreadable: written again
        }
        return Optional.empty();
    }
}
