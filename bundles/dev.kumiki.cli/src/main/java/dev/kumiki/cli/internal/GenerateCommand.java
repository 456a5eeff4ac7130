package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.llm.GenerationSettings;
import dev.kumiki.llm.LanguageModel;
import dev.kumiki.llm.Tokenizer;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Continue a prompt with a model, printing the text as it is decoded.",
                "Greedy by default (the same text every time); with --temperature, seeded sampling (--top-k, "
                        + "--top-p, --seed). The prompt is encoded with the tokenizer's special tokens (as Hugging "
                        + "Face's generate does); with --chat it becomes a user message of the model's chat template."})
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "a Hugging Face model folder")
    Path model;

    @Parameters(index = "1", paramLabel = "PROMPT", description = "the text to continue")
    String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "64", description = "most new tokens "
            + "(default 64)")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "0 (default) decodes "
            + "greedily; above 0 samples")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "sample among the K most likely "
            + "tokens (default 0: all)")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "sample among the most likely "
            + "tokens up to probability P (default 1: all)")
    double topP;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "sampling seed (default 0)")
    long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "stop before this text (repeatable)")
    List<String> stop = List.of();

    @Option(names = "--chat", description = "wrap the prompt in the model's chat template as a user message")
    boolean chat;

    @Option(names = "--threads", paramLabel = "N", description = "threads running the model (default: every core)")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GenerationSettings settings;
        try {
            settings = new GenerationSettings(maxTokens, stop, temperature, topK, topP, seed);
        } catch (IllegalArgumentException e) {
            // the record's messages name its fields; say them as the options are spelt
            throw new IllegalArgumentException(e.getMessage().replace("maxTokens", "--max-tokens")
                    .replace("topK", "--top-k").replace("topP", "--top-p").replace("temperature", "--temperature")
                    .replace("a stop string", "a --stop text"), e);
        }
        try (TransformerLanguageModel opened = RunnableModel.languageModel(model, RunnableModel.options(threads))) {
            LanguageModel lm = opened.withSpecialTokens(!chat);
            String text = prompt;
            if (chat) {
                try {
                    text = lm.tokenizer().applyChatTemplate(List.of(new Tokenizer.ChatMessage("user", prompt)), true);
                } catch (UnsupportedOperationException e) {
                    throw new IllegalArgumentException(e.getMessage() + "; generate without --chat", e);
                }
            }
            long start = System.nanoTime();
            // a model can produce any character, including escape sequences that would drive the user's terminal:
            // on a terminal control characters are shown as their symbols (␛, ␇ …); a pipe gets the text as it is
            boolean terminal = Progress.isTerminal();
            LanguageModel.Generation g = lm.generate(text, settings, piece -> {
                out.print(terminal ? visible(piece) : piece);
                out.flush();
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            out.println();
            out.flush();
            err.printf(Locale.ROOT, "%d prompt tokens, %d generated (%s), %.2f s, %.1f tokens/s%n", g.promptTokens(),
                    g.generatedTokens(), g.reason().name().toLowerCase(Locale.ROOT).replace('_', ' '), seconds,
                    g.generatedTokens() / Math.max(1e-9, seconds));
        }
        return Kumiki.OK;
    }

    /** {@code text} with C0 controls but newline and tab, DEL and C1 controls replaced by visible symbols. */
    static String visible(String text) {
        StringBuilder b = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c == '\n' || c == '\t') {
                b.append((char) c);
            } else if (c < 0x20) {
                b.append((char) (0x2400 + c));
            } else if (c == 0x7F) {
                b.append('\u2421');
            } else if (c >= 0x80 && c < 0xA0) {
                b.append(String.format(java.util.Locale.ROOT, "\\u%04X", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
