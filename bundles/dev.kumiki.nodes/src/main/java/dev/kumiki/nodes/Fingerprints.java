package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A model folder's fingerprint for cache keys: every file's name, size and modification time, and the
 * safetensors headers (tensor names, types, shapes, offsets) — cheap to compute, and it changes whenever the model
 * does.
 */
final class Fingerprints {
    private Fingerprints() {
    }

    static String folder(Path dir) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".partial"))
                    .sorted().toList();
        }
        for (Path f : files) {
            digest.update((f.getFileName() + "|" + Files.size(f) + "|" + Files.getLastModifiedTime(f).toMillis() + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            if (f.getFileName().toString().endsWith(".safetensors")) {
                digest.update(header(f));
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static byte[] header(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(length, 0) < 8) {
                return new byte[0];
            }
            long n = length.flip().getLong();
            if (n <= 0 || n > Math.min(100_000_000L, ch.size() - 8)) {
                return new byte[0];
            }
            ByteBuffer json = ByteBuffer.allocate((int) n);
            ch.read(json, 8);
            return json.array();
        }
    }
}
