package dev.kumiki.ui.internal.runs;

import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.graphics.Point;
import org.eclipse.swt.graphics.Transform;

/** The titles of a chart's axes, shared by the Results view's charts so that they all read alike. */
final class Axes {
    private Axes() {
    }

    /** The horizontal axis' title, centred under the plot from {@code left} to {@code right}, its top at {@code y}. */
    static void xTitle(GC gc, String title, int left, int right, int y) {
        Point extent = gc.textExtent(title);
        gc.drawString(title, left + Math.max(0, (right - left - extent.x) / 2), y, true);
    }

    /**
     * The vertical axis' title, turned a quarter left and centred beside the plot from {@code top} to {@code bottom},
     * its left edge at {@code x}.
     */
    static void yTitle(GC gc, String title, int x, int top, int bottom) {
        Point extent = gc.textExtent(title);
        Transform turn = new Transform(gc.getDevice());
        try {
            // drawn at the origin of a coordinate system turned by -90°: the text reads bottom to top
            turn.translate(x, top + (bottom - top + extent.x) / 2f);
            turn.rotate(-90);
            gc.setTransform(turn);
            gc.drawString(title, 0, 0, true);
        } finally {
            gc.setTransform(null);
            turn.dispose();
        }
    }

    /** The room a vertical axis' title takes beside the plot. */
    static int yTitleWidth(GC gc) {
        return gc.getFontMetrics().getHeight() + 4;
    }
}
