package dev.kumiki.merge.lora;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import dev.kumiki.tensor.io.ModelFolder;

/**
 * Models with an adapter applied, kept for merges that name them as {@code model+lora} (mergekit keeps such copies in
 * its {@code lora_merge_cache} too): one folder per (model, adapter) pair under {@link #directory()}, never beside the
 * inputs, named by both inputs' fingerprints so that a changed model or adapter gets a new copy. A copy is written as
 * a whole ({@link AdaptedModel#write}), so a folder found there is complete.
 * <p>
 * A model's fingerprint is the name, size and modification time of each of its files (reading gigabytes to hash them
 * would cost as much as applying the adapter); an adapter's is the SHA-256 of its two files' contents.
 */
public final class LoraCache {
    /** System property naming the cache folder. */
    public static final String PROPERTY = "kumiki.lora.cache";
    /** Environment variable naming the cache folder (when the property is not set). */
    public static final String ENVIRONMENT = "KUMIKI_LORA_CACHE";

    private LoraCache() {
    }

    /**
     * The cache folder: the system property {@value #PROPERTY}, else the environment variable {@value #ENVIRONMENT},
     * else {@code $XDG_CACHE_HOME/kumiki/lora} ({@code ~/.cache/kumiki/lora}).
     */
    public static Path directory() {
        String given = System.getProperty(PROPERTY);
        if (given == null || given.isBlank()) {
            given = System.getenv(ENVIRONMENT);
        }
        if (given != null && !given.isBlank()) {
            return Path.of(given).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("kumiki").resolve("lora").toAbsolutePath();
    }

    /** The folder under {@code cache} for {@code model} with {@code adapter} applied (whether it exists or not). */
    public static Path folder(Path cache, Path model, Path adapter) throws IOException {
        MessageDigest sha = sha256();
        sha.update(("model\n").getBytes(StandardCharsets.UTF_8));
        modelFingerprint(sha, model);
        sha.update(("adapter\n").getBytes(StandardCharsets.UTF_8));
        for (String name : List.of(PeftAdapter.CONFIG, PeftAdapter.WEIGHTS)) {
            Path f = adapter.resolve(name);
            sha.update((name + "\n").getBytes(StandardCharsets.UTF_8));
            if (Files.isRegularFile(f)) {
                try (InputStream in = Files.newInputStream(f)) {
                    byte[] buffer = new byte[1 << 16];
                    for (int n; (n = in.read(buffer)) > 0;) {
                        sha.update(buffer, 0, n);
                    }
                }
            }
        }
        String key = HexFormat.of().formatHex(sha.digest()).substring(0, 24);
        return cache.resolve(safe(model) + "+" + safe(adapter) + "-" + key);
    }

    private static void modelFingerprint(MessageDigest sha, Path model) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(model)) {
            files = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
        for (Path f : files) {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
            if (a.isRegularFile()) {
                sha.update((f.getFileName() + "\t" + a.size() + "\t" + a.lastModifiedTime().toInstant() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static String safe(Path p) {
        Path name = p.toAbsolutePath().normalize().getFileName();
        String s = name == null ? "model" : name.toString().replaceAll("[^A-Za-z0-9._-]", "_");
        return s.length() > 40 ? s.substring(0, 40) : s;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * The model in {@code model} with the adapter in {@code adapter} applied, as a folder in {@code cache}: the one
     * there if a complete copy exists, else written now (after the adapter was checked against the model).
     *
     * @throws dev.kumiki.tensor.TensorFormatException when the adapter cannot be read or does not fit the model
     */
    public static Path materialise(Path cache, Path model, Path adapter) throws IOException {
        Path folder = folder(cache, model, adapter);
        if (Files.isDirectory(folder)) {
            try (ModelFolder m = ModelFolder.open(folder)) {
                return folder;
            } catch (IOException | RuntimeException e) {
                // not a complete copy (files deleted by hand): written again below, replacing it
            }
        }
        try (AdaptedModel adapted = AdaptedModel.open(model, adapter)) {
            adapted.write(folder);
        }
        return folder;
    }

    /** {@link #materialise(Path, Path, Path)} in {@link #directory()}. */
    public static Path materialise(Path model, Path adapter) throws IOException {
        return materialise(directory(), model, adapter);
    }
}
