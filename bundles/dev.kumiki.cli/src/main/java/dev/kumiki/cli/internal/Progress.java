package dev.kumiki.cli.internal;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of long work for people: a bar redrawn in place on a terminal, plain lines every 10 % otherwise (logs, CI,
 * pipes).
 */
final class Progress {
    private final PrintWriter out;
    private final boolean terminal;
    private final String label;
    private final long start = System.nanoTime();
    private int lastDecile = -1;
    private long lastDraw;

    Progress(PrintWriter out, boolean terminal, String label) {
        this.out = out;
        this.terminal = terminal;
        this.label = label;
    }

    /** Whether standard output is a terminal (a console with a terminal attached). */
    static boolean isTerminal() {
        var console = System.console();
        return console != null && console.isTerminal();
    }

    synchronized void update(long done, long total, String detail) {
        double fraction = total <= 0 ? 1 : done / (double) total;
        double seconds = (System.nanoTime() - start) / 1e9;
        String rate = seconds > 0 ? String.format(Locale.ROOT, "%.2f GB/s", done / 1e9 / seconds) : "";
        if (terminal) {
            long now = System.nanoTime();
            if (done < total && now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            int width = 30;
            int filled = (int) Math.round(fraction * width);
            out.printf(Locale.ROOT, "\r%s [%s%s] %3d%% %s/%s %s %s\u001b[K", label, "#".repeat(filled),
                    " ".repeat(width - filled), (int) (fraction * 100), gb(done), gb(total), rate, detail);
            out.flush();
        } else {
            int decile = (int) (fraction * 10);
            if (decile > lastDecile) {
                lastDecile = decile;
                out.printf(Locale.ROOT, "%s %3d%% %s/%s %s%n", label, decile * 10, gb(done), gb(total), rate);
                out.flush();
            }
        }
    }

    /** A bar of the fraction done, on a terminal only (where there are no bytes to count). */
    synchronized void fraction(double fraction) {
        fraction(fraction, "");
    }

    /** A bar of the fraction done followed by {@code detail}, on a terminal only. */
    synchronized void fraction(double fraction, String detail) {
        if (!terminal) {
            return;
        }
        long now = System.nanoTime();
        if (fraction < 1 && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        int width = 30;
        int filled = (int) Math.round(Math.min(1, fraction) * width);
        out.printf(Locale.ROOT, "\r%s [%s%s] %3d%%%s\u001b[K", label, "#".repeat(filled), " ".repeat(width - filled),
                (int) (fraction * 100), detail.isEmpty() ? "" : " " + detail);
        out.flush();
    }

    synchronized void finish() {
        if (terminal) {
            out.println();
        }
        out.flush();
    }

    static String gb(long bytes) {
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9)
                : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
