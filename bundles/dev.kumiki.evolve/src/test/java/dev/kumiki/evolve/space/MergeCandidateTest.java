package dev.kumiki.evolve.space;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;

/** An in-memory candidate is the model the merge library writes to disk for the same recipe, logit for logit. */
class MergeCandidateTest {
    @TempDir
    Path dir;

    private static final RuntimeOptions OPTIONS = new RuntimeOptions(Kernels.scalar(), 2, 8);
    private static final int[] TOKENS = {0, 5, 9, 17, 3, 22, 8, 31};

    private ParameterSpace.Builder models(String method, int layers) throws IOException {
        SyntheticModel.llama().layers(layers).contextLength(64).variant(0).write(dir.resolve("base"));
        SyntheticModel.llama().layers(layers).contextLength(64).variant(1).write(dir.resolve("ja"));
        SyntheticModel.llama().layers(layers).contextLength(64).variant(2).write(dir.resolve("math"));
        return ParameterSpace.builder().method(method).base("base", dir.resolve("base"))
                .model("ja", dir.resolve("ja")).model("math", dir.resolve("math"));
    }

    /** The recipe merged to a folder by the merge library and opened from there. */
    private float[][] fromDisk(MergeCandidate c, long seed, String name) throws IOException, ConfigException {
        MergePlan plan = MergePlanner.plan(c.config());
        Path out = dir.resolve(name);
        try (MergePlan.Inputs inputs = plan.open()) {
            Merger.builder(plan, inputs.models()).seed(seed).threads(1).build().run(out);
        }
        try (Transformer t = Transformer.open(out, OPTIONS)) {
            return t.logits(TOKENS);
        }
    }

    private static float[][] inMemory(MergeCandidate c) throws IOException {
        try (TransformerLanguageModel m = c.open(OPTIONS)) {
            return m.transformer().logits(TOKENS);
        }
    }

    private static void assertSameLogits(float[][] expected, float[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], "position " + i);
        }
    }

    @Test
    void tiesInMemoryEqualsTheMergeWrittenToDisk() throws Exception {
        try (ParameterSpace s = models("ties", 2).build()) {
            MergeCandidate c = s.decode(new double[] {0.3, 0.8, 0.7, 0.5});
            assertSameLogits(fromDisk(c, 0, "ties"), inMemory(c));
        }
    }

    @Test
    void dareTiesWithLayerGroupsAndSeedEqualsTheMergeWrittenToDisk() throws Exception {
        try (ParameterSpace s = models("dare_ties", 4).layerGroups(2).seed(11).build()) {
            MergeCandidate c = s.decode(new double[] {0.3, 0.6, 0.7, 0.5, 0.9, 0.4, 0.2, 0.8});
            float[][] memory = inMemory(c);
            assertSameLogits(fromDisk(c, 11, "dare"), memory);
            // DARE is random: another seed gives another model, so the space's seed really is used
            assertFalse(java.util.Arrays.equals(fromDisk(c, 12, "dare12")[3], memory[3]));
            // a second candidate from the same mapped models, and the first again: unchanged
            MergeCandidate other = s.decode(new double[] {0.9, 0.2, 0.1, 0.9, 0.5, 0.5, 0.5, 0.5});
            assertNotEquals(c.key(), other.key());
            assertSameLogits(fromDisk(other, 11, "other"), inMemory(other));
            assertSameLogits(memory, inMemory(c));
        }
    }

    @Test
    void aSmoothCandidateEqualsTheMergeWrittenToDiskAndFlatPointsEqualOneGroup() throws Exception {
        try (ParameterSpace smooth = models("ties", 4).layerGroups(2).smooth(true).build();
                ParameterSpace flat = models("ties", 4).build()) {
            MergeCandidate c = smooth.decode(new double[] {0.3, 0.6, 0.7, 0.5, 0.9, 0.4, 0.2, 0.8});
            assertSameLogits(fromDisk(c, 0, "smooth"), inMemory(c));
            // a gradient whose points are equal is that one value on every layer
            MergeCandidate level = smooth.decode(new double[] {0.3, 0.6, 0.7, 0.5, 0.3, 0.6, 0.7, 0.5});
            assertSameLogits(inMemory(flat.decode(new double[] {0.3, 0.6, 0.7, 0.5})), inMemory(level));
            assertFalse(java.util.Arrays.equals(inMemory(level)[3], inMemory(c)[3]));
        }
    }

    @Test
    void candidatesOpenedAtOnceFromOneSpaceEqualThoseOpenedOneByOne() throws Exception {
        try (ParameterSpace s = models("ties", 2).build()) {
            MergeCandidate[] candidates = {s.decode(new double[] {0.1, 0.9, 0.8, 0.4}),
                    s.decode(new double[] {0.7, 0.3, 0.2, 0.6}), s.decode(new double[] {0.5, 0.5, 0.5, 0.5})};
            float[][][] alone = new float[candidates.length][][];
            for (int i = 0; i < candidates.length; i++) {
                alone[i] = inMemory(candidates[i]);
            }
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
            try {
                java.util.List<java.util.concurrent.Future<float[][]>> together = new java.util.ArrayList<>();
                for (MergeCandidate c : candidates) {
                    together.add(pool.submit(() -> inMemory(c)));
                }
                for (int i = 0; i < candidates.length; i++) {
                    assertSameLogits(alone[i], together.get(i).get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void taskArithmeticWithNegativeWeightsInFloat32EqualsDisk() throws Exception {
        try (ParameterSpace s = models("task_arithmetic", 2).allowNegativeWeights(true).dtype("float32").build()) {
            MergeCandidate c = s.decode(new double[] {0.2, 0.95});
            assertSameLogits(fromDisk(c, 0, "ta"), inMemory(c));
        }
    }

    /**
     * Decoding and merging in memory against evaluation, on a model 8 times wider than the others here (hidden 128,
     * 4 layers, 300 tokens): the time to decode and merge a candidate, and the time of a forward pass over 64 tokens
     * (a fitness scores many such passes), printed with the load average; timings are not asserted (the machine is
     * shared).
     */
    @Test
    void overheadIsMeasured() throws Exception {
        for (String m : new String[] {"base", "ja", "math"}) {
            SyntheticModel.llama().layers(4).hidden(128).intermediate(344).vocab(300).contextLength(128)
                    .variant(m.equals("base") ? 0 : m.length()).write(dir.resolve("w" + m));
        }
        try (ParameterSpace s = ParameterSpace.builder().method("dare_ties").base("base", dir.resolve("wbase"))
                .model("ja", dir.resolve("wja")).model("math", dir.resolve("wmath")).layerGroups(2).build()) {
            for (RuntimeOptions options : new RuntimeOptions[] {OPTIONS, RuntimeOptions.defaults().withThreads(2)}) {
                java.util.SplittableRandom random = new java.util.SplittableRandom(3);
                int[] tokens = random.ints(64, 2, 300).toArray();
                long decode = 0;
                long plan = 0;
                long merge = 0;
                long evaluate = 0;
                int n = 10;
                for (int i = 0; i < n + 2; i++) {
                    double[] g = random.doubles(s.dimensions()).toArray();
                    long t0 = System.nanoTime();
                    MergeCandidate c = s.decode(g);
                    long t1 = System.nanoTime();
                    MergePlanner.plan(c.config(), s.opened());
                    long tp = System.nanoTime();
                    try (TransformerLanguageModel model = c.open(options)) {
                        long t2 = System.nanoTime();
                        float[][] logits = model.transformer().logits(tokens);
                        long t3 = System.nanoTime();
                        assertEquals(300, logits[63].length);
                        if (i >= 2) { // the first candidates warm the JIT
                            decode += t1 - t0;
                            plan += tp - t1;
                            merge += t2 - tp;
                            evaluate += t3 - t2;
                        }
                    }
                }
                String load = Files.readString(Path.of("/proc/loadavg")).trim();
                System.out.printf(Locale.ROOT, "MergeCandidateTest overhead (%d candidates of dare_ties, 2 layer "
                        + "groups, 3 models of 4 layers, hidden 128, %s kernels, %d threads): decode %.3f ms, plan "
                        + "%.3f ms, plan + merge in memory %.3f ms, forward pass over 64 tokens %.3f ms; load average "
                        + "%s%n", n, options.kernels().getClass().getSimpleName(), options.threads(), decode / 1e6 / n,
                        plan / 1e6 / n, (plan + merge) / 1e6 / n, evaluate / 1e6 / n, load);
            }
        }
    }
}
