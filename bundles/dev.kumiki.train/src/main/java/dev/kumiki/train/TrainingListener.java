package dev.kumiki.train;

/**
 * What a training run reports while it runs, and how it is stopped. Called on the training thread: return quickly.
 */
public interface TrainingListener {

    /** After every optimizer step. */
    default void step(TrainingProgress progress) {
    }

    /** After every validation (every {@code eval_steps} and at the end). */
    default void validated(int step, double validationLoss) {
    }

    /** After a checkpoint has been written (atomically) to {@code folder}. */
    default void checkpointed(int step, java.nio.file.Path folder) {
    }

    /** A note for the log (a setting adjusted, a tokenizer trained). */
    default void note(String message) {
    }

    /** Asked before every step: when true, the run writes a checkpoint of the last finished step and stops. */
    default boolean cancelled() {
        return false;
    }

    /** A listener that reports nothing. */
    TrainingListener NONE = new TrainingListener() {
    };
}
