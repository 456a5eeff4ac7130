package dev.kumiki.canvas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.io.SyntheticModel;

/**
 * The example pipelines shipped inside Kumiki (the project's examples/ folder) and the small models they use:
 * what `kumiki demo` runs and what the Studio's New Pipeline wizard offers as templates.
 */
public final class Examples {
    /** A bundled example: its file name and its first line of description. */
    public record Example(String file, String description) {
        /** The pipeline's text. */
        public String text() {
            try (InputStream in = Examples.class.getResourceAsStream("/examples/" + file)) {
                if (in == null) {
                    throw new IllegalStateException("this Kumiki has no copy of the example " + file);
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The examples, simplest first. */
    public static final List<Example> ALL = List.of(
            new Example("slerp.kumiki", "SLERP of two models, with a layer gradient (the first pipeline to run)"),
            new Example("ties.kumiki", "TIES of three fine-tunes onto their base, per-layer gradients, recipe export"),
            new Example("evaluate.kumiki", "A merge evaluated without being saved, beside its parents, and asked to "
                    + "continue a sentence"));

    /**
     * The training example: two fine-tunes of a small model that Kumiki trained from scratch on data it generates
     * (shipped, with the pipeline that makes it) and their merge, all evaluated (needs the optional training feature).
     * Its files go into {@code train/}.
     */
    public static final Example TRAINING = new Example("train/train.kumiki", "Fine-tune a small model trained from "
            + "scratch on Japanese text and on English arithmetic, merge the two, evaluate all");

    /** The merge of the training example's fine-tunes, run after it (Merge reads its inputs' folders). */
    public static final Example TRAINING_MERGE = new Example("train/merge.kumiki", "Merge the two fine-tunes the "
            + "training example wrote onto their base, evaluated beside them");

    /**
     * The files besides the pipeline that the training example reads: the merge pipeline, the shipped base model that
     * it fine-tunes, and the pipeline and config.json that make that base again.
     */
    public static final List<String> TRAINING_FILES = List.of("train/merge.kumiki", "train/base.kumiki",
            "train/model-config/config.json", "train/base/config.json", "train/base/model.safetensors",
            "train/base/tokenizer.json", "train/base/tokenizer_config.json", "train/base/README.md");

    /**
     * Micro EvoLLM-JP, the flagship example ({@code kumiki demo evollm-jp}): the training example's shipped base
     * annealed, two LoRA fine-tunes of it, untuned merges and three evolutionary searches, all evaluated. Its files
     * go into {@code evollm-jp/}; it reads the shipped base from {@code ../train/base}.
     */
    public static final Example EVOLLM_JP = new Example("evollm-jp/evollm-jp.kumiki", "Micro EvoLLM-JP: two "
            + "fine-tunes of a small base merged by evolutionary searches into a model for a task neither learnt");

    /** The files besides its pipeline that {@link #EVOLLM_JP} needs or explains: its README and the shipped base. */
    public static final List<String> EVOLLM_JP_FILES = List.of("evollm-jp/README.md", "train/base/config.json",
            "train/base/model.safetensors", "train/base/tokenizer.json", "train/base/tokenizer_config.json",
            "train/base/README.md");

    /**
     * Writes the training example's pipeline and files into {@code dir} where they are missing (a user's edits are
     * kept).
     *
     * @return the files written
     */
    public static List<Path> writeTraining(Path dir) throws IOException {
        return write(dir, java.util.stream.Stream.concat(java.util.stream.Stream.of(TRAINING.file()),
                TRAINING_FILES.stream()).toList());
    }

    /**
     * Writes {@link #EVOLLM_JP}'s pipeline, its README and the base model it fine-tunes into {@code dir} where they
     * are missing (a user's edits are kept).
     *
     * @return the files written
     */
    public static List<Path> writeEvollmJp(Path dir) throws IOException {
        return write(dir, java.util.stream.Stream.concat(java.util.stream.Stream.of(EVOLLM_JP.file()),
                EVOLLM_JP_FILES.stream()).toList());
    }

    private static List<Path> write(Path dir, List<String> files) throws IOException {
        List<Path> written = new java.util.ArrayList<>();
        for (String f : files) {
            Path file = dir.resolve(f);
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                try (InputStream in = Examples.class.getResourceAsStream("/examples/" + f)) {
                    if (in == null) {
                        throw new IllegalStateException("this Kumiki has no copy of the example file " + f);
                    }
                    // beside its place, then moved in: an interrupted write leaves no half-written model
                    Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
                    try {
                        Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    } finally {
                        Files.deleteIfExists(tmp);
                    }
                }
                written.add(file);
            }
        }
        return written;
    }

    /** The example models: names, each a variant of one base (variant 0 is the base itself). */
    public static final List<String> MODELS = List.of("base", "chat", "code", "math");

    /** What the example models are, written beside them so they are made only once per version. */
    public static final String MODELS_STAMP = "layers 4, hidden 64, intermediate 176, vocab 320 "
            + "(byte-level BPE), context 256, bf16, base seed 1234";

    private Examples() {
    }

    /**
     * Writes the example models into {@code dir} unless they are there already: small Llama-shaped models with
     * seeded weights, the same bytes on every machine, with a byte-level tokenizer so that they run on any text
     * (Evaluate, Generate).
     *
     * @return whether they were written now
     */
    public static boolean writeModels(Path dir) throws IOException {
        Path stamp = dir.resolve(".demo-models");
        if (Files.isRegularFile(stamp) && Files.readString(stamp).equals(MODELS_STAMP)) {
            return false;
        }
        for (int i = 0; i < MODELS.size(); i++) {
            SyntheticModel.llama().layers(4).hidden(64).intermediate(176).vocab(320).dtype(DType.BF16).baseSeed(1234)
                    .variant(i).contextLength(256).byteLevelTokenizer().write(dir.resolve(MODELS.get(i)));
        }
        Files.writeString(stamp, MODELS_STAMP);
        return true;
    }
}
