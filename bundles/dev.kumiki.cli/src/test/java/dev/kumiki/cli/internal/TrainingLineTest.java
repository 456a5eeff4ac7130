package dev.kumiki.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.kumiki.train.TrainingProgress;

/** kumiki train's progress: a bar redrawn in place on a terminal, a plain line every 5 % of the steps otherwise. */
class TrainingLineTest {
    @Test
    void progressIsALineRedrawnOnATerminalAndPlainLinesOtherwise() {
        List<TrainingProgress> steps = new ArrayList<>();
        for (int s = 1; s <= 40; s++) {
            steps.add(new TrainingProgress(s, 40, 5.0 - s * 0.1, 1e-3, 1.5, 1234.4, Duration.ofSeconds(s),
                    Duration.ofSeconds(65 * (40 - s) / 40)));
        }
        StringWriter plain = new StringWriter();
        var line = new TrainingLine(new PrintWriter(plain), false, () -> false);
        for (TrainingProgress p : steps) {
            line.step(p);
            if (p.step() == 20) {
                line.validated(20, 3.25);
            }
        }
        List<String> lines = plain.toString().lines().toList();
        // the first step, every 5 % (2 steps of 40), the validation as it comes, the last step
        assertEquals(22, lines.size(), plain.toString());
        assertEquals("step  1/40  loss 4.9000  1234 tokens/s  1m 03s left", lines.get(0));
        assertEquals("step 20/40  loss 3.0000  1234 tokens/s  32s left", lines.get(10));
        assertEquals("step 20: validation loss 3.2500", lines.get(11));
        assertEquals("step 22/40  loss 2.8000  val 3.2500  1234 tokens/s  29s left", lines.get(12));
        assertEquals("step 40/40  loss 1.0000  val 3.2500  1234 tokens/s  0s left", lines.get(21));

        StringWriter terminal = new StringWriter();
        var bar = new TrainingLine(new PrintWriter(terminal), true, () -> false);
        bar.step(steps.get(0));
        bar.step(steps.get(39));
        assertTrue(terminal.toString().startsWith("\rstep  1/40 [#                   ]  loss 4.9000  1234 tokens/s  "
                + "1m 03s left\u001b[K"), terminal.toString());
        assertTrue(terminal.toString().endsWith("\rstep 40/40 [####################]  loss 1.0000  1234 tokens/s  "
                + "0s left\u001b[K"), terminal.toString());
    }

}
