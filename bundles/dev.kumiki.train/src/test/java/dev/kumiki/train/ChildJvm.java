package dev.kumiki.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import dev.kumiki.train.internal.Djl;

/** The command of a child JVM with this test run's classpath (optionally filtered), flags and DJL settings. */
final class ChildJvm {
    private ChildJvm() {
    }

    static List<String> command(Predicate<String> keep, boolean withEngineThreads, String mainClass,
            String... args) {
        // surefire runs tests from a manifest-only jar; the real classpath is in its own property
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> entries = new ArrayList<>();
        for (String e : classpath.split(java.io.File.pathSeparator)) {
            if (keep.test(e)) {
                entries.add(e);
            }
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp",
                String.join(java.io.File.pathSeparator, entries)));
        for (String p : List.of("DJL_CACHE_DIR", "ai.djl.offline")) {
            if (System.getProperty(p) != null) {
                command.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        if (withEngineThreads) {
            // the child computes with as many intra-op threads as this JVM's engine really runs (another test may
            // have started it): PyTorch's float sums, and so the weights' last bits, depend on the thread count
            Djl.engine();
            command.add("-Dai.djl.pytorch.num_threads=" + ai.djl.pytorch.jni.JniUtils.getNumThreads());
            command.add("-Dai.djl.pytorch.num_interop_threads=" + ai.djl.pytorch.jni.JniUtils.getNumInteropThreads());
        }
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }
}
