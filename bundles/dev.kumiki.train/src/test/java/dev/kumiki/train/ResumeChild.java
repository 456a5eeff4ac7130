package dev.kumiki.train;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The training run {@link ResumeAfterKillTest} starts in a child JVM and kills: the same job as the test's, slowed
 * down after every step so that the kill lands while it trains.
 */
public final class ResumeChild {
    private ResumeChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        TrainingJob job = TrainFixtures.scratchJob(dir, ResumeAfterKillTest.settings(), "killed-out", "killed-ckpt");
        Trainer.run(job, new TrainingListener() {
            @Override
            public void step(TrainingProgress p) {
                try {
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, TrainFixtures.data(job));
        System.out.println("finished " + Optional.of(job.output()));
    }
}
