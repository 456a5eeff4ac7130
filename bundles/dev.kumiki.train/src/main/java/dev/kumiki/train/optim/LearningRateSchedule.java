package dev.kumiki.train.optim;

/**
 * Linear warm-up from 0 to the peak rate, then a half cosine down to {@code peak × minRatio}: the schedule of
 * transformers' {@code get_cosine_with_min_lr_schedule_with_warmup} (with {@code minRatio} 0 it is
 * {@code get_cosine_schedule_with_warmup}). As there, the first optimizer step uses the rate of step 0, which is 0
 * when there is a warm-up.
 *
 * @param peak       the learning rate at the end of the warm-up
 * @param warmup     warm-up steps
 * @param total      optimizer steps of the whole run
 * @param minRatio   the rate the cosine ends at, as a share of the peak (0 to 1)
 */
public record LearningRateSchedule(double peak, int warmup, int total, double minRatio) {

    public LearningRateSchedule {
        if (warmup < 0 || total < 1 || minRatio < 0 || minRatio > 1) {
            throw new IllegalArgumentException("schedule needs warmup >= 0, total >= 1 and 0 <= minRatio <= 1; found "
                    + warmup + ", " + total + ", " + minRatio);
        }
    }

    /** The rate of the optimizer step that follows {@code done} finished steps (transformers' current_step). */
    public double rate(int done) {
        return peak * factor(done);
    }

    private double factor(int done) {
        if (done < warmup) {
            return (double) done / Math.max(1, warmup);
        }
        double progress = (double) (done - warmup) / Math.max(1, total - warmup);
        double cosine = 0.5 * (1.0 + Math.cos(Math.PI * progress));
        return Math.max(0, cosine * (1 - minRatio) + minRatio);
    }
}
