package dev.kumiki.eval.task;

import java.util.ArrayList;
import java.util.List;

/**
 * lm-evaluation-harness's {@code ContextSampler} ({@code default}) and {@code FirstNSampler} ({@code first_n}): the
 * default draws {@code random.Random(seed).sample(docs, n)}, or {@code n + 1} when the examples come from the
 * evaluated split, then drops the document being evaluated (and any equal to it) and keeps {@code n}. The generator
 * is shared by all documents of a run, in order.
 */
final class FewshotSampler {
    private final List<Doc> pool;
    private final String sampler;
    private final PythonRandom random;
    private final TaskConfig config;

    FewshotSampler(List<Doc> pool, String sampler, long seed, TaskConfig config) {
        this.pool = List.copyOf(pool);
        this.sampler = sampler;
        this.random = new PythonRandom(seed);
        this.config = config;
    }

    List<Doc> sample(int n, Doc exclude) throws TaskException {
        if ("first_n".equals(sampler)) {
            List<Doc> candidates = new ArrayList<>();
            for (Doc d : pool) {
                if (exclude == null || !d.sameFields(exclude)) {
                    candidates.add(d);
                }
            }
            if (candidates.size() < n) {
                throw tooFew(n, candidates.size());
            }
            return candidates.subList(0, n);
        }
        int draw = exclude == null ? n : n + 1;
        if (draw > pool.size()) {
            throw tooFew(draw, pool.size());
        }
        List<Doc> drawn = random.sample(pool, draw);
        if (exclude == null) {
            return drawn;
        }
        List<Doc> kept = new ArrayList<>();
        for (Doc d : drawn) {
            if (!d.sameFields(exclude)) {
                kept.add(d);
            }
        }
        return kept.subList(0, Math.min(n, kept.size()));
    }

    private TaskException tooFew(int wanted, int have) {
        return new TaskException(config.where("num_fewshot") + ": task " + config.task() + " needs " + wanted
                + " documents to draw " + config.numFewshot() + " few-shot examples from the split '"
                + config.effectiveFewshotSplit() + "', which has " + have + "; lower num_fewshot");
    }
}
