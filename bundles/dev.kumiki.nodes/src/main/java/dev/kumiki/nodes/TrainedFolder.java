package dev.kumiki.nodes;

import java.nio.file.Path;

import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;

/**
 * The folder a Train node writes, on its {@code folder} output (a {@link ModelPorts#FILE} port): a PEFT adapter for
 * lora, the trained model otherwise. Its own spec: the folder is known when the pipeline is configured.
 *
 * @param path    the folder
 * @param adapter whether it holds a PEFT adapter (adapter_config.json, adapter_model.safetensors)
 */
public record TrainedFolder(Path path, boolean adapter) implements PortValue, PortSpec {
    @Override
    public PortSpec spec() {
        return this;
    }

    @Override
    public String summary() {
        return path + (adapter ? " (PEFT adapter)" : " (model)");
    }
}
