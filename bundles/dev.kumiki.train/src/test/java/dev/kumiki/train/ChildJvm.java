package dev.kumiki.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** The command of a child JVM with this test run's classpath (optionally filtered), flags and DJL settings. */
final class ChildJvm {
    private ChildJvm() {
    }

    static List<String> command(Predicate<String> keep, String mainClass, String... args) {
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
        for (String p : List.of("DJL_CACHE_DIR", "ai.djl.offline", "kumiki.train.threads")) {
            if (System.getProperty(p) != null) {
                command.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }
}
