package dev.kumiki.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.tensor.io.SyntheticModel;

/**
 * kumiki evolve: a tiny parameter-space search over synthetic models with a shipped task prints a line per generation
 * and the test-split score; a search stopped after one generation and resumed with a larger budget ends exactly where
 * the uninterrupted search does; mistakes exit 2 with the message alone; kumiki bench evolve prints its ratio.
 */
class EvolveCommandTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void models() throws IOException {
        for (int v = 0; v < 3; v++) {
            SyntheticModel.llama().layers(2).hidden(32).intermediate(48).vocab(320).variant(v).contextLength(128)
                    .byteLevelTokenizer().write(dir.resolve("models/" + List.of("base", "ja", "math").get(v)));
        }
    }

    static Path settings(String name, int generations) throws IOException {
        Path file = dir.resolve(name + ".yml");
        Files.writeString(file, """
                models:
                  ja: models/ja
                  math: models/math
                base: models/base
                ps:
                  method: ties
                optimizer:
                  name: cma-es
                  population: 4
                budget:
                  generations: %d
                fitness:
                  tasks: [counters_ja]
                  subsample: 2
                seed: 5
                output: out/%s
                """.formatted(generations, name));
        return file;
    }

    static final Pattern LINE = Pattern.compile("gen (\\d+)/(\\d+)  best (\\d\\.\\d{4})  mean (\\d\\.\\d{4})  evals "
            + "(\\d+)  cache hits (\\d+)  elapsed \\S+  left \\S+");

    @Test
    void aTinySearchPrintsEachGenerationAndTheTestScore() throws IOException {
        Cli.Result r = Cli.kumiki("evolve", settings("tiny", 2).toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("Search   ps space of 4 dimensions over ja, math (base base)"), r.out());
        long lines = r.out().lines().filter(l -> LINE.matcher(l).matches()).count();
        assertEquals(2, lines, r.out());
        Matcher m = LINE.matcher(r.out().lines().filter(l -> l.startsWith("gen 1/2")).findFirst().orElseThrow());
        assertTrue(m.matches());
        // four candidates: each evaluated or served by the cache
        assertEquals(4, Integer.parseInt(m.group(5)) + Integer.parseInt(m.group(6)));
        assertTrue(Double.parseDouble(m.group(3)) >= Double.parseDouble(m.group(4)), "best >= mean: " + m.group());
        assertTrue(r.out().contains("test split counters_ja/acc "), r.out());
        Path best = dir.resolve("out/tiny/best.yml");
        assertTrue(Files.readString(best).contains("merge_method: ties"), Files.readString(best));
        assertTrue(Files.isRegularFile(dir.resolve("out/tiny/evolve-settings.json")));

        // the same command again refuses to overwrite the search and says how to continue it
        Cli.Result again = Cli.kumiki("evolve", dir.resolve("tiny.yml").toString());
        assertEquals(2, again.code());
        assertEquals("kumiki evolve: the output folder " + dir.resolve("out/tiny") + " already holds a search; "
                + "continue it with kumiki evolve --resume " + dir.resolve("out/tiny") + ", or give another output to "
                + "start afresh\n", again.err());
    }

    @Test
    void aResumedSearchEndsWhereTheUninterruptedOneDoes() throws IOException {
        Cli.Result whole = Cli.kumiki("evolve", settings("whole", 2).toString());
        assertEquals(0, whole.code(), whole.err() + whole.out());
        Cli.Result part = Cli.kumiki("evolve", settings("part", 1).toString());
        assertEquals(0, part.code(), part.err() + part.out());
        Cli.Result resumed = Cli.kumiki("evolve", "--resume", dir.resolve("out/part").toString(), "--generations", "2");
        assertEquals(0, resumed.code(), resumed.err() + resumed.out());
        assertTrue(resumed.out().contains("Resuming at generation 2 of 2 from " + dir.resolve("out/part")),
                resumed.out());
        assertEquals(Files.readString(dir.resolve("out/whole/best.yml")).replace("whole", "X"),
                Files.readString(dir.resolve("out/part/best.yml")).replace("part", "X"));
        assertEquals(lastLine(whole.out(), "gen 2/2").replaceAll("elapsed.*", ""),
                lastLine(resumed.out(), "gen 2/2").replaceAll("elapsed.*", ""));
        assertEquals(lastLine(whole.out(), "Best of"), lastLine(resumed.out(), "Best of"));
    }

    static String lastLine(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).reduce((a, b) -> b).orElseThrow(() ->
                new AssertionError("no line '" + prefix + "' in\n" + out));
    }

    @Test
    void mistakesExit2WithTheMessageAlone() throws IOException {
        Path file = dir.resolve("typo.yml");
        Files.writeString(file, Files.readString(settings("typo", 1)).replace("fitness:", "fitnes:"));
        Cli.Result r = Cli.kumiki("evolve", file.toString());
        assertEquals(2, r.code());
        assertEquals("kumiki evolve: " + file + ":12:1: unknown key 'fitnes' in the evolution settings; did you mean "
                + "'fitness'? (known keys: models, base, space, ps, dfs, hybrid, optimizer, budget, fitness, seed, "
                + "output)\n", r.err());
        assertEquals("", r.out());

        Files.writeString(file, Files.readString(settings("typo", 1)).replace("[counters_ja]", "[counters_ja]\n"
                + "  metric: accuracy"));
        Cli.Result metric = Cli.kumiki("evolve", file.toString());
        assertEquals(2, metric.code(), metric.out());
        assertTrue(metric.err().startsWith("kumiki evolve: fitness: task counters_ja"), metric.err());
        assertTrue(metric.err().contains("does not produce the metric 'accuracy'"), metric.err());
        assertFalse(metric.err().contains("Exception"), metric.err());
        assertFalse(Files.exists(dir.resolve("out/typo")), "nothing is written before the search can start");

        Cli.Result resume = Cli.kumiki("evolve", "--resume", dir.resolve("models").toString());
        assertEquals(2, resume.code());
        assertEquals("kumiki evolve: " + dir.resolve("models") + " is not the folder of a search started by kumiki "
                + "evolve (it has no evolve-settings.json); give the output folder of the settings file\n",
                resume.err());
    }

    @Test
    void aDryRunChecksEverythingAndWritesNothing() throws IOException {
        Cli.Result r = Cli.kumiki("evolve", settings("dry", 3).toString(), "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Optimizer cma-es, population 4, 3 generations, seed 5"), r.out());
        assertTrue(r.out().contains("Fitness  counters_ja/acc (2 documents per task and generation)"), r.out());
        assertTrue(r.out().endsWith("Dry run: the settings, models and tasks are complete; nothing was evaluated or "
                + "written.\n"), r.out());
        assertFalse(Files.exists(dir.resolve("out/dry")));
    }

    @Test
    void benchEvolvePrintsTheRatioOutsideEvaluationWithTheLoad() {
        Cli.Result r = Cli.kumiki("bench", "evolve", "--generations", "1", "--population", "3", "--documents", "2",
                "--work", dir.resolve("bench").toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().matches("(?s).*Median per candidate: decode \\d+\\.\\d{3} ms, in-memory merge \\d+\\.\\d ms,"
                + " evaluation \\d+\\.\\d ms\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*Outside evaluation / evaluation: \\d+\\.\\d % \\(median over candidates; "
                + "aim <= 10 %\\)\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*Load average: \\S+ \\S+ \\S+ on \\d+ processors\n"), r.out());
    }
}
