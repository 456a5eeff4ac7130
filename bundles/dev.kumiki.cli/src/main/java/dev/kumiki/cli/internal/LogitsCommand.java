package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.llm.runtime.Transformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "logits", mixinStandardHelpOptions = true,
        description = {"Print the logits a model gives at every position of a token sequence, so that anyone can "
                + "check Kumiki's runtime against another implementation (e.g. transformers' "
                + "model(torch.tensor([tokens])).logits).",
                "Without --json: each position's most likely next tokens."})
public final class LogitsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "a Hugging Face model folder")
    Path model;

    @Option(names = "--tokens", required = true, split = ",", paramLabel = "ID", description = "token ids, "
            + "comma-separated, e.g. 1,2,3")
    List<Integer> tokens;

    @Option(names = "--json", description = "every position's full logits row as JSON: {\"model\", \"tokens\", "
            + "\"vocab_size\", \"logits\": [[…], …]} (floats printed exactly: they read back to the same float32)")
    boolean json;

    @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "without --json: the K most likely "
            + "tokens per position (default 5)")
    int top;

    @Option(names = "--threads", paramLabel = "N", description = "threads running the model (default: every core)")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        int[] ids = tokens.stream().mapToInt(Integer::intValue).toArray();
        if (ids.length == 0) {
            throw new IllegalArgumentException("--tokens is empty; give at least one token id, e.g. --tokens 1,2,3");
        }
        try (Transformer t = RunnableModel.transformer(model, RunnableModel.options(threads))) {
            for (int id : ids) {
                if (id < 0 || id >= t.vocabularySize()) {
                    throw new IllegalArgumentException("token " + id + " is not in the vocabulary of " + t.name()
                            + " (ids 0 to " + (t.vocabularySize() - 1) + ")");
                }
            }
            if (ids.length > t.contextLength()) {
                throw new IllegalArgumentException(ids.length + " tokens do not fit in the context of " + t.name()
                        + " (max_position_embeddings " + t.contextLength() + ")");
            }
            float[][] logits = t.logits(ids);
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
                    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                    g.writeStartObject();
                    g.writeStringField("model", t.name());
                    g.writeArrayFieldStart("tokens");
                    for (int id : ids) {
                        g.writeNumber(id);
                    }
                    g.writeEndArray();
                    g.writeNumberField("vocab_size", t.vocabularySize());
                    g.writeArrayFieldStart("logits");
                    for (float[] row : logits) {
                        g.writeStartArray();
                        for (float v : row) {
                            g.writeNumber(v);
                        }
                        g.writeEndArray();
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                out.println();
                return Kumiki.OK;
            }
            out.println(t.name() + ": " + ids.length + " positions, vocabulary " + t.vocabularySize());
            for (int p = 0; p < logits.length; p++) {
                float[] row = logits[p];
                Integer[] order = new Integer[row.length];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                java.util.Arrays.sort(order, (a, b) -> Float.compare(row[b], row[a]) != 0
                        ? Float.compare(row[b], row[a]) : Integer.compare(a, b));
                StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "position %d (token %d):", p, ids[p]));
                for (int k = 0; k < Math.min(top, order.length); k++) {
                    b.append(String.format(Locale.ROOT, " %d (%.4f)", order[k], row[order[k]]));
                }
                out.println(b);
            }
        }
        return Kumiki.OK;
    }
}
