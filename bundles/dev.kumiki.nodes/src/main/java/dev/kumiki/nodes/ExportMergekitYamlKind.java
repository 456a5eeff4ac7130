package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
import dev.kumiki.nodes.settings.ExportMergekitYaml;
import dev.kumiki.nodes.settings.NodesPackage;

/** ExportMergekitYaml: the recipe of the merge at its input, as a mergekit YAML file with the models' folders. */
public final class ExportMergekitYamlKind implements NodeKind<ExportMergekitYaml> {
    @Override
    public EClass settingsClass() {
        return NodesPackage.Literals.EXPORT_MERGEKIT_YAML;
    }

    @Override
    public List<Port> inputs() {
        return List.of(Port.of("model", ModelPorts.MODEL, "the output of a Merge node"));
    }

    @Override
    public List<Port> outputs() {
        return List.of(Port.of("file", ModelPorts.FILE, "the YAML file written"));
    }

    @Override
    public Map<String, PortSpec> configure(ExportMergekitYaml s, Inputs<PortSpec> inputs, ConfigureContext c) {
        ModelSpec in = (ModelSpec) inputs.one("model");
        if (in.recipe().isEmpty()) {
            c.error("model", "the model at the input is read from files and has no merge recipe; connect the output "
                    + "of a Merge node");
            return Map.of();
        }
        if (s.getPath() == null || s.getPath().isBlank()) {
            return Map.of();
        }
        return Map.of("file", new FileValue(c.resolve(s.getPath())));
    }

    static String text(MergeRecipe recipe, String node) {
        return "# mergekit recipe written by Kumiki (node '" + node + "'); run it with mergekit-yaml or kumiki merge\n"
                + recipe.portableText(Optional.empty());
    }

    @Override
    public Map<String, PortValue> execute(ExportMergekitYaml s, Inputs<PortValue> inputs, ExecuteContext c)
            throws IOException {
        ModelHandle in = (ModelHandle) inputs.one("model");
        MergeRecipe recipe = in.spec().recipe().orElseThrow(() -> new IOException("the input has no merge recipe"));
        Path file = c.resolve(s.getPath());
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, text(recipe, c.node()), StandardCharsets.UTF_8);
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        c.log("wrote " + file);
        return Map.of("file", new FileValue(file));
    }

    @Override
    public boolean cached() {
        return true;
    }

    @Override
    public String persist(String port, PortValue value) {
        Path file = ((FileValue) value).path();
        try {
            return file + "\n" + Files.readString(file).hashCode();
        } catch (IOException e) {
            return file + "\n";
        }
    }

    @Override
    public Optional<PortValue> restore(ExportMergekitYaml s, String port, String persisted, ConfigureContext c) {
        int nl = persisted.indexOf('\n');
        Path file = Path.of(persisted.substring(0, nl));
        try {
            if (file.equals(c.resolve(s.getPath())) && Files.isRegularFile(file)
                    && Integer.toString(Files.readString(file).hashCode()).equals(persisted.substring(nl + 1))) {
                return Optional.of(new FileValue(file));
            }
        } catch (IOException e) {
            // changed or unreadable: written again
        }
        return Optional.empty();
    }
}
