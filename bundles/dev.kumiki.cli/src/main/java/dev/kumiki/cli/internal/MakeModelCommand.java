package dev.kumiki.cli.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.io.OutputFolder;
import dev.kumiki.tensor.io.SyntheticModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "make-model", mixinStandardHelpOptions = true,
        description = {"Write a small Llama-shaped Hugging Face model with seeded random weights, to try merges and "
                + "pipelines without downloading anything.",
                "Models with the same --base-seed and different --variant values are like fine-tunes of one base "
                        + "(variant 0 is the base itself). The same options always give the same bytes.",
                "With --vocab 258 or more the model gets a byte-level BPE tokenizer and runs on any text (kumiki eval, "
                        + "generate); smaller vocabularies run on token ids only (kumiki logits)."})
public final class MakeModelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OUT_DIR", description = "folder to write: new, empty, or a model Kumiki wrote (replaced)")
    Path out;

    @Option(names = "--layers", defaultValue = "2", description = "decoder layers (default 2)")
    int layers;

    @Option(names = "--hidden", defaultValue = "16", description = "hidden size (default 16)")
    int hidden;

    @Option(names = "--intermediate", defaultValue = "24", description = "MLP size (default 24)")
    int intermediate;

    @Option(names = "--vocab", defaultValue = "40", description = "vocabulary size (default 40)")
    int vocab;

    @Option(names = "--context", defaultValue = "256", description = "context length, max_position_embeddings "
            + "(default 256)")
    int context;

    @Option(names = "--dtype", defaultValue = "bfloat16", description = "bfloat16 (default), float16 or float32")
    String dtype;

    @Option(names = "--variant", defaultValue = "0", description = "0 for the base, any other number for a "
            + "fine-tune-like variant of it")
    long variant;

    @Option(names = "--base-seed", defaultValue = "1234", description = "seed of the base weights")
    long baseSeed;

    @Override
    public Integer call() throws IOException {
        if (context < 1) {
            throw new IllegalArgumentException("--context must be at least 1, not " + context);
        }
        // runnable: config.json gets a context length; a vocabulary large enough for bytes gets a byte-level
        // tokenizer, so that eval and generate work on any text
        SyntheticModel model = SyntheticModel.llama().layers(layers).hidden(hidden).intermediate(intermediate)
                .vocab(vocab).dtype(DType.ofUserName(dtype)).baseSeed(baseSeed).variant(variant).contextLength(context);
        if (vocab >= SyntheticModel.MIN_BYTE_LEVEL_VOCABULARY) {
            model.byteLevelTokenizer();
        }
        // staged and swapped in whole, as every model Kumiki writes; a folder Kumiki did not write is refused
        try (OutputFolder folder = OutputFolder.begin(out, List.of())) {
            model.write(folder.staging());
            folder.commit();
        }
        long bytes = model.tensors().stream().mapToLong(t -> t.byteSize()).sum();
        spec.commandLine().getOut().printf("Wrote %s: %d layers, hidden %d, vocab %d, %s, %s%s.%n", out, layers, hidden,
                vocab, dtype, Progress.gb(bytes), variant == 0 ? "" : ", variant " + variant);
        return Kumiki.OK;
    }
}
