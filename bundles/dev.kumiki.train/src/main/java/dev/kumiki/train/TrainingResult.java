package dev.kumiki.train;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What a finished (or cancelled) run produced.
 *
 * @param output         the model or adapter folder written; empty when the run was cancelled before its end
 * @param steps          optimizer steps done, including those of earlier runs it resumed
 * @param trainLoss      mean training loss of the last step
 * @param validationLoss the last validation loss, when there was a validation split
 * @param tokens         training tokens processed
 * @param time           wall time of this run (not of the runs it resumed)
 * @param cancelled      stopped by {@link TrainingListener#cancelled()}
 * @param lastCheckpoint the newest checkpoint on disk
 */
public record TrainingResult(Optional<Path> output, int steps, double trainLoss, OptionalDouble validationLoss,
        long tokens, Duration time, boolean cancelled, Optional<Path> lastCheckpoint) {
}
