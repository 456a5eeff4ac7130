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
import dev.kumiki.merge.lora.AdaptedModel;
import dev.kumiki.merge.lora.PeftAdapter;
import dev.kumiki.nodes.settings.ApplyAdapter;
import dev.kumiki.nodes.settings.NodesPackage;

/**
 * ApplyAdapter: a PEFT adapter applied to the model at its input, lazily ({@link AdaptedModelHandle}): nothing is
 * computed until a node downstream reads the model. An adapter on disk is checked against the model when the
 * pipeline is configured (its modules exist, their shapes and the rank fit); one a Train node writes is checked when
 * it exists.
 */
public final class ApplyAdapterKind implements NodeKind<ApplyAdapter> {
    @Override
    public EClass settingsClass() {
        return NodesPackage.Literals.APPLY_ADAPTER;
    }

    @Override
    public List<Port> inputs() {
        return List.of(Port.of("model", ModelPorts.MODEL, "the base model (a folder)"),
                new Port("adapter", ModelPorts.FILE, "the adapter folder a Train node (mode lora) wrote; or set path",
                        true, false));
    }

    @Override
    public List<Port> outputs() {
        return List.of(Port.of("model", ModelPorts.MODEL, "the model with the adapter applied, computed when read"));
    }

    private static boolean pathSet(ApplyAdapter s) {
        return s.getPath() != null && !s.getPath().isBlank();
    }

    @Override
    public Map<String, PortSpec> configure(ApplyAdapter s, Inputs<PortSpec> inputs, ConfigureContext c) {
        ModelSpec model = (ModelSpec) inputs.one("model");
        Optional<PortSpec> connected = inputs.optional("adapter");
        if (model.folder().isEmpty()) {
            c.error(null, "ApplyAdapter reads the base model from a folder, and the model at its input exists only in "
                    + "memory (a merge or a model with an adapter applied): put a SaveModel before ApplyAdapter and "
                    + "connect its output");
            return Map.of();
        }
        if (connected.isPresent() && pathSet(s)) {
            c.error("path", "the adapter input is connected and path is set too; leave path empty, or disconnect the "
                    + "input");
            return Map.of();
        }
        if (connected.isPresent()) {
            if (!(connected.get() instanceof TrainedFolder t) || !t.adapter()) {
                c.error(null, "the folder at the adapter input is not a PEFT adapter (" + connected.get().summary()
                        + "); connect the folder output of a Train node whose mode is lora");
                return Map.of();
            }
            return Map.of("model", AdaptedModelHandle.spec(model));
        }
        if (!pathSet(s)) {
            c.error("path", "no adapter: connect a Train node's folder (mode lora) to the adapter input, or set path "
                    + "to a PEFT adapter folder (adapter_config.json, adapter_model.safetensors)");
            return Map.of();
        }
        Path adapter = c.resolve(s.getPath());
        if (!Files.isRegularFile(adapter.resolve(PeftAdapter.CONFIG))) {
            c.error("path", adapter + (Path.of(s.getPath()).isAbsolute() ? "" : " (relative to the pipeline file's "
                    + "folder)") + " is not a PEFT adapter folder: it has no " + PeftAdapter.CONFIG);
            return Map.of();
        }
        try (AdaptedModel checked = AdaptedModel.open(model.folder().get(), adapter)) {
            // opened only to check that the adapter fits the model: modules, shapes, rank
        } catch (IOException | RuntimeException e) {
            c.error("path", e.getMessage());
            return Map.of();
        }
        return Map.of("model", AdaptedModelHandle.spec(model));
    }

    @Override
    public String fingerprint(ApplyAdapter s, ConfigureContext c) throws IOException {
        return pathSet(s) ? Fingerprints.folder(c.resolve(s.getPath())) : "";
    }

    @Override
    public Map<String, PortValue> execute(ApplyAdapter s, Inputs<PortValue> inputs, ExecuteContext c)
            throws IOException {
        ModelHandle model = (ModelHandle) inputs.one("model");
        Path adapter = inputs.optional("adapter").map(v -> ((TrainedFolder) v).path())
                .orElseGet(() -> c.resolve(s.getPath()));
        Path base = model.spec().folder().orElseThrow(() -> new IOException("the model at the input is not a folder; "
                + "put a SaveModel before ApplyAdapter"));
        AdaptedModelHandle out = new AdaptedModelHandle(AdaptedModelHandle.spec(model.spec()), base, adapter);
        try (AdaptedModel checked = out.openAdapted()) {
            c.log(checked.adapter().modules().size() + " modules adapted (r " + checked.adapter().config().rank()
                    + ", scaling " + checked.adapter().config().scaling() + ") by " + adapter);
        }
        return Map.of("model", out);
    }
}
