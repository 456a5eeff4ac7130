package dev.kumiki.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training run killed with SIGKILL after a checkpoint, then started again, ends with the same weights, bit for bit,
 * as a run that was never interrupted (same seed, same data order, dropout re-seeded per step).
 */
class ResumeAfterKillTest {

    static TrainingSettings settings() {
        return TrainFixtures.settings(TrainingMode.SCRATCH, 14, 4, 2, 5, 3, Optional.empty());
    }

    @Test
    void killedRunResumesToTheSameWeights(@TempDir Path dir) throws Exception {
        // the child JVM trains with the test's own classpath and DJL settings, and is killed after checkpoint 6
        List<String> command = ChildJvm.command(e -> true, ResumeChild.class.getName(), dir.toString());
        Process child = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
        Path checkpoints = dir.resolve("killed-ckpt");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!Files.isDirectory(checkpoints.resolve("checkpoint-6"))) {
            assertTrue(child.isAlive(), () -> "the child ended before its second checkpoint: " + read(dir.resolve(
                    "child.log")));
            assertTrue(System.nanoTime() < deadline, "no checkpoint-6 after 180 s");
            Thread.sleep(20);
        }
        assertTrue(child.isAlive(), "the child must still be training when it is killed");
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, child.exitValue(), "killed by SIGKILL");
        assertFalse(Files.exists(dir.resolve("killed-out")), "a killed run writes no output");
        int newest;
        try (Stream<Path> s = Files.list(checkpoints)) {
            newest = s.mapToInt(Checkpoints::step).max().orElseThrow();
        }
        assertTrue(newest >= 6 && newest < 14, "newest checkpoint " + newest);

        // resumed in this JVM
        TrainingJob resumedJob = TrainFixtures.scratchJob(dir, settings(), "killed-out", "killed-ckpt");
        List<String> notes = new ArrayList<>();
        TrainingResult resumed = Trainer.run(resumedJob, new TrainingListener() {
            @Override
            public void note(String message) {
                notes.add(message);
            }
        }, TrainFixtures.data(resumedJob));
        assertTrue(notes.get(0).startsWith("resumed from " + checkpoints.resolve("checkpoint-" + newest)), notes
                .toString());
        assertEquals(14, resumed.steps());

        // never interrupted
        TrainingJob plainJob = TrainFixtures.scratchJob(dir, settings(), "plain-out", "plain-ckpt");
        TrainingResult plain = Trainer.run(plainJob, TrainingListener.NONE, TrainFixtures.data(plainJob));
        assertEquals(14, plain.steps());

        byte[] a = Files.readAllBytes(dir.resolve("killed-out/model.safetensors"));
        byte[] b = Files.readAllBytes(dir.resolve("plain-out/model.safetensors"));
        assertArrayEquals(b, a, "resumed weights differ from the uninterrupted run's");
        assertEquals(plain.trainLoss(), resumed.trainLoss());
        assertEquals(plain.validationLoss(), resumed.validationLoss());
        assertEquals(plain.tokens(), resumed.tokens());
        // the last two checkpoints are kept
        try (Stream<Path> s = Files.list(checkpoints)) {
            assertEquals(List.of("checkpoint-12", "checkpoint-14"), s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList());
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
