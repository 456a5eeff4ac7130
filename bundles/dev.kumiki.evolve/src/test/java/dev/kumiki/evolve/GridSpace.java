package dev.kumiki.evolve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.kumiki.evolve.space.Candidate;
import dev.kumiki.evolve.space.SearchSpace;
import dev.kumiki.llm.LanguageModel;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.llm.Tokenizer;

/**
 * A test space whose coordinates are rounded to a grid (so that nearby genomes repeat a key and hit the cache). Each
 * candidate opens a real tiny model from disk and records which parameters it stands for, so that a test fitness can
 * score the parameters while the search still opens and closes a real model per candidate.
 */
final class GridSpace implements SearchSpace {
    /** The parameters each opened model stands for. */
    static final Map<LanguageModel, double[]> OPENED = Collections.synchronizedMap(new IdentityHashMap<>());
    private final int dimensions;
    private final double step;
    private final Path model;
    private final Tokenizer tokenizer;

    GridSpace(int dimensions, double step, Path model, Tokenizer tokenizer) {
        this.dimensions = dimensions;
        this.step = step;
        this.model = model;
        this.tokenizer = tokenizer;
    }

    @Override
    public String kind() {
        return "ps";
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public List<String> names() {
        List<String> n = new ArrayList<>();
        for (int i = 0; i < dimensions; i++) {
            n.add("x" + i);
        }
        return n;
    }

    @Override
    public Candidate decode(double[] genome) {
        double[] x = new double[dimensions];
        for (int i = 0; i < dimensions; i++) {
            x[i] = Math.round(Math.min(1, Math.max(0, genome[i])) / step) * step;
        }
        return new Point(x);
    }

    private final class Point implements Candidate {
        private final double[] x;

        Point(double[] x) {
            this.x = x;
        }

        @Override
        public String key() {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < x.length; i++) {
                b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "x%d=%.4f", i, x[i]));
            }
            return b.toString();
        }

        @Override
        public String recipe() {
            StringBuilder b = new StringBuilder("point:\n");
            for (int i = 0; i < x.length; i++) {
                b.append(String.format(Locale.ROOT, "  x%d: %.4f%n", i, x[i]));
            }
            return b.toString();
        }

        @Override
        public Map<String, Double> parameters() {
            Map<String, Double> p = new LinkedHashMap<>();
            for (int i = 0; i < x.length; i++) {
                p.put("x" + i, x[i]);
            }
            return p;
        }

        @Override
        public TransformerLanguageModel open(RuntimeOptions options) throws IOException {
            TransformerLanguageModel m = TransformerLanguageModel.open(model, tokenizer, options);
            OPENED.put(m, x.clone());
            return m;
        }
    }
}
