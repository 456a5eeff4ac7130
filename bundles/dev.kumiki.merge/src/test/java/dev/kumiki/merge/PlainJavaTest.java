package dev.kumiki.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/** The merge library is a plain Java library: it merges with no OSGi, Eclipse or EMF class anywhere. */
class PlainJavaTest {

    @Test
    void mergesWithoutEclipseOsgiOrEmf(@TempDir Path dir) throws Exception {
        for (String absent : new String[] {"org.osgi.framework.Bundle", "org.eclipse.core.runtime.Platform",
                "org.eclipse.emf.ecore.EObject", "org.eclipse.swt.widgets.Display"}) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(absent), absent + " is on the class path");
        }
        SyntheticModel.llama().variant(0).write(dir.resolve("base"));
        SyntheticModel.llama().variant(1).write(dir.resolve("a"));
        Path cfg = Files.writeString(dir.resolve("m.yml"), """
                models:
                  - model: a
                    parameters: {weight: 1.0}
                merge_method: task_arithmetic
                base_model: base
                """);
        Map<String, ModelFolder> models = new HashMap<>();
        try {
            MergePlan plan = MergePlanner.plan(MergeConfigReader.read(cfg, w -> { }), models);
            Merger.builder(plan, models).kernels(Kernels.scalar()).build().run(dir.resolve("out"));
        } finally {
            models.values().forEach(ModelFolder::close);
        }
        // base + 1.0 · (a − base) is a: the merged model equals model a (both BF16, so exactly)
        try (ModelFolder a = ModelFolder.open(dir.resolve("a")); ModelFolder out = ModelFolder.open(dir.resolve("out"))) {
            for (String name : a.names()) {
                assertEquals(a.tensor(name).data().mismatch(out.tensor(name).data()), -1L, name);
            }
        }
    }
}
