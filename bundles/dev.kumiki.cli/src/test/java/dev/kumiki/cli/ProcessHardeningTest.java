package dev.kumiki.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.io.OutputFolder;
import dev.kumiki.tensor.io.SyntheticModel;

/**
 * {@code kumiki merge} in real processes that are killed (SIGKILL, SIGTERM), run twice at once, starved of disk or
 * fed a file that shrinks: what is left under the output's name is always the complete old model or the complete new
 * one, byte for byte, and the next run cleans up and succeeds.
 */
class ProcessHardeningTest {
    @TempDir
    static Path dir;
    static Path oldCfg;
    static Path newCfg;
    static Path refOld;
    static Path refNew;

    @BeforeAll
    static void models() throws IOException {
        // a few MB per model, written in 1 MB shards: a mix of two models would show as mixed shards
        for (int v = 0; v < 3; v++) {
            SyntheticModel.llama().layers(4).hidden(256).intermediate(688).vocab(2000).variant(v)
                    .write(dir.resolve(new String[] {"base", "a", "b"}[v]));
        }
        oldCfg = Files.writeString(dir.resolve("old.yml"), linear(0.3, 0.7));
        newCfg = Files.writeString(dir.resolve("new.yml"), linear(0.6, 0.4));
        refOld = dir.resolve("ref-old");
        refNew = dir.resolve("ref-new");
        assertEquals(0, Cli.kumiki("merge", oldCfg.toString(), refOld.toString(), "--shard-size", "1MB").code());
        assertEquals(0, Cli.kumiki("merge", newCfg.toString(), refNew.toString(), "--shard-size", "1MB").code());
        assertFalse(same(refOld, refNew), "the two models differ");
        assertTrue(files(refOld).size() > 8, "several shards: " + files(refOld).keySet());
    }

    static String linear(double a, double b) {
        return """
                models:
                  - model: a
                    parameters: {weight: %s}
                  - model: b
                    parameters: {weight: %s}
                merge_method: linear
                dtype: bfloat16
                """.formatted(a, b);
    }

    /** Every file of a folder (one level: models are flat) and its bytes. */
    static Map<String, byte[]> files(Path folder) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.toList()) {
                files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    static boolean same(Path a, Path b) throws IOException {
        Map<String, byte[]> x = files(a);
        Map<String, byte[]> y = files(b);
        return x.keySet().equals(y.keySet()) && x.keySet().stream().allMatch(k -> Arrays.equals(x.get(k), y.get(k)));
    }

    /** "old", "new" or "missing"; fails for anything else (a mix, a partial model). */
    static String state(Path out) throws IOException {
        if (!Files.exists(out)) {
            return "missing";
        }
        if (same(out, refOld)) {
            return "old";
        }
        if (same(out, refNew)) {
            return "new";
        }
        fail(out + " holds neither the old nor the new model: " + files(out).keySet());
        return null;
    }

    /** Names beside {@code out} (in its parent) that a writer of {@code out} made. */
    static List<String> beside(Path out) throws IOException {
        try (Stream<Path> s = Files.list(out.getParent())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("." + out.getFileName() + "."))
                    .sorted().toList();
        }
    }

    static void resetToOld(Path out) throws IOException {
        delete(out);
        Files.createDirectories(out);
        for (String f : files(refOld).keySet()) {
            Files.copy(refOld.resolve(f), out.resolve(f), StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    static void delete(Path p) throws IOException {
        if (Files.exists(p)) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    static Process start(Path log, List<String> jvmFlags, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log")));
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        // output into a file: nothing can block on a full pipe, and it is there to read after the process ends
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    static Process merge(Path log, List<String> flags, Path cfg, Path out) throws IOException {
        return start(log, flags, Main.class.getName(), "merge", cfg.toString(), out.toString(), "--shard-size", "1MB",
                "--threads", "2");
    }

    static int await(Process p) throws InterruptedException {
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the process did not end within 120 s");
        }
        return p.exitValue();
    }

    static void noCrashLogs() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("hs_err")).toList(),
                    "no JVM crash");
        }
    }

    /** Milliseconds one merge process takes from start to exit here, to spread the kills over its life. */
    static long calibrate(Path out) throws Exception {
        resetToOld(out);
        long start = System.nanoTime();
        Path log = dir.resolve("calibrate.log");
        assertEquals(0, await(merge(log, List.of(), newCfg, out)), Files.readString(log));
        assertEquals("new", state(out));
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void killedWithSigkillAtManyPointsTheOutputIsTheOldOrTheNewModel() throws Exception {
        Path out = dir.resolve("out-kill");
        long life = calibrate(out);
        Random random = new Random(20261201);
        Map<String, Integer> seen = new TreeMap<>();
        for (int i = 0; i < 12; i++) {
            resetToOld(out);
            // every fourth run without the atomic exchange: the two-rename swap and its repair are tested too
            boolean exchange = i % 4 != 3;
            Path log = dir.resolve("kill-" + i + ".log");
            Process p = merge(log, exchange ? List.of() : List.of("-Dkumiki.output.noExchange=true"), newCfg, out);
            Thread.sleep(random.nextLong(life + life / 4));
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
            int code = await(p);
            boolean staged = beside(out).stream().anyMatch(n -> n.contains(".kumiki-staging-"));
            String state = state(out);
            if (state.equals("missing")) {
                // only between the two renames of the fallback swap; the old model waits aside, complete
                assertFalse(exchange, "with the atomic exchange the output is never missing");
                List<String> aside = beside(out).stream().filter(n -> n.contains(".kumiki-old-")).toList();
                assertEquals(1, aside.size(), beside(out).toString());
                assertTrue(same(out.resolveSibling(aside.get(0)), refOld));
            }
            seen.merge(state + (code == 0 ? " (finished)" : staged ? " (killed while writing)" : " (killed)"), 1,
                    Integer::sum);
            // the next run repairs, cleans what the killed one left and writes the new model
            Cli.Result again = Cli.kumiki("merge", newCfg.toString(), out.toString(), "--shard-size", "1MB");
            assertEquals(0, again.code(), again.err());
            assertEquals("new", state(out));
            assertEquals(List.of("." + out.getFileName() + ".kumiki-lock"), beside(out));
        }
        System.out.println("SIGKILL outcomes over 12 runs of about " + life + " ms: " + seen);
        noCrashLogs();
    }

    @Test
    void sigtermLeavesNoStagingOrPartialFiles() throws Exception {
        Path out = dir.resolve("out-term");
        long life = calibrate(out);
        Random random = new Random(7);
        Map<String, Integer> seen = new TreeMap<>();
        for (int i = 0; i < 6; i++) {
            resetToOld(out);
            Path log = dir.resolve("term-" + i + ".log");
            Process p = merge(log, List.of(), newCfg, out);
            Thread.sleep(random.nextLong(life + life / 4));
            p.destroy(); // SIGTERM, as Ctrl-C's SIGINT: shutdown hooks run
            int code = await(p);
            String state = state(out);
            assertTrue(state.equals("old") || state.equals("new"), state);
            List<String> left = new ArrayList<>(beside(out));
            left.remove("." + out.getFileName() + ".kumiki-lock");
            assertEquals(List.of(), left, "no staging folder after SIGTERM (exit " + code + "): "
                    + Files.readString(log));
            try (Stream<Path> s = Files.list(out)) {
                assertFalse(s.anyMatch(f -> f.toString().endsWith(".partial")));
            }
            seen.merge(state + " (exit " + code + ")", 1, Integer::sum);
        }
        System.out.println("SIGTERM outcomes over 6 runs of about " + life + " ms: " + seen);
    }

    @Test
    void twoProcessesWritingTheSameOutputDoNotSpoilEachOther() throws Exception {
        Path out = dir.resolve("out-twice");
        for (int i = 0; i < 3; i++) {
            resetToOld(out);
            Path log1 = dir.resolve("twice-" + i + "-1.log");
            Path log2 = dir.resolve("twice-" + i + "-2.log");
            Process p1 = merge(log1, List.of(), newCfg, out);
            Process p2 = merge(log2, List.of(), newCfg, out);
            int c1 = await(p1);
            int c2 = await(p2);
            String[] logs = {Files.readString(log1), Files.readString(log2)};
            int[] codes = {c1, c2};
            for (int k = 0; k < 2; k++) {
                if (codes[k] != 0) {
                    // refused, not spoiled: the other one held the output
                    long other = (k == 0 ? p2 : p1).pid();
                    assertEquals(2, codes[k], logs[k]);
                    assertTrue(logs[k].contains("kumiki merge: " + out + " is being written by another Kumiki process "
                            + "(pid " + other + "); wait for it or choose another folder"), logs[k]);
                }
            }
            assertTrue(c1 == 0 || c2 == 0, "one of them wrote the model");
            assertEquals("new", state(out));
            assertEquals(List.of("." + out.getFileName() + ".kumiki-lock"), beside(out));
        }
    }

    @Test
    void anInputThatShrinksDuringTheMergeIsAnErrorNotACrash() throws Exception {
        // early (interpreted code) and late, when the kernels are JIT-compiled: without a guard, a compiled vector
        // load from the shrunk mapping dies of SIGBUS with an hs_err file (seen with the truncation after 20 tensors)
        for (int after : new int[] {1, 30}) {
            Path victim = dir.resolve("victim");
            delete(victim);
            Files.createDirectories(victim);
            for (String f : files(dir.resolve("a")).keySet()) {
                Files.copy(dir.resolve("a").resolve(f), victim.resolve(f));
            }
            long size = Files.size(victim.resolve("model.safetensors"));
            Path cfg = Files.writeString(dir.resolve("victim.yml"), linear(0.5, 0.5).replace("model: a",
                    "model: victim"));
            Path out = dir.resolve("out-victim");
            Path log = dir.resolve("victim-" + after + ".log");
            Process p = start(log, List.of("-XX:-BackgroundCompilation"), TruncatingMerge.class.getName(),
                    cfg.toString(), out.toString(), victim.resolve("model.safetensors").toString(), "65536",
                    String.valueOf(after));
            int code = await(p);
            String text = Files.readString(log);
            assertEquals(1, code, text);
            assertTrue(text.contains("truncated"), text);
            assertTrue(text.contains("error: the model was not written to " + out + ": " + victim.resolve(
                    "model.safetensors") + " changed while it was being read (it is now 65536 bytes, expected " + size
                    + "); another program is writing or truncating it: let it finish, then run again"), text);
            assertFalse(Files.exists(out));
            assertEquals(List.of("." + out.getFileName() + ".kumiki-lock"), beside(out));
            noCrashLogs();
        }
    }

    @Test
    void aLoadedModelThatShrinksWhileItsTensorsAreReadIsAnErrorNotACrash() throws Exception {
        // a pipeline reading a LoadModel's tensors one by one (FolderModel, e.g. for TensorStats) used to load them
        // with vector kernels straight from the mapping: once compiled, a truncation killed the JVM with an hs_err
        Path victim = dir.resolve("read-victim");
        delete(victim);
        Files.createDirectories(victim);
        for (String f : files(dir.resolve("a")).keySet()) {
            Files.copy(dir.resolve("a").resolve(f), victim.resolve(f));
        }
        Path weights = victim.resolve("model.safetensors");
        long size = Files.size(weights);
        Path log = dir.resolve("read-victim.log");
        Process p = start(log, List.of("-XX:-BackgroundCompilation"), TruncatingRead.class.getName(),
                victim.toString(), weights.toString(), "65536", "40");
        int code = await(p);
        String text = Files.readString(log);
        assertEquals(1, code, text);
        assertTrue(text.contains("truncated"), text);
        assertTrue(text.contains("error: " + weights + " changed while it was being read (it is now 65536 bytes, "
                + "expected " + size + "); another program is writing or truncating it: let it finish, then run "
                + "again; tensor "), text);
        assertTrue(text.contains("cause: java.lang.InternalError"), text);
        noCrashLogs();
    }

    @Test
    void aFullDiskNamesTheOutputAndKeepsTheOldModel() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("small-disk"));
        long oldBytes = files(refOld).values().stream().mapToLong(b -> b.length).sum();
        long kib = (oldBytes + oldBytes / 2) / 1024 + 64;
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + kib + "k", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        boolean mounted = m.waitFor(30, TimeUnit.SECONDS) && m.exitValue() == 0;
        Assumptions.assumeTrue(mounted, "a small tmpfs can be mounted (root)");
        try {
            Path out = mount.resolve("merged");
            resetToOld(out);
            Cli.Result r = Cli.kumiki("merge", newCfg.toString(), out.toString(), "--shard-size", "1MB");
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().startsWith("kumiki merge: the model was not written to " + out + " (the model there is "
                    + "unchanged): cannot write " + mount.resolve(".merged.kumiki-staging-")), r.err());
            assertTrue(r.err().contains(": No space left on device (the disk is full: free some space or write to "
                    + "another disk)"), r.err());
            assertEquals("old", state(out));
            assertEquals(List.of(".merged.kumiki-lock"), beside(out), "the staging folder is gone");
        } finally {
            new ProcessBuilder("umount", mount.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void outputsThatAreNotOursOrAreInputsAreRefusedWithWhatToDo() throws IOException {
        Cli.Result r = Cli.kumiki("merge", newCfg.toString(), dir.resolve("a").toString());
        assertEquals(2, r.code());
        assertEquals("kumiki merge: the output folder " + dir.resolve("a") + " is also an input (" + dir.resolve("a")
                + "); write the model to another folder\n", r.err());
        Path mine = Files.createDirectories(dir.resolve("my-notes"));
        Files.writeString(mine.resolve("todo.txt"), "buy rice");
        r = Cli.kumiki("merge", newCfg.toString(), mine.toString());
        assertEquals(2, r.code());
        assertEquals("kumiki merge: " + mine + " is not empty and was not written by Kumiki (it has no .kumiki-output "
                + "file); Kumiki replaces only folders it wrote, so nothing of yours is deleted. Give a new or empty "
                + "folder, or move the files away first\n", r.err());
        assertEquals(List.of("todo.txt"), List.copyOf(files(mine).keySet()));
        Path file = Files.writeString(dir.resolve("file.bin"), "x");
        r = Cli.kumiki("merge", newCfg.toString(), file.toString());
        assertEquals(2, r.code());
        assertEquals("kumiki merge: " + file + " is an existing file, not a folder; a model is written as a folder: "
                + "give another path\n", r.err());
        r = Cli.kumiki("merge", "--dry-run", newCfg.toString(), mine.toString());
        assertEquals(2, r.code(), "a dry run checks the output too");
        // make-model follows the same rules: it replaces its own model, not someone's folder
        r = Cli.kumiki("make-model", mine.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("kumiki make-model: " + mine + " is not empty and was not written by Kumiki"));
        Path made = dir.resolve("made");
        assertEquals(0, Cli.kumiki("make-model", made.toString()).code());
        assertEquals(0, Cli.kumiki("make-model", made.toString(), "--variant", "2").code(), "its own model: replaced");
        assertTrue(Files.readString(made.resolve("tokenizer_config.json")).contains("\"variant\": 2"));
    }

    @Test
    void aRunWhoseProcessDiedIsShownAsInterrupted() throws Exception {
        Path runs = Files.createDirectories(dir.resolve("pipeline/.kumiki/runs"));
        Process gone = new ProcessBuilder("true").start();
        assertEquals(0, await(gone));
        ProcessHandle self = ProcessHandle.current();
        String record = """
                {"id": "%s", "status": "running", "pid": %d, "process_started": "%s", "pipeline": "pipeline.kumiki",
                 "nodes": {"load": {"kind": "LoadModel", "status": "done", "seconds": 0.1},
                           "save": {"kind": "SaveModel", "status": "running", "seconds": 0},
                           "recipe": {"kind": "ExportMergekitYaml", "status": "queued", "seconds": 0}}}
                """;
        Files.createDirectories(runs.resolve("20261201-000000-001"));
        Files.writeString(runs.resolve("20261201-000000-001/run.json"), record.formatted("20261201-000000-001",
                gone.pid(), "2026-12-01T00:00:00Z"));
        Files.createDirectories(runs.resolve("20261201-000000-002"));
        Files.writeString(runs.resolve("20261201-000000-002/run.json"), record.formatted("20261201-000000-002",
                self.pid(), self.info().startInstant().orElseThrow()));
        Cli.Result r = Cli.kumiki("runs", dir.resolve("pipeline").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*\\n20261201-000000-001 +interrupted +0\\.00s  load done, save interrupted, "
                + "recipe skipped\\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*\\n20261201-000000-002 +running +0\\.00s  load done, save running, "
                + "recipe queued\\n.*"), r.out());
    }

    @Test
    void aPipelineWhoseOutputIsBeingWrittenIsToldToWait() throws IOException {
        Path examples = Files.createDirectories(dir.resolve("examples"));
        Files.copy(Path.of("../../examples/ties.kumiki"), examples.resolve("ties.kumiki"),
                StandardCopyOption.REPLACE_EXISTING);
        Cli.Result demo = Cli.kumiki("demo", examples.toString(), "--untrained");
        assertEquals(0, demo.code(), demo.err());
        Path out = examples.resolve("out/ties");
        Map<String, byte[]> before = files(out);
        // another run of the same pipeline holds the output (in this process: the engine runs runs in parallel)
        try (OutputFolder other = OutputFolder.begin(out, List.of())) {
            Cli.Result r = Cli.kumiki("run", examples.resolve("ties.kumiki").toString(), "--set",
                    "merge.models.math.weight=0.3");
            assertEquals(1, r.code(), r.out());
            assertTrue((r.out() + r.err()).contains(out + " is being written by another run in this Kumiki process "
                    + "(pid " + ProcessHandle.current().pid() + "); wait for it or choose another folder"),
                    r.out() + r.err());
        }
        Map<String, byte[]> after = files(out);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((k, v) -> assertTrue(Arrays.equals(v, after.get(k)), k));
        // and the run record of a real run says which process ran it
        Cli.Result r = Cli.kumiki("run", examples.resolve("ties.kumiki").toString(), "--set",
                "merge.models.math.weight=0.3", "--json");
        assertEquals(0, r.code(), r.err());
        String record = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out()).get("record").asText();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Path.of(record, "run.json").toFile());
        assertEquals(ProcessHandle.current().pid(), json.get("pid").asLong());
        assertNotNull(json.get("process_started"));
    }
}
