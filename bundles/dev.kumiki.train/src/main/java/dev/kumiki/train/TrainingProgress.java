package dev.kumiki.train;

import java.time.Duration;

/**
 * One optimizer step's report.
 *
 * @param step            steps done (1-based)
 * @param totalSteps      steps the run will do
 * @param loss            mean training loss over the step's tokens that count
 * @param learningRate    the rate this step used
 * @param gradientNorm    global gradient norm before clipping
 * @param tokensPerSecond training tokens (counted ones and context) per second, over the last steps
 * @param elapsed         since the run (or its resumption) started
 * @param remaining       estimate from the recent step rate
 */
public record TrainingProgress(int step, int totalSteps, double loss, double learningRate, double gradientNorm,
        double tokensPerSecond, Duration elapsed, Duration remaining) {
}
