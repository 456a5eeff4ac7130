package dev.kumiki.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

class ExactMatchFigureTest {

    private final ExactMatchFigure metric = new ExactMatchFigure();

    /** prediction, reference, expected score: Python's float() semantics, as worked out by hand. */
    private static final List<Object[]> CASES = List.of(
            new Object[] {"12", "12.0", 1.0},
            new Object[] {"１２", "12", 1.0},          // full-width digits (NFKC, and Python reads them anyway)
            new Object[] {" 12\n", "12", 1.0},         // surrounding whitespace
            new Object[] {"-3", "-3.0", 1.0},
            new Object[] {"−3", "-3", 0.0},            // U+2212 MINUS SIGN is not a sign for Python, NFKC keeps it
            new Object[] {"1,000", "1000", 0.0},       // thousands separators are not read
            new Object[] {"1_000", "1000", 1.0},       // underscores between digits are
            new Object[] {"1__000", "1000", 0.0},
            new Object[] {"_1000", "1000", 0.0},
            new Object[] {"1e3", "1000", 1.0},
            new Object[] {".5", "0.5", 1.0},
            new Object[] {"5.", "5", 1.0},
            new Object[] {"0.1", "0.10000000000000001", 1.0}, // the same double
            new Object[] {"0x10", "16", 0.0},
            new Object[] {"inf", "Infinity", 1.0},
            new Object[] {"-INF", "-infinity", 1.0},
            new Object[] {"nan", "nan", 0.0},          // NaN equals nothing
            new Object[] {"-0", "0", 1.0},
            new Object[] {"12円", "12", 0.0},
            new Object[] {"答えは12です", "12", 0.0},
            new Object[] {"", "", 0.0},
            new Object[] {"12", "abc", 0.0},
            new Object[] {"٣", "3", 1.0},              // ARABIC-INDIC DIGIT THREE is a decimal digit for Python
            new Object[] {"1d", "1", 0.0},             // Java's parseDouble would accept these suffixes
            new Object[] {"1f", "1", 0.0});

    @Test
    void handWorkedCases() {
        for (Object[] c : CASES) {
            assertEquals((double) c[2], metric.score((String) c[0], (String) c[1]), () -> c[0] + " vs " + c[1]);
        }
    }

    @Test
    void agreesWithPythonsFloat(@TempDir Path work) throws Exception {
        List<String[]> pairs = CASES.stream().map(c -> new String[] {(String) c[0], (String) c[1]}).toList();
        JsonNode ref = PythonReference.run(work, pairs, List.of());
        for (int i = 0; i < pairs.size(); i++) {
            String[] p = pairs.get(i);
            assertEquals(ref.get("exact_match_figure").get(i).asDouble(), metric.score(p[0], p[1]),
                    () -> "exact_match_figure(" + p[0] + ", " + p[1] + ")");
        }
    }
}
