package dev.kumiki.cli.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.llm.tokenizer.PretrainedTokenizer;
import dev.kumiki.tensor.TensorFormatException;

/**
 * Opens a model folder named on the command line for the runtime. What is wrong with the folder (not there, an
 * architecture Kumiki does not run, tensors that do not match the config, no tokenizer) is the user's to fix: it
 * becomes an {@link IllegalArgumentException}, exit code 2, with the runtime's message naming the file and key.
 */
final class RunnableModel {
    private RunnableModel() {
    }

    /** The runtime's defaults (the detected or KUMIKI_BACKEND kernels), on {@code threads} threads if given. */
    static RuntimeOptions options(Integer threads) {
        RuntimeOptions o = RuntimeOptions.defaults();
        if (threads != null) {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be at least 1, not " + threads);
            }
            o = o.withThreads(threads);
        }
        return o;
    }

    static void checkFolder(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("there is no folder " + dir + "; give a local Hugging Face model folder "
                    + "(config.json, *.safetensors, tokenizer.json), e.g. one kumiki make-model or kumiki demo wrote");
        }
    }

    /** The transformer of {@code dir}, weights mapped. */
    static Transformer transformer(Path dir, RuntimeOptions options) throws IOException {
        checkFolder(dir);
        try {
            return Transformer.open(dir, options);
        } catch (TensorFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The model of {@code dir} with its tokenizer, for text. */
    static TransformerLanguageModel languageModel(Path dir, RuntimeOptions options) throws IOException {
        Transformer t = transformer(dir, options);
        try {
            return TransformerLanguageModel.of(t, PretrainedTokenizer.load(dir));
        } catch (TensorFormatException e) {
            t.close();
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
    }
}
