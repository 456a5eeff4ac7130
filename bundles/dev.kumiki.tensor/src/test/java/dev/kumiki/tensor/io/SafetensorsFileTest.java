package dev.kumiki.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.TensorInfo;

class SafetensorsFileTest {

    @TempDir
    Path dir;

    /** A file written byte by byte as the format describes it, independently of SafetensorsWriter. */
    static Path handWritten(Path file, String headerJson, byte[] data) throws IOException {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put(data);
        Files.write(file, b.array());
        return file;
    }

    @Test
    void readsAHandWrittenFileWithMetadata() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(8 + 4).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1.5f).putFloat(-2.25f).put((byte) 0x80).put((byte) 0x3f).put((byte) 0x00).put((byte) 0xc0);
        Path file = handWritten(dir.resolve("a.safetensors"), "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[8,12]}}", data.array());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(List.of("w", "b"), f.names());
            assertEquals(Map.of("format", "pt"), f.metadata());
            MappedTensor w = f.tensor("w");
            assertEquals(new TensorInfo("w", DType.F32, Shape.of(2)), w.info());
            assertEquals(-2.25f, w.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4));
            MappedTensor b = f.tensor("b");
            assertEquals(Shape.of(1, 2), b.info().shape());
            assertEquals((short) 0x3f80, b.data().get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
        }
    }

    @Test
    void everyDTypeRoundTripsByteForByteWithMetadata() throws IOException {
        Random random = new Random(7);
        List<TensorInfo> infos = new ArrayList<>();
        for (DType d : DType.values()) {
            infos.add(new TensorInfo("t." + d.name().toLowerCase(), d, Shape.of(3, 5)));
        }
        infos.add(new TensorInfo("scalar", DType.F32, Shape.of()));
        infos.add(new TensorInfo("empty", DType.BF16, Shape.of(0, 4)));
        Map<String, byte[]> written = new java.util.HashMap<>();
        Path file = dir.resolve("all.safetensors");
        try (SafetensorsWriter w = SafetensorsWriter.create(file, infos, Map.of("format", "pt", "note", "ü"))) {
            for (TensorInfo t : infos) {
                byte[] bytes = new byte[(int) t.byteSize()];
                random.nextBytes(bytes);
                written.put(t.name(), bytes);
                w.write(t.name(), 0, MemorySegment.ofArray(bytes));
            }
            assertFalse(Files.exists(file), "the file has its name only once complete");
            assertTrue(Files.exists(SafetensorsWriter.partialName(file)));
            w.commit();
        }
        assertFalse(Files.exists(SafetensorsWriter.partialName(file)));
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "header padded to 8 bytes");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(infos.stream().map(TensorInfo::name).toList(), f.names());
            assertEquals(Map.of("format", "pt", "note", "ü"), f.metadata());
            for (TensorInfo t : infos) {
                assertEquals(t, f.info(t.name()).orElseThrow());
                assertArrayEquals(written.get(t.name()), f.tensor(t.name()).data().toArray(ValueLayout.JAVA_BYTE),
                        t.name());
            }
        }
    }

    @Test
    void closingWithoutCommitLeavesNothing() throws IOException {
        Path file = dir.resolve("x.safetensors");
        try (SafetensorsWriter w = SafetensorsWriter.create(file, List.of(new TensorInfo("a", DType.F32,
                Shape.of(4))), Map.of())) {
            w.write("a", 0, MemorySegment.ofArray(new byte[16]));
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void aFileWithMissingBytesIsNotCommitted() throws IOException {
        Path file = dir.resolve("short.safetensors");
        try (SafetensorsWriter w = SafetensorsWriter.create(file, List.of(new TensorInfo("a", DType.F32, Shape.of(4)),
                new TensorInfo("b", DType.F32, Shape.of(2))), Map.of())) {
            w.write("a", 0, MemorySegment.ofArray(new byte[16]));
            w.write("b", 4, MemorySegment.ofArray(new byte[4]));
            IllegalStateException e = assertThrows(IllegalStateException.class, w::commit);
            assertEquals("tensor 'b' of " + file + " got 4 of its 8 bytes; the file is not complete", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> w.write("b", 4, MemorySegment.ofArray(new byte[8])));
        }
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(SafetensorsWriter.partialName(file)));
    }

    @Test
    void tensorsBeyondTwoGibibytesAreReadFromTheMapping() throws IOException {
        // a sparse file: 2 GiB + 16 bytes of padding tensor, then a small F32 tensor at the end
        long pad = (1L << 31) + 16;
        String header = "{\"pad\":{\"dtype\":\"U8\",\"shape\":[" + pad + "],\"data_offsets\":[0," + pad + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[" + pad + "," + (pad + 16) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("big.safetensors");
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.SPARSE)) {
            ByteBuffer start = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN);
            start.putLong(h.length).put(h).flip();
            c.write(start);
            ByteBuffer tail = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            tail.putFloat(1f).putFloat(2f).putFloat(3f).putFloat(4.5f).flip();
            c.write(tail, 8 + h.length + pad);
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            MemorySegment t = f.tensor("tail").data();
            assertEquals(4.5f, t.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 12));
            assertEquals(pad, f.tensor("pad").data().byteSize());
        }
    }

    private String openError(String headerJson, int dataBytes) throws IOException {
        Path file = handWritten(dir.resolve("bad.safetensors"), headerJson, new byte[dataBytes]);
        TensorFormatException e = assertThrows(TensorFormatException.class, () -> SafetensorsFile.open(file));
        return e.getMessage().replace(file.toString(), "FILE");
    }

    @Test
    void badFilesAreRefusedWithWhatIsWrong() throws IOException {
        assertEquals("FILE: the header is not valid JSON (Unexpected end-of-input: expected close marker for Object "
                + "at line 1, column 8)", openError("{\"a\":{}", 0));
        assertEquals("FILE: tensor 'a' has dtype 'F8_E4M3', which Kumiki cannot read (it reads F64, F32, F16, BF16, "
                + "I64, I32, I16, I8, U8, BOOL); convert the model to one of those",
                openError("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
        assertEquals("FILE: tensor 'a' (F32 [2, 3]) needs 24 bytes but its data_offsets [0, 20] span 20",
                openError("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 24));
        assertEquals("FILE: tensor 'a' has data_offsets [0, 24] beyond the 16 bytes of data in the file; the file is "
                + "truncated", openError("{\"a\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}", 16));
        assertEquals("FILE: tensors 'a' [0, 8] and 'b' [4, 12] overlap",
                openError("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
        assertEquals("FILE: tensor 'a' has shape [2,-1]; dimensions must be integers >= 0",
                openError("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,0]}}", 0));
        assertEquals("FILE: __metadata__ value of 'n' must be a string, found NUMBER",
                openError("{\"__metadata__\":{\"n\":1}}", 0));
        assertTrue(openError("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)
                .contains("Duplicate field 'a'"));
    }

    @Test
    void impossibleHeaderLengthsAndShortFilesAreRefused() throws IOException {
        Path shortFile = dir.resolve("short.safetensors");
        Files.write(shortFile, new byte[5]);
        assertEquals(shortFile + ": 5 bytes is too short for safetensors (it starts with an 8-byte header length); "
                + "the file is truncated or not safetensors",
                assertThrows(TensorFormatException.class, () -> SafetensorsFile.open(shortFile)).getMessage());
        Path huge = dir.resolve("huge.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1_000_000L).putLong(0);
        Files.write(huge, b.array());
        assertEquals(huge + ": header length 1000000 is impossible for a file of 16 bytes (it must be 2..8); the file "
                + "is truncated or not safetensors",
                assertThrows(TensorFormatException.class, () -> SafetensorsFile.open(huge)).getMessage());
        Path html = dir.resolve("page.safetensors");
        Files.writeString(html, "<!DOCTYPE html><html>Not Found</html>");
        assertTrue(assertThrows(TensorFormatException.class, () -> SafetensorsFile.open(html)).getMessage()
                .contains("is impossible for a file of 37 bytes"));
    }
}
