package dev.kumiki.llm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.hardware.Backend;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * The forward pass against itself: the KV cache, batching, kernels, threads, sharding and the in-memory path must
 * not change the logits (beyond the order of additions where the kernels differ).
 */
class ForwardConsistencyTest {
    static final int[] TOKENS = {0, 40, 41, 250, 7, 7, 99, 180, 3, 12, 255, 101, 64, 65, 66, 1, 200, 150, 30, 31};

    @TempDir
    Path tmp;

    private static TinyModel qwen3() {
        // the widest set of features in one model: GQA, q/k norms, explicit head_dim, biases on
        return TinyModel.of("Qwen3ForCausalLM").set(m -> {
            m.headDim = 24;
            m.attentionBias = true;
            m.dtype = DType.BF16;
        });
    }

    private static RuntimeOptions options(int threads, int batch) {
        return new RuntimeOptions(Kernels.of(Backend.VECTOR), threads, batch);
    }

    @Test
    void decodingWithTheKvCacheEqualsRecomputingEverything() throws Exception {
        Path dir = qwen3().write(tmp.resolve("m"));
        try (Transformer t = Transformer.open(dir, options(2, 64))) {
            Session s = t.newSession();
            double worst = 0;
            for (int i = 0; i < TOKENS.length; i++) {
                float[] decoded = s.append(TOKENS[i]);
                // a fresh session over the whole prefix, one batched prefill, no cache carried over
                float[][] full = t.logits(java.util.Arrays.copyOf(TOKENS, i + 1));
                worst = Math.max(worst, PythonReference.relativeDifference(new float[][] {decoded},
                        new float[][] {full[i]}));
            }
            System.out.printf("KV-cache decode vs full recompute: max relative difference %.3g%n", worst);
            assertTrue(worst < 1e-5, "decode with cache differs from recompute by " + worst);
        }
    }

    @Test
    void batchedPrefillEqualsTokenByToken() throws Exception {
        Path dir = qwen3().write(tmp.resolve("m"));
        float[][] single;
        try (Transformer t = Transformer.open(dir, options(2, 1))) {
            single = t.logits(TOKENS);
        }
        for (int batch : new int[] {3, 8, 64}) {
            try (Transformer t = Transformer.open(dir, options(2, batch))) {
                double rel = PythonReference.relativeDifference(t.logits(TOKENS), single);
                System.out.printf("prefill batch %d vs token by token: max relative difference %.3g%n", batch, rel);
                assertTrue(rel < 1e-5, "batch " + batch + " differs from token-by-token by " + rel);
            }
        }
    }

    @Test
    void vectorKernelsEqualScalarKernelsForAWholeForwardPass() throws Exception {
        for (DType type : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            TinyModel m = qwen3();
            m.dtype = type;
            Path dir = m.write(tmp.resolve(type.name()));
            float[][] scalar;
            try (Transformer t = Transformer.open(dir, new RuntimeOptions(Kernels.scalar(), 1, 8))) {
                scalar = t.logits(TOKENS);
            }
            try (Transformer t = Transformer.open(dir, options(2, 8))) {
                double rel = PythonReference.relativeDifference(t.logits(TOKENS), scalar);
                System.out.printf("%s vs scalar kernels, %s weights: max relative difference %.3g%n",
                        t.options().kernels().name(), type, rel);
                assertTrue(rel < 1e-5, type + ": vector kernels differ from scalar by " + rel);
            }
        }
    }

    @Test
    void threadCountDoesNotChangeTheResult() throws Exception {
        Path dir = qwen3().write(tmp.resolve("m"));
        float[][] one;
        try (Transformer t = Transformer.open(dir, options(1, 8))) {
            one = t.logits(TOKENS);
        }
        try (Transformer t = Transformer.open(dir, options(3, 8))) {
            // rows are split between threads, never the sum of one row: the same additions in the same order
            float[][] three = t.logits(TOKENS);
            for (int i = 0; i < one.length; i++) {
                assertArrayEquals(one[i], three[i], "position " + i);
            }
        }
    }

    @Test
    void aShardedModelGivesTheSameLogitsAsOneFile() throws Exception {
        TinyModel m = qwen3();
        Path single = m.write(tmp.resolve("single"));
        m.shardBytes = 40_000;
        Path sharded = m.write(tmp.resolve("sharded"));
        assertTrue(Files.exists(sharded.resolve(ModelFolder.INDEX)), "the model should be sharded");
        try (Transformer a = Transformer.open(single, options(2, 8));
                Transformer b = Transformer.open(sharded, options(2, 8))) {
            float[][] la = a.logits(TOKENS);
            float[][] lb = b.logits(TOKENS);
            for (int i = 0; i < la.length; i++) {
                assertArrayEquals(la[i], lb[i], "position " + i);
            }
        }
    }

    @Test
    void aModelComputedInMemoryGivesTheSameLogitsAsTheSameModelSaved() throws Exception {
        TinyModel m = qwen3();
        Path dir = m.write(tmp.resolve("m"));
        JsonNode config = TinyModel.JSON.readTree(dir.resolve("config.json").toFile());
        List<TensorInfo> tensors = m.tensors();
        int[] reads = {0};
        boolean[] closed = {false};
        TensorSource source = new TensorSource() {
            @Override
            public String name() {
                return "computed qwen3";
            }

            @Override
            public JsonNode config() {
                return config;
            }

            @Override
            public List<TensorInfo> tensors() {
                return tensors;
            }

            @Override
            public float[] read(String name) throws IOException {
                reads[0]++;
                TensorInfo t = tensors.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
                // the saved model is BF16: the values it holds are these, rounded to BF16
                float[] v = m.values(t);
                java.lang.foreign.MemorySegment b = java.lang.foreign.MemorySegment.ofArray(new byte[v.length * 2]);
                Kernels.scalar().store(v, 0, v.length, b, DType.BF16, 0);
                Kernels.scalar().load(b, DType.BF16, 0, v, 0, v.length);
                return v;
            }

            @Override
            public void close() {
                closed[0] = true;
            }
        };
        try (Transformer saved = Transformer.open(dir, options(2, 8));
                Transformer computed = Transformer.of(source, options(2, 8))) {
            assertEquals(tensors.size(), reads[0], "each tensor is computed once");
            assertTrue(closed[0], "the source is closed once its tensors are read");
            assertEquals("computed qwen3", computed.name());
            float[][] a = saved.logits(TOKENS);
            float[][] b = computed.logits(TOKENS);
            // the same values, F32 on the heap instead of BF16 mapped: the kernels widen BF16 exactly
            double rel = PythonReference.relativeDifference(b, a);
            System.out.printf("in-memory vs saved BF16 model: max relative difference %.3g%n", rel);
            assertTrue(rel < 1e-6, "in-memory model differs by " + rel);
        }
    }

    @Test
    void aTruncatedSessionContinuesAsAFreshOne() throws Exception {
        Path dir = qwen3().write(tmp.resolve("m"));
        try (Transformer t = Transformer.open(dir, options(2, 4))) {
            Session s = t.newSession();
            s.append(TOKENS);
            s.truncate(7);
            float[] continued = s.append(java.util.Arrays.copyOfRange(TOKENS, 7, 12));
            float[][] fresh = t.logits(java.util.Arrays.copyOf(TOKENS, 12));
            double rel = PythonReference.relativeDifference(new float[][] {continued}, new float[][] {fresh[11]});
            assertTrue(rel < 1e-5, "truncate + append differs from a fresh pass by " + rel);
            assertEquals(12, s.length());
        }
    }
}
