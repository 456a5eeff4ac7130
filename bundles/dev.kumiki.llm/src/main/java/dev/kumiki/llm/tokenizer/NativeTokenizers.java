package dev.kumiki.llm.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * The one place that calls DJL to create a native tokenizer, with the settings Kumiki needs around it.
 *
 * <p>DJL's defaults are wrong for Kumiki in three ways, all fixed here before DJL's first use: it calls home unless
 * offline ({@code ai.djl.offline=true} is set unless the user set it or {@code DJL_OFFLINE}); it extracts its native
 * library under {@code ~/.djl.ai} ({@code DJL_CACHE_DIR} becomes {@code $XDG_CACHE_HOME/kumiki/djl}, by default
 * {@code ~/.cache/kumiki/djl}, unless the user set it); and slf4j-simple would print its INFO lines on a command
 * line's stderr ({@code org.slf4j.simpleLogger.log.ai.djl} becomes {@code warn}, and {@code error} for its CUDA probe,
 * unless set). Inside OSGi DJL finds
 * its native library through the thread context class loader, which is set to DJL's own bundle (the api host with
 * the tokenizers fragment) while a tokenizer is created; encoding and decoding need no class loader.
 */
final class NativeTokenizers {

    private static final Object LOCK = new Object();
    private static boolean configured;

    private NativeTokenizers() {
    }

    /** Where DJL extracts its native library unless the user chose ({@code DJL_CACHE_DIR}). */
    static Path defaultCacheDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("kumiki").resolve("djl");
    }

    /**
     * A native tokenizer for the text of a {@code tokenizer.json}: no truncation (DJL would cut every encoding at
     * 512 tokens), no padding, special tokens only when asked per call.
     *
     * @throws RuntimeException what DJL throws when the library cannot load or the file is not a tokenizer
     */
    static HuggingFaceTokenizer create(String tokenizerJson) throws IOException {
        configure();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(HuggingFaceTokenizer.class.getClassLoader());
        try (var in = new ByteArrayInputStream(tokenizerJson.getBytes(StandardCharsets.UTF_8))) {
            return HuggingFaceTokenizer.newInstance(in, Map.of(
                    "addSpecialTokens", "false",
                    "truncation", "false",
                    "padding", "false"));
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private static void configure() {
        synchronized (LOCK) {
            if (configured) {
                return;
            }
            if (System.getenv("DJL_OFFLINE") == null && System.getProperty("ai.djl.offline") == null) {
                System.setProperty("ai.djl.offline", "true");
            }
            if (isUnset(System.getenv("DJL_CACHE_DIR")) && isUnset(System.getProperty("DJL_CACHE_DIR"))) {
                System.setProperty("DJL_CACHE_DIR", defaultCacheDirectory().toString());
            }
            if (System.getProperty("org.slf4j.simpleLogger.log.ai.djl") == null) {
                System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "warn");
            }
            // DJL looks for CUDA on every start and warns when a libcudart exists without a usable GPU: irrelevant
            // to a tokenizer, and noise on a command line's stderr
            if (System.getProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda") == null) {
                System.setProperty("org.slf4j.simpleLogger.log.ai.djl.util.cuda", "error");
            }
            configured = true;
        }
    }

    private static boolean isUnset(String value) {
        return value == null || value.isEmpty();
    }

    /** The directory DJL uses, as DJL decides it (environment first, then the system property). */
    static String cacheDirectory() {
        String env = System.getenv("DJL_CACHE_DIR");
        return isUnset(env) ? System.getProperty("DJL_CACHE_DIR", defaultCacheDirectory().toString()) : env;
    }
}
