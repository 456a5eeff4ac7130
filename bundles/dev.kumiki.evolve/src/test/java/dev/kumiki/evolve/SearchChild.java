package dev.kumiki.evolve;

import java.nio.file.Path;

import dev.kumiki.llm.tokenizer.PretrainedTokenizer;

/**
 * The search {@link KillResumeTest} kills: a separate JVM running a seeded search with a slow fitness, printing
 * {@code checkpointed G} after each generation's checkpoint. Arguments: folder, model, seed, generations, sleep (ms).
 */
public final class SearchChild {
    private SearchChild() {
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        Path model = Path.of(args[1]);
        long seed = Long.parseLong(args[2]);
        int generations = Integer.parseInt(args[3]);
        long sleep = Long.parseLong(args[4]);
        try (PretrainedTokenizer tokenizer = PretrainedTokenizer.load(model);
                Search s = KillResumeTest.definition(new GridSpace(2, 0.05, model, tokenizer),
                        new PointFitness(sleep, SearchTest.TARGET), seed, generations).folder(folder).build()) {
            s.stream().forEach(r -> {
                System.out.println("checkpointed " + r.generation());
                System.out.flush();
            });
        }
    }
}
