package dev.kumiki.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorInfo;

/** Writing a model folder as a whole: what is left on disk after success, failure, a crash or a second writer. */
class OutputFolderTest {
    @TempDir
    Path dir;

    /** The files of a folder and their contents. */
    static Map<String, String> contents(Path folder) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.toList()) {
                files.put(p.getFileName().toString(), Files.readString(p, StandardCharsets.ISO_8859_1));
            }
        }
        return files;
    }

    static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static void write(Path out, String text) throws IOException {
        try (OutputFolder f = OutputFolder.begin(out, List.of())) {
            Files.writeString(f.staging().resolve("weights.txt"), text);
            f.commit();
        }
    }

    @Test
    void writesANewFolderWithItsMarkerAndLeavesNothingBeside() throws IOException {
        Path out = dir.resolve("m");
        write(out, "one");
        assertEquals(List.of(OutputFolder.MARKER, "weights.txt"), names(out));
        assertEquals(List.of(".m.kumiki-lock", "m"), names(dir), "no staging folder; the empty lock file");
        assertEquals(0, Files.size(dir.resolve(".m.kumiki-lock")));
        assertTrue(OutputFolder.writtenByKumiki(out));
    }

    @Test
    void replacesItsOwnEarlierOutputWhole() throws IOException {
        Path out = dir.resolve("m");
        write(out, "one");
        Files.writeString(out.resolve("stale.txt"), "from the old model");
        write(out, "two");
        assertEquals(List.of(OutputFolder.MARKER, "weights.txt"), names(out), "the old folder's files are gone");
        assertEquals("two", Files.readString(out.resolve("weights.txt")));
        assertEquals(List.of(".m.kumiki-lock", "m"), names(dir));
    }

    @Test
    void replacesWithTwoRenamesWhereTheAtomicExchangeIsUnavailable() throws IOException {
        Path out = dir.resolve("m");
        write(out, "one");
        System.setProperty("kumiki.output.noExchange", "true");
        try {
            write(out, "two");
        } finally {
            System.clearProperty("kumiki.output.noExchange");
        }
        assertEquals("two", Files.readString(out.resolve("weights.txt")));
        assertEquals(List.of(".m.kumiki-lock", "m"), names(dir));
    }

    @Test
    void anEmptyFolderIsReplacedAndAFolderWithAnOlderKumikiModelCardToo() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        write(empty, "one");
        assertEquals("one", Files.readString(empty.resolve("weights.txt")));
        Path older = Files.createDirectory(dir.resolve("older"));
        Files.writeString(older.resolve("README.md"), "This is a merge of pre-trained language models made with Kumiki");
        Files.writeString(older.resolve("mergekit_config.yml"), "merge_method: linear\n");
        write(older, "new");
        assertEquals(List.of(OutputFolder.MARKER, "weights.txt"), names(older));
    }

    @Test
    void refusesAFolderOfSomeoneElseAndLeavesItUntouched() throws IOException {
        Path out = Files.createDirectory(dir.resolve("photos"));
        Files.writeString(out.resolve("holiday.jpg"), "jpeg");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> write(out, "x"));
        assertEquals(out + " is not empty and was not written by Kumiki (it has no .kumiki-output file); Kumiki "
                + "replaces only folders it wrote, so nothing of yours is deleted. Give a new or empty folder, or move "
                + "the files away first", e.getMessage());
        assertEquals(Map.of("holiday.jpg", "jpeg"), contents(out));
        assertEquals(List.of("photos"), names(dir), "refused before anything is created");
    }

    @Test
    void refusesInputsAndFiles() throws IOException {
        Path input = Files.createDirectory(dir.resolve("in"));
        Path file = Files.writeString(dir.resolve("notes.txt"), "mine");
        assertEquals("the output folder " + input + " is also an input (" + input + "); write the model to another "
                + "folder", assertThrows(IllegalArgumentException.class,
                        () -> OutputFolder.begin(input, List.of(input))).getMessage());
        assertEquals("the output folder " + dir + " contains an input (" + input + "), which replacing it would "
                + "delete; write the model to another folder", OutputFolder.problem(dir, List.of(input)).orElseThrow());
        assertEquals("the output folder " + input.resolve("sub") + " is inside an input (" + input + "); write the "
                + "model to another folder", OutputFolder.problem(input.resolve("sub"), List.of(input)).orElseThrow());
        assertEquals(file + " is an existing file, not a folder; a model is written as a folder: give another path",
                assertThrows(IllegalArgumentException.class, () -> write(file, "x")).getMessage());
        assertEquals("mine", Files.readString(file));
    }

    @Test
    void anAbandonedWriteLeavesTheOldModelAndNoStaging() throws IOException {
        Path out = dir.resolve("m");
        write(out, "one");
        try (OutputFolder f = OutputFolder.begin(out, List.of())) {
            Files.writeString(f.staging().resolve("weights.txt"), "half");
            assertTrue(Files.isDirectory(f.staging()));
            // no commit: an error happened
        }
        assertEquals("one", Files.readString(out.resolve("weights.txt")));
        assertEquals(List.of(".m.kumiki-lock", "m"), names(dir));
    }

    @Test
    void theShutdownCleanupRemovesTheStagingWhileTheWriterStillAddsFiles() throws Exception {
        // shutdown hooks run beside the thread that writes: its new and renamed files must not keep the folder
        Path out = dir.resolve("m");
        write(out, "one");
        for (int round = 0; round < 20; round++) {
            OutputFolder f = OutputFolder.begin(out, List.of());
            Path staging = f.staging();
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
            Thread writer = new Thread(() -> {
                for (int i = 0;; i++) {
                    try {
                        Path partial = staging.resolve("shard-" + i + ".partial");
                        Files.writeString(partial, "x".repeat(64));
                        Files.move(partial, staging.resolve("shard-" + i));
                    } catch (IOException e) {
                        return; // the staging folder is gone: the writer's next path fails
                    } finally {
                        started.countDown();
                    }
                }
            });
            writer.start();
            started.await();
            Thread.sleep(round % 5);
            f.abort();
            writer.join(10_000);
            assertFalse(writer.isAlive());
            f.close();
            assertEquals(List.of(".m.kumiki-lock", "m"), names(dir), "round " + round);
            assertEquals("one", Files.readString(out.resolve("weights.txt")));
        }
    }

    @Test
    void theNextWriterRepairsASwapCutBetweenItsTwoRenamesAndCleansLeftovers() throws IOException {
        Path out = dir.resolve("m");
        write(out, "old");
        // what a process killed between "rename old aside" and "rename staging to m" leaves
        Files.move(out, dir.resolve(".m.kumiki-old-0123456789ab"));
        Path staging = Files.createDirectory(dir.resolve(".m.kumiki-staging-ba9876543210"));
        Files.writeString(staging.resolve("weights.txt"), "new, complete or not");
        Files.writeString(dir.resolve(".m.kumiki-lock"), "999999999 dead\n");
        try (OutputFolder f = OutputFolder.begin(out, List.of())) {
            assertEquals("old", Files.readString(out.resolve("weights.txt")), "the old model is back first");
            assertEquals(List.of(".m.kumiki-lock", f.staging().getFileName().toString(), "m"), names(dir));
        }
        assertEquals(List.of(".m.kumiki-lock", "m"), names(dir));
        assertEquals("old", Files.readString(out.resolve("weights.txt")));
    }

    @Test
    void aSecondWriterInThisProcessIsToldToWait() throws IOException {
        Path out = dir.resolve("m");
        try (OutputFolder first = OutputFolder.begin(out, List.of())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OutputFolder.begin(out, List.of()));
            assertEquals(out + " is being written by another run in this Kumiki process (pid "
                    + ProcessHandle.current().pid() + "); wait for it or choose another folder", e.getMessage());
            Files.writeString(first.staging().resolve("weights.txt"), "first");
            first.commit();
        }
        assertEquals("first", Files.readString(out.resolve("weights.txt")), "the second writer spoiled nothing");
        write(out, "after"); // and once the first is done, the folder can be written again
    }

    @Test
    void aSecondProcessIsToldWhichProcessWritesTheFolder() throws Exception {
        Path out = dir.resolve("m");
        write(out, "old");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                HoldOutputLock.class.getName(), out.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8));
            String line = lines.readLine(); // blocks until the other process holds the lock (or dies: null)
            assertTrue(line != null && line.startsWith("holding "), String.valueOf(line));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> write(out, "mine"));
            assertEquals(out + " is being written by another Kumiki process (pid " + holder.pid() + "); wait for it "
                    + "or choose another folder", e.getMessage());
            assertEquals("old", Files.readString(out.resolve("weights.txt")));
        } finally {
            holder.getOutputStream().close();
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS), "the lock holder ends when its stdin closes");
        }
        assertEquals(0, holder.exitValue());
        write(out, "mine");
        assertEquals("mine", Files.readString(out.resolve("weights.txt")));
        assertEquals(List.of(".m.kumiki-lock", "m"), names(dir));
    }

    @Test
    void aFullDiskIsReportedWithTheFileAndTheOldModelStays() throws IOException {
        Path out = dir.resolve("m");
        write(out, "old");
        List<TensorInfo> infos = List.of(new TensorInfo("w", DType.F32, Shape.of(4)));
        IOException e;
        try (OutputFolder f = OutputFolder.begin(out, List.of())) {
            // /dev/full answers every write with ENOSPC, as a full disk does
            Path shard = f.staging().resolve(ModelFolder.SINGLE + ".partial");
            Files.createSymbolicLink(shard, Path.of("/dev/full"));
            e = assertThrows(IOException.class, () -> ModelWriter.create(f.staging(), infos, 1 << 20, Map.of()));
            assertEquals("cannot write " + shard + ": No space left on device (the disk is full: free some space or "
                    + "write to another disk)", e.getMessage());
        }
        assertEquals("old", Files.readString(out.resolve("weights.txt")));
        assertEquals(List.of(".m.kumiki-lock", "m"), names(dir));
    }

    @Test
    void writerErrorsNameTheirFile() throws IOException {
        Path missing = dir.resolve("gone").resolve(ModelFolder.SINGLE);
        IOException e = assertThrows(IOException.class, () -> SafetensorsWriter.create(missing,
                List.of(new TensorInfo("w", DType.F32, Shape.of(1))), Map.of()));
        assertEquals("cannot create " + missing + ".partial: no such file or folder", e.getMessage());
        List<String> before = new ArrayList<>(names(dir));
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve("x.safetensors"),
                List.of(new TensorInfo("w", DType.F32, Shape.of(1))), Map.of())) {
            w.write("w", 0, MemorySegment.ofArray(new float[] {1f}));
        }
        assertEquals(before, names(dir), "closed without commit: its partial file is gone");
    }
}
