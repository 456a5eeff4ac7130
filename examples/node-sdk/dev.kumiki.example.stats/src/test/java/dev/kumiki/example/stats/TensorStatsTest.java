package dev.kumiki.example.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Engine;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.engine.RunListener;
import dev.kumiki.engine.RunOptions;
import dev.kumiki.model.yaml.PipelineYaml;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SyntheticModel;

/** The example node found next to the built-in ones, fed by a merge that is never written to disk. */
class TensorStatsTest {
    @Test
    void aThirdPartyNodeReadsAMergeTensorByTensor(@TempDir Path dir) throws Exception {
        SyntheticModel.llama().dtype(DType.F32).variant(1).write(dir.resolve("a"));
        SyntheticModel.llama().dtype(DType.F32).variant(2).write(dir.resolve("b"));
        NodeKinds kinds = NodeKinds.discover();
        assertTrue(kinds.get("TensorStats").isPresent(), "found through META-INF/services like the built-in kinds");
        assertTrue(kinds.get("Merge").isPresent());

        PipelineYaml.Result read = kinds.yaml().read("""
                kumiki: 1
                nodes:
                  a: {kind: LoadModel, path: a}
                  b: {kind: LoadModel, path: b}
                  merge: {kind: Merge, method: linear, parameters: {weight: 0.5}}
                  stats: {kind: TensorStats, path: stats.csv, filter: layers.0.}
                connections: [a.model -> merge.models, b.model -> merge.models, merge.model -> stats.model]
                """, "p.kumiki");
        assertEquals(List.of(), read.errors());
        Engine engine = new Engine(kinds);
        Configuration c = engine.configure(read.pipeline(), dir);
        assertEquals(List.of(), c.diagnostics());
        Execution.Result r = engine.execute(c, RunOptions.defaults(dir), RunListener.NONE).run();
        assertEquals(Execution.Status.SUCCEEDED, r.status(), r.nodes().toString());

        List<String> lines = Files.readAllLines(dir.resolve("stats.csv"));
        assertEquals("tensor,dtype,shape,elements,mean,std,max_abs,l2_norm", lines.get(0));
        assertEquals(10, lines.size(), "the nine tensors of layer 0: " + lines);
        String[] q = lines.stream().filter(l -> l.startsWith("model.layers.0.self_attn.q_proj.weight,")).findFirst()
                .orElseThrow().split(",");
        // independently: the average of the two inputs, element by element, in double
        float[] x;
        float[] y;
        try (ModelFolder a = ModelFolder.open(dir.resolve("a")); ModelFolder b = ModelFolder.open(dir.resolve("b"))) {
            x = a.tensor("model.layers.0.self_attn.q_proj.weight").data()
                    .toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED);
            y = b.tensor("model.layers.0.self_attn.q_proj.weight").data()
                    .toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED);
        }
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < x.length; i++) {
            double m = 0.5 * x[i] + 0.5 * y[i];
            sum += m;
            squares += m * m;
        }
        assertEquals(x.length, Integer.parseInt(q[3]));
        assertEquals(sum / x.length, Double.parseDouble(q[4]), 1e-5);
        assertEquals(Math.sqrt(squares), Double.parseDouble(q[7]), 1e-4 * Math.sqrt(squares));
        assertTrue(Files.notExists(dir.resolve("out")), "nothing but the report was written");
    }
}
