package dev.kumiki.cli.internal;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalDouble;

import dev.kumiki.train.TrainingListener;
import dev.kumiki.train.TrainingProgress;

/**
 * A training run's progress for people: on a terminal one line redrawn in place (step/total with a bar, loss, the
 * last validation loss, tokens/s, time left); otherwise (logs, CI, pipes) a plain line every 5 % of the steps and at
 * every validation and checkpoint, so a log of a long run stays short and says the same.
 */
final class TrainingLine implements TrainingListener {
    private final PrintWriter out;
    private final boolean terminal;
    private final java.util.function.BooleanSupplier cancelled;
    private OptionalDouble validation = OptionalDouble.empty();
    private TrainingProgress last;
    private int lastPlainStep;
    private long lastDraw;
    private boolean drawn;

    TrainingLine(PrintWriter out, boolean terminal, java.util.function.BooleanSupplier cancelled) {
        this.out = out;
        this.terminal = terminal;
        this.cancelled = cancelled;
    }

    @Override
    public synchronized void step(TrainingProgress p) {
        last = p;
        if (terminal) {
            long now = System.nanoTime();
            if (p.step() < p.totalSteps() && drawn && now - lastDraw < 100_000_000L) {
                return; // ten redraws a second are plenty
            }
            lastDraw = now;
            drawn = true;
            out.print("\r" + line(p, validation, 20) + "\u001b[K");
            out.flush();
            return;
        }
        int every = Math.max(1, p.totalSteps() / 20);
        if (p.step() == 1 || p.step() % every == 0 || p.step() == p.totalSteps()) {
            lastPlainStep = p.step();
            out.println(line(p, validation, 0));
            out.flush();
        }
    }

    @Override
    public synchronized void validated(int step, double validationLoss) {
        validation = OptionalDouble.of(validationLoss);
        if (terminal) {
            if (last != null) {
                out.print("\r" + line(last, validation, 20) + "\u001b[K");
                out.flush();
            }
            return;
        }
        out.println(String.format(Locale.ROOT, "step %d: validation loss %.4f", step, validationLoss));
        out.flush();
    }

    @Override
    public synchronized void checkpointed(int step, Path folder) {
        message("step " + step + ": checkpoint " + folder);
    }

    @Override
    public synchronized void note(String message) {
        message(message);
    }

    @Override
    public boolean cancelled() {
        return cancelled.getAsBoolean();
    }

    /** A line of its own, above the redrawn progress line on a terminal. */
    synchronized void message(String text) {
        if (terminal && drawn) {
            out.print("\r\u001b[K");
        }
        out.println(text);
        if (terminal && last != null) {
            out.print(line(last, validation, 20) + "\u001b[K");
        }
        out.flush();
    }

    /** Ends the redrawn line. */
    synchronized void finish() {
        if (terminal && drawn) {
            out.println();
        } else if (!terminal && last != null && last.step() != lastPlainStep) {
            out.println(line(last, validation, 0));
        }
        out.flush();
    }

    /**
     * {@code step 12/200 [##        ] loss 3.2104 · val 3.4012 · 4210 tokens/s · 1m 20s left}; without a bar when
     * {@code width} is 0.
     */
    static String line(TrainingProgress p, OptionalDouble validation, int width) {
        StringBuilder b = new StringBuilder();
        int digits = String.valueOf(p.totalSteps()).length();
        b.append(String.format(Locale.ROOT, "step %" + digits + "d/%d", p.step(), p.totalSteps()));
        if (width > 0) {
            int filled = (int) Math.round(Math.min(1, p.step() / (double) Math.max(1, p.totalSteps())) * width);
            b.append(" [").append("#".repeat(filled)).append(" ".repeat(width - filled)).append(']');
        }
        b.append(String.format(Locale.ROOT, "  loss %.4f", p.loss()));
        validation.ifPresent(v -> b.append(String.format(Locale.ROOT, "  val %.4f", v)));
        b.append(String.format(Locale.ROOT, "  %.0f tokens/s", p.tokensPerSecond()));
        b.append("  ").append(duration(p.remaining())).append(" left");
        return b.toString();
    }

    /** {@code 45s}, {@code 3m 05s}, {@code 2h 07m}. */
    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh %02dm", s / 3600, s % 3600 / 60);
    }
}
