package dev.kumiki.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * Reads of mapped tensors through copies: the values are the file's, and a file that shrinks under its mapping is an
 * IOException naming it (HotSpot's guarded copy turns the SIGBUS into an InternalError), not a crash.
 */
class MappedReadsTest {
    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final String EMBED = "model.embed_tokens.weight";

    /** 8192 x 512 bfloat16 values: 8 MiB, two pieces of {@link MappedReads#PIECE} bytes. */
    private static Path model(Path dir) throws IOException {
        return SyntheticModel.llama().layers(1).hidden(512).intermediate(64).vocab(8192).dtype(DType.BF16)
                .write(dir.resolve("m"));
    }

    @Test
    void readsEveryValueAcrossPieces(@TempDir Path dir) throws IOException {
        model(dir);
        try (ModelFolder m = ModelFolder.open(dir.resolve("m"))) {
            MemorySegment data = m.tensor(EMBED).data();
            assertTrue(data.byteSize() > MappedReads.PIECE, "more than one piece");
            float[] values = MappedReads.readAll(m, EMBED, Kernels.of(HardwareProfile.detect()));
            assertEquals(data.byteSize() / 2, values.length);
            for (int i = 0; i < values.length; i++) {
                // bfloat16 is the upper half of a float32: read independently of the kernels
                float expected = Float.intBitsToFloat((data.getAtIndex(BF16, i) & 0xffff) << 16);
                if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(values[i])) {
                    assertEquals(expected, values[i], "element " + i);
                }
            }
        }
    }

    @Test
    void aFileThatShrinksWhileItIsReadIsNamedNotACrash(@TempDir Path dir) throws IOException {
        model(dir);
        Path file = dir.resolve("m").resolve(ModelFolder.SINGLE);
        long size = Files.size(file);
        Kernels kernels = Kernels.of(HardwareProfile.detect());
        try (ModelFolder m = ModelFolder.open(dir.resolve("m"))) {
            for (String name : m.names()) {
                MappedReads.readAll(m, name, kernels); // compiles the kernels' loads before the file shrinks
            }
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                c.truncate(65536);
            }
            // the embedding's 8 MiB cannot all lie in the first 64 KiB
            IOException e = assertThrows(IOException.class, () -> MappedReads.readAll(m, EMBED, kernels));
            assertEquals(file + " changed while it was being read (it is now 65536 bytes, expected " + size
                    + "); another program is writing or truncating it: let it finish, then run again; tensor "
                    + EMBED + " was not read", e.getMessage());
            assertInstanceOf(InternalError.class, e.getCause(), "HotSpot's error for the fault is kept");
        }
    }

    @Test
    void aFaultWithoutAChangedFileSaysWhatWasRead(@TempDir Path dir) throws IOException {
        model(dir);
        try (ModelFolder m = ModelFolder.open(dir.resolve("m"))) {
            InternalError fault = new InternalError("a fault occurred in an unsafe memory access operation");
            IOException e = MappedReads.faulted(fault, "tensor " + EMBED, "it was not read", List.of(m));
            assertEquals("reading tensor " + EMBED + " failed: a fault occurred in an unsafe memory access operation "
                    + "(an input file changed or its disk failed while it was read)", e.getMessage());
            assertSame(fault, e.getCause());
            assertTrue(MappedReads.changed("x", List.of(m)).isEmpty(), "nothing changed");
        }
    }
}
