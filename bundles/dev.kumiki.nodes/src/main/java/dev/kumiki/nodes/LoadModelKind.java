package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.emf.ecore.EClass;

import dev.kumiki.engine.ConfigureContext;
import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.engine.Inputs;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.Port;
import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.merge.LayerNames;
import dev.kumiki.nodes.settings.LoadModel;
import dev.kumiki.nodes.settings.NodesPackage;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelFolder;

/** LoadModel: a Hugging Face model folder, described from its headers and config.json, read lazily downstream. */
public final class LoadModelKind implements NodeKind<LoadModel> {
    @Override
    public EClass settingsClass() {
        return NodesPackage.Literals.LOAD_MODEL;
    }

    @Override
    public List<Port> inputs() {
        return List.of();
    }

    @Override
    public List<Port> outputs() {
        return List.of(Port.of("model", ModelPorts.MODEL, "the model, read lazily from its files"));
    }

    /** A folder's spec, from headers and config.json. */
    static ModelSpec read(Path folder) throws IOException {
        try (ModelFolder m = ModelFolder.open(folder)) {
            List<TensorInfo> tensors = m.names().stream().map(n -> m.info(n).orElseThrow()).toList();
            Optional<Integer> layers = m.config().filter(c -> c.layers().isPresent()).map(c -> c.layers().getAsInt())
                    .or(() -> m.names().stream().map(LayerNames::layer).flatMap(Optional::stream)
                            .max(Integer::compare).map(i -> i + 1));
            return new ModelSpec(m.config(), layers, tensors, Optional.of(folder), Optional.empty());
        }
    }

    private static Optional<Path> folder(LoadModel s, ConfigureContext c) {
        if (s.getPath() == null || s.getPath().isBlank()) {
            return Optional.empty();
        }
        Path dir = c.resolve(s.getPath());
        if (!Files.isDirectory(dir)) {
            c.error("path", "there is no folder " + dir + (Path.of(s.getPath()).isAbsolute() ? ""
                    : " (the path is relative to the pipeline file's folder)") + "; LoadModel reads a local Hugging "
                    + "Face model folder (config.json and *.safetensors), Kumiki downloads nothing");
            return Optional.empty();
        }
        return Optional.of(dir);
    }

    @Override
    public Map<String, PortSpec> configure(LoadModel s, Inputs<PortSpec> inputs, ConfigureContext c) {
        Optional<Path> dir = folder(s, c);
        if (dir.isEmpty()) {
            return Map.of();
        }
        try {
            return Map.of("model", read(dir.get()));
        } catch (IOException e) {
            c.error("path", "the model in " + dir.get() + " cannot be read: " + e.getMessage());
            return Map.of();
        }
    }

    @Override
    public String fingerprint(LoadModel s, ConfigureContext c) throws IOException {
        return Fingerprints.folder(c.resolve(s.getPath()));
    }

    @Override
    public Map<String, PortValue> execute(LoadModel s, Inputs<PortValue> inputs, ExecuteContext c) throws IOException {
        Path dir = c.resolve(s.getPath());
        ModelSpec spec = read(dir);
        c.log(spec.summary());
        return Map.of("model", new FolderModel(spec, dir));
    }
}
