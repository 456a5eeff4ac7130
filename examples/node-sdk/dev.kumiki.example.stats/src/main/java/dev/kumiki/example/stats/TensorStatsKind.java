package dev.kumiki.example.stats;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.emf.ecore.EClass;

import dev.kumiki.engine.ConfigureContext;
import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.engine.Inputs;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.Port;
import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.nodes.FileValue;
import dev.kumiki.nodes.ModelHandle;
import dev.kumiki.nodes.ModelPorts;
import dev.kumiki.nodes.ModelSpec;
import dev.kumiki.tensor.TensorInfo;

/**
 * TensorStats: a node kind from outside Kumiki, written against the node SDK only (the engine's NodeKind, the
 * built-in port types, the model handle). It reads the model at its input tensor by tensor and writes a CSV line
 * per tensor.
 */
public final class TensorStatsKind implements NodeKind<TensorStats> {
    @Override
    public EClass settingsClass() {
        return StatsPackage.Literals.TENSOR_STATS;
    }

    @Override
    public List<Port> inputs() {
        return List.of(Port.of("model", ModelPorts.MODEL, "the model to describe"));
    }

    @Override
    public List<Port> outputs() {
        return List.of(Port.of("report", ModelPorts.FILE, "the CSV file"));
    }

    private static List<TensorInfo> chosen(TensorStats s, List<TensorInfo> all) {
        var stream = all.stream().filter(t -> t.dtype().isFloatingPoint())
                .filter(t -> s.getFilter() == null || s.getFilter().isEmpty() || t.name().contains(s.getFilter()));
        return (s.getMaxTensors() > 0 ? stream.limit(s.getMaxTensors()) : stream).toList();
    }

    @Override
    public Map<String, PortSpec> configure(TensorStats s, Inputs<PortSpec> inputs, ConfigureContext c) {
        ModelSpec model = (ModelSpec) inputs.one("model");
        if (chosen(s, model.tensors()).isEmpty()) {
            c.warning("filter", "no floating-point tensor of the model matches '" + s.getFilter() + "'; the report "
                    + "will be empty");
        }
        return s.getPath() == null ? Map.of() : Map.of("report", new FileValue(c.resolve(s.getPath())));
    }

    @Override
    public Map<String, PortValue> execute(TensorStats s, Inputs<PortValue> inputs, ExecuteContext c)
            throws IOException {
        ModelHandle model = (ModelHandle) inputs.one("model");
        Path file = c.resolve(s.getPath());
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        try (ModelHandle.TensorReader reader = model.open();
                Writer out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
            List<TensorInfo> tensors = chosen(s, reader.tensors());
            out.write("tensor,dtype,shape,elements,mean,std,max_abs,l2_norm\n");
            for (int i = 0; i < tensors.size(); i++) {
                c.checkCancelled();
                TensorInfo t = tensors.get(i);
                float[] v = reader.read(t.name());
                double sum = 0;
                double squares = 0;
                double maxAbs = 0;
                for (float x : v) {
                    sum += x;
                    squares += (double) x * x;
                    maxAbs = Math.max(maxAbs, Math.abs(x));
                }
                double mean = sum / v.length;
                double variance = Math.max(0, squares / v.length - mean * mean);
                out.write(String.format(Locale.ROOT, "%s,%s,%s,%d,%.6g,%.6g,%.6g,%.6g%n", t.name(),
                        t.dtype().safetensorsName(), t.shape().toString().replace(", ", "x"), v.length, mean,
                        Math.sqrt(variance), maxAbs, Math.sqrt(squares)));
                c.progress((i + 1.0) / tensors.size(), t.name());
            }
            c.log("described " + tensors.size() + " tensors in " + file);
        }
        Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return Map.of("report", new FileValue(file));
    }
}
