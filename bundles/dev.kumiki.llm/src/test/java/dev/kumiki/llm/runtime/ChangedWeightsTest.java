package dev.kumiki.llm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.hardware.Backend;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * A weight file truncated or rewritten by another program gives an error naming the file, never a JVM killed by
 * SIGBUS in a vector kernel reading a page the file lost: refused at open when it no longer matches its header, and
 * before the next forward pass when it changes while the model is open.
 */
class ChangedWeightsTest {
    private static final int[] PROMPT = {3, 1, 4, 1, 5, 9, 2, 6};

    @TempDir
    Path tmp;

    private static RuntimeOptions options() {
        return new RuntimeOptions(Kernels.of(Backend.VECTOR), 2, 4);
    }

    private Path model() throws Exception {
        return TinyModel.llama().set(m -> m.dtype = DType.BF16).write(tmp.resolve("m"));
    }

    private static void truncate(Path file, long bytes) throws Exception {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.truncate(bytes);
        }
    }

    @Test
    void aFileTruncatedAfterWritingIsRefusedAtOpenNamingIt() throws Exception {
        Path weights = model().resolve("model.safetensors");
        long size = Files.size(weights);
        truncate(weights, size - 100);
        var e = assertThrows(TensorFormatException.class, () -> Transformer.open(weights.getParent(), options()));
        assertTrue(e.getMessage().startsWith(weights + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("bytes of data in the file; the file is truncated"), e.getMessage());
    }

    @Test
    void aFileTruncatedWhileOpenStopsTheNextPassNamingIt() throws Exception {
        Path dir = model();
        Path weights = dir.resolve("model.safetensors");
        long size = Files.size(weights);
        try (Transformer t = Transformer.open(dir, options())) {
            Session s = t.newSession();
            // enough passes for the kernels to be compiled, as in a long generation
            for (int i = 0; i < 200; i++) {
                s.reset();
                s.append(PROMPT);
            }
            truncate(weights, size / 2);
            var e = assertThrows(UncheckedIOException.class, () -> s.append(7));
            assertEquals(weights + " changed while it was being read (it is now " + size / 2 + " bytes, expected "
                    + size + "); another program is writing or truncating it: let it finish, then run again; m was "
                    + "not run: open the model again once the file is complete", e.getMessage());
            // a fresh session of the same model is refused the same way
            assertThrows(UncheckedIOException.class, () -> t.logits(PROMPT));
        }
    }

    @Test
    void aFileRewrittenInPlaceIsRefusedToo() throws Exception {
        Path dir = model();
        Path weights = dir.resolve("model.safetensors");
        try (Transformer t = Transformer.open(dir, options())) {
            float[] before = t.newSession().append(PROMPT);
            assertEquals(t.vocabularySize(), before.length);
            FileTime later = FileTime.fromMillis(Files.getLastModifiedTime(weights).toMillis() + 60_000);
            Files.setLastModifiedTime(weights, later);
            var e = assertThrows(UncheckedIOException.class, () -> t.newSession().append(PROMPT));
            assertTrue(e.getMessage().startsWith(weights + " changed while it was being read (modified at " + later
                    + ", after it was opened); another program is writing it"), e.getMessage());
        }
    }
}
