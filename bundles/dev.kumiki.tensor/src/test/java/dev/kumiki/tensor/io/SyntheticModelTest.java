package dev.kumiki.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.DType;

class SyntheticModelTest {
    /**
     * Tensors larger than the generator's chunk (1 Mi elements) hold the values of one pass of draws over the whole
     * tensor, computed here independently: generating a chunk at a time (so that a 7B-sized embedding never sits on
     * the heap) changed no value.
     */
    @Test
    void largeTensorsAreTheSameDrawsAsOnePass(@TempDir Path dir) throws Exception {
        int hidden = 1024;
        int vocab = 2500; // 2.56 Mi elements: two full chunks and a partial one
        SyntheticModel.llama().layers(1).hidden(hidden).intermediate(8).vocab(vocab).dtype(DType.F32).variant(2)
                .write(dir.resolve("m"));
        try (ModelFolder m = ModelFolder.open(dir.resolve("m"))) {
            String name = "model.embed_tokens.weight";
            var data = m.tensor(name).data();
            SplittableRandom base = new SplittableRandom(1234 * 1_000_003L + name.hashCode());
            SplittableRandom own = new SplittableRandom((1234 * 31 + 2) * 1_000_003L + name.hashCode());
            long n = (long) vocab * hidden;
            for (long i = 0; i < n; i++) {
                float expected = 0.2f * (float) base.nextGaussian() + 1f * (float) own.nextGaussian() * 0.1f;
                float actual = data.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED
                        .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), i);
                if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(actual)) {
                    assertEquals(expected, actual, "element " + i + " of " + name);
                }
            }
        }
    }
}
