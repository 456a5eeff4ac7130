package dev.kumiki.evolve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.evolve.space.SearchSpace;
import dev.kumiki.llm.tokenizer.PretrainedTokenizer;

/**
 * A real kill -9: a separate JVM runs a seeded search with a slow fitness and is killed with SIGKILL
 * ({@link Process#destroyForcibly()}) once two generations are checkpointed; the search resumes here, having lost at
 * most the generation in progress, and ends on the same best as an uninterrupted run.
 */
class KillResumeTest {
    static final int GENERATIONS = 7;

    @TempDir
    Path dir;

    static Search.Builder definition(SearchSpace space, PointFitness fitness, long seed, int generations) {
        return Search.builder(space, new SeededOptimizer(2, 1, 5, seed, 0.25), fitness).generations(generations)
                .seed(seed).runtimeOptions(SearchTest.RUNTIME);
    }

    @Test
    void aSearchKilledWithSigkillResumesToTheUninterruptedResult() throws Exception {
        Path model = SearchTest.tinyModel(dir.resolve("model"));
        Path folder = dir.resolve("killed");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-modules=jdk.incubator.vector");
        command.add("--enable-native-access=ALL-UNNAMED");
        for (String p : List.of("DJL_CACHE_DIR", "ai.djl.offline")) {
            if (System.getProperty(p) != null) {
                command.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SearchChild.class.getName());
        command.addAll(List.of(folder.toString(), model.toString(), "21", Integer.toString(GENERATIONS), "200"));
        Process child = new ProcessBuilder(command).redirectError(dir.resolve("child.err").toFile()).start();
        AtomicInteger printed = new AtomicInteger();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("checkpointed ")) {
                        printed.set(Integer.parseInt(line.substring(13)));
                    }
                }
            } catch (IOException e) {
                // the pipe breaks when the child is killed
            }
        });
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        int atKill = 0;
        while (System.nanoTime() < deadline && child.isAlive()) {
            Optional<SearchCheckpoint> c = readQuietly(folder);
            if (c.isPresent() && c.get().generation() >= 2) {
                atKill = c.get().generation();
                break;
            }
            Thread.sleep(20);
        }
        assertTrue(child.isAlive(), "the child ran to its end or died before the kill: "
                + Files.readString(dir.resolve("child.err")));
        child.destroyForcibly();
        assertTrue(child.waitFor(1, TimeUnit.MINUTES));
        reader.join(10_000);
        assertEquals(137, child.exitValue(), "killed by SIGKILL (128 + 9)");
        SearchCheckpoint left = SearchCheckpoint.read(folder).orElseThrow();
        assertTrue(left.generation() < GENERATIONS, "killed before the end: " + left.generation());
        assertTrue(left.generation() >= atKill, "checkpoints only move forward");
        assertTrue(left.generation() >= printed.get(), "at most the generation in progress was lost: checkpoint "
                + left.generation() + ", reported " + printed.get());
        assertTrue(left.generation() <= printed.get() + 1, "a checkpoint is reported right after it is written");

        SearchResult resumed;
        SearchResult whole;
        try (PretrainedTokenizer tokenizer = PretrainedTokenizer.load(model)) {
            // the fitness is fast here: the result cannot depend on how long candidates took
            try (Search s = Search.resume(folder, definition(new GridSpace(2, 0.05, model, tokenizer),
                    new PointFitness(0, SearchTest.TARGET), 21, GENERATIONS))) {
                assertEquals(left.generation(), s.generation());
                resumed = s.run();
            }
            try (Search s = definition(new GridSpace(2, 0.05, model, tokenizer),
                    new PointFitness(0, SearchTest.TARGET), 21, GENERATIONS).folder(dir.resolve("whole")).build()) {
                whole = s.run();
            }
        }
        assertEquals(whole.best(), resumed.best());
        assertArrayEquals(whole.testFitness(), resumed.testFitness());
        assertEquals(GENERATIONS, resumed.history().size());
        for (int g = 0; g < GENERATIONS; g++) {
            assertArrayEquals(whole.history().get(g).best(), resumed.history().get(g).best());
            assertArrayEquals(whole.history().get(g).mean(), resumed.history().get(g).mean());
        }
        assertEquals(SearchCheckpoint.read(dir.resolve("whole")).orElseThrow().optimizerState(),
                SearchCheckpoint.read(folder).orElseThrow().optimizerState());
        assertEquals(GENERATIONS, Files.readAllLines(folder.resolve("history.jsonl")).size());
    }

    private static Optional<SearchCheckpoint> readQuietly(Path folder) throws IOException {
        // the checkpoint is replaced atomically, so any read sees a whole one (or none yet)
        return Files.isDirectory(folder) ? SearchCheckpoint.read(folder) : Optional.empty();
    }
}
