package dev.kumiki.ui.internal.welcome;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The documentation shipped inside the Studio (the build copies the project's README.md and docs/*.md into the
 * bundle's {@code docs/} folder), so it reads offline, in a workshop room without network.
 */
public final class Documentation {
    /** A document: its file inside {@code docs/} and what it is about. */
    public record Document(String file, String title, String about) {
        /** The document's text (Markdown). */
        public String text() {
            try (InputStream in = Documentation.class.getResourceAsStream("/docs/" + file)) {
                if (in == null) {
                    throw new IllegalStateException("this Kumiki Studio was built without its documentation ("
                            + file + ")");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The documents, the one to read first first. */
    public static final List<Document> ALL = List.of(
            new Document("README.md", "Kumiki", "what it does, the command line, the Studio, the distributions"),
            new Document("pipelines.md", "Pipelines", "the *.kumiki file format: nodes, connections, parameters"),
            new Document("merge-methods.md", "Merge methods", "every merge method, its parameters and its math"),
            new Document("evaluation.md", "Evaluation", "task files, metrics and their definitions, reports"),
            new Document("runtime.md", "Runtime", "running models: architectures, kernels, generation"),
            new Document("training.md", "Training", "from scratch, full fine-tuning, LoRA, PEFT adapters, checkpoints"),
            new Document("evolution.md", "Evolutionary merging", "searching merge recipes and layer paths: spaces, "
                    + "optimisers, fitness, checkpoints, resume"),
            new Document("node-sdk.md", "Node SDK", "adding node kinds of your own"),
            new Document("benchmarks.md", "Benchmarks", "how fast merges and generation run, and how it is measured"),
            new Document("architecture.md", "Architecture", "how Kumiki is built"));

    private Documentation() {
    }
}
