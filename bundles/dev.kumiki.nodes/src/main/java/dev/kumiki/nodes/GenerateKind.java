package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.emf.ecore.EClass;

import dev.kumiki.engine.ConfigureContext;
import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.engine.Inputs;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.Port;
import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.llm.GenerationSettings;
import dev.kumiki.llm.LanguageModel;
import dev.kumiki.llm.Tokenizer;
import dev.kumiki.llm.runtime.TransformerLanguageModel;
import dev.kumiki.nodes.settings.Generate;
import dev.kumiki.nodes.settings.NodesPackage;

/**
 * Generate: continues a prompt with the model at its input (a folder's model mapped, a merge's computed in memory).
 * The text is the node's output, shown in the run's summary and kept as generation.txt in its run record.
 */
public final class GenerateKind implements NodeKind<Generate> {
    /** The file the text is kept in, in the node's folder of the run record. */
    public static final String FILE = "generation.txt";

    @Override
    public EClass settingsClass() {
        return NodesPackage.Literals.GENERATE;
    }

    @Override
    public List<Port> inputs() {
        return List.of(Port.of("model", ModelPorts.MODEL, "the model that writes (a folder, or a merge computed in "
                + "memory)"));
    }

    @Override
    public List<Port> outputs() {
        return List.of(Port.of("text", ModelPorts.TEXT, "the generated text (without the prompt)"));
    }

    /** The runtime's settings, or the reason they are not valid (named by setting). */
    static GenerationSettings settings(Generate s) {
        return new GenerationSettings(s.getMaxTokens(), List.copyOf(s.getStop()), s.getTemperature(), s.getTopK(),
                s.getTopP(), s.getSeed());
    }

    @Override
    public Map<String, PortSpec> configure(Generate s, Inputs<PortSpec> inputs, ConfigureContext c) {
        ModelSpec model = (ModelSpec) inputs.one("model");
        LanguageModels.problem(model).ifPresent(p -> c.error("model", p));
        boolean ok = true;
        if (s.getPrompt() == null || s.getPrompt().isEmpty()) {
            c.error("prompt", "the prompt is empty; give the text the model continues, e.g. prompt: \"Once upon a "
                    + "time\"");
            ok = false;
        }
        if (s.getStop().stream().anyMatch(String::isEmpty)) {
            c.error("stop", "a stop string is empty; remove it (an empty string would stop before the first token)");
            ok = false;
        }
        if (!ok) {
            return Map.of();
        }
        String how = s.getTemperature() == 0 ? "greedy" : String.format(Locale.ROOT, "sampled at temperature %s, "
                + "seed %d", Scores.number(s.getTemperature()), s.getSeed());
        PortSpec text = () -> "text of at most " + s.getMaxTokens() + " tokens, " + how;
        return Map.of("text", text);
    }

    @Override
    public long memoryEstimate(Generate s, Inputs<PortSpec> inputs) {
        return LanguageModels.memoryEstimate((ModelSpec) inputs.one("model"));
    }

    /** The text given to the model: the prompt, or with {@code chat} the prompt as a user turn of the template. */
    static String prompt(Tokenizer tokenizer, String prompt, boolean chat) throws IOException {
        if (!chat) {
            return prompt;
        }
        try {
            return tokenizer.applyChatTemplate(List.of(new Tokenizer.ChatMessage("user", prompt)), true);
        } catch (UnsupportedOperationException e) {
            throw new IOException(e.getMessage() + "; generate without the chat template (chat: false)", e);
        }
    }

    @Override
    public Map<String, PortValue> execute(Generate s, Inputs<PortValue> inputs, ExecuteContext c) throws Exception {
        ModelHandle handle = (ModelHandle) inputs.one("model");
        GenerationSettings settings;
        try {
            settings = settings(s);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        ExecuteContext own = c.withThreads(s.getThreads());
        try (TransformerLanguageModel opened = LanguageModels.open(handle, LanguageModels.options(own))) {
            // as Hugging Face's generate: the tokenizer's special tokens (BOS) around a plain prompt; a chat
            // template writes its own
            LanguageModel model = opened.withSpecialTokens(!s.isChat());
            String prompt = prompt(model.tokenizer(), s.getPrompt(), s.isChat());
            int[] pieces = {0};
            long start = System.nanoTime();
            LanguageModel.Generation g;
            try {
                g = model.generate(prompt, settings, piece -> {
                    c.checkCancelled();
                    pieces[0]++;
                    c.progress(Math.min(1, (double) pieces[0] / settings.maxTokens()), pieces[0] + " pieces of text");
                });
            } catch (LanguageModel.ContextTooLongException e) {
                throw new IOException(e.getMessage() + "; shorten the prompt or use a model with a longer context", e);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            c.log(String.format(Locale.ROOT, "%d prompt tokens, %d generated (%s) in %.2f s, %.1f tokens/s",
                    g.promptTokens(), g.generatedTokens(), g.reason().name().toLowerCase(Locale.ROOT).replace('_', ' '),
                    seconds, g.generatedTokens() / Math.max(1e-9, seconds)));
            Path out = Files.createDirectories(c.recordDir()).resolve(FILE);
            Path tmp = Files.createTempFile(out.getParent(), "." + FILE, ".tmp");
            try {
                Files.writeString(tmp, g.text());
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return Map.of("text", new TextValue(g.text(), out));
        }
    }
}
