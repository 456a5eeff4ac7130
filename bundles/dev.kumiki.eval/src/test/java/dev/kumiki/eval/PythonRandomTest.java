package dev.kumiki.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.kumiki.eval.task.PythonRandom;

/** Kumiki's copy of Python's random.Random against CPython itself: few-shot draws and bootstraps depend on it. */
class PythonRandomTest {

    @Test
    void sampleChoicesAndRandomAreCPythons() throws Exception {
        String py = Python.run("""
                import random
                out = []
                for seed, n, k in [(1234, 10, 3), (1234, 50, 6), (0, 100, 30), (7, 5, 5), (2**33 + 5, 1000, 4)]:
                    r = random.Random(seed)
                    out.append(' '.join(map(str, r.sample(range(n), k))))
                    out.append(' '.join(map(str, r.sample(range(n), k))))
                r = random.Random(3)
                out.append(' '.join(map(str, r.choices(range(17), k=12))))
                out.append(repr(r.random()))
                print('\\n'.join(out))
                """);
        List<String> java = new ArrayList<>();
        long[][] cases = {{1234, 10, 3}, {1234, 50, 6}, {0, 100, 30}, {7, 5, 5}, {(1L << 33) + 5, 1000, 4}};
        for (long[] c : cases) {
            PythonRandom r = new PythonRandom(c[0]);
            List<Integer> pop = IntStream.range(0, (int) c[1]).boxed().toList();
            java.add(join(r.sample(pop, (int) c[2])));
            java.add(join(r.sample(pop, (int) c[2])));
        }
        PythonRandom r = new PythonRandom(3);
        java.add(join(r.choices(IntStream.range(0, 17).boxed().toList(), 12)));
        java.add(Double.toString(r.random()));
        assertEquals(py, String.join("\n", java));
    }

    private static String join(List<Integer> xs) {
        return String.join(" ", xs.stream().map(String::valueOf).toList());
    }
}
