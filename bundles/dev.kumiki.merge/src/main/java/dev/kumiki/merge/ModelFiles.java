package dev.kumiki.merge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.io.ModelConfig;
import dev.kumiki.tensor.io.ModelFolder;

/**
 * The files of a merged model besides its weights: config.json (layer count and dtype updated), the tokenizer files
 * of the tokenizer source, the chat template, a model card and the recipe. Each is written under a temporary name
 * and renamed.
 */
final class ModelFiles {
    /** Tokenizer and generation files carried over from the tokenizer source. */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "vocab.json", "merges.txt", "added_tokens.json",
            "generation_config.json");

    /** The ChatML template, as mergekit's "chatml". */
    static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
            + "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelFiles() {
    }

    /** The model whose tokenizer the merged model gets: tokenizer_source, else the base (or first) model. */
    static String tokenizerSource(MergePlan plan) {
        Optional<String> source = plan.config().tokenizerSource();
        if (source.isEmpty() || source.get().equals("base") || source.get().equals("union")) {
            return plan.baseForFiles();
        }
        return source.get();
    }

    static void write(MergePlan plan, Map<String, ModelFolder> models, Path out, List<String> warnings)
            throws IOException {
        MergeConfig config = plan.config();
        ModelFolder files = models.get(plan.baseForFiles());
        Optional<ObjectNode> outConfig = outputConfig(plan, files);
        if (outConfig.isPresent()) {
            Merger.writeAtomically(out.resolve(ModelFolder.CONFIG), JSON.writeValueAsString(outConfig.get()) + "\n");
        }
        ModelFolder tokenizer = models.get(tokenizerSource(plan));
        for (String name : TOKENIZER_FILES) {
            Path from = tokenizer.dir().resolve(name);
            if (Files.isRegularFile(from)) {
                Path partial = out.resolve(name + ".partial");
                Files.copy(from, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, out.resolve(name), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (plan.tokenizer().isPresent() && config.tokenizerSource().map("union"::equals).orElse(false)) {
            Merger.writeAtomically(out.resolve("tokenizer.json"), JSON.writeValueAsString(plan.tokenizer().get()
                    .tokenizer()) + "\n");
        }
        if (config.chatTemplate().isPresent()) {
            Path tc = out.resolve("tokenizer_config.json");
            ObjectNode json = Files.exists(tc) ? (ObjectNode) JSON.readTree(tc.toFile()) : JSON.createObjectNode();
            json.put("chat_template", chatTemplate(config.chatTemplate().get(), models));
            Merger.writeAtomically(tc, JSON.writeValueAsString(json) + "\n");
        }
        if (!config.text().isBlank()) {
            Merger.writeAtomically(out.resolve("mergekit_config.yml"), config.text());
        }
        Merger.writeAtomically(out.resolve("README.md"), modelCard(plan, models, warnings));
    }

    /**
     * The config.json of the merged model: that of {@code files} (the model the output's files come from) with the
     * output's layer count, vocabulary rows and dtype; empty when {@code files} has none.
     */
    static Optional<ObjectNode> outputConfig(MergePlan plan, ModelFolder files) {
        if (files.config().isEmpty()) {
            return Optional.empty();
        }
        MergeConfig config = plan.config();
        Optional<DType> outType = config.outDtype().or(config::dtype).map(DType::ofUserName);
        ObjectNode json = files.config().get().json().deepCopy();
        plan.outputLayers().ifPresent(n -> {
            if (json.has("num_hidden_layers")) {
                json.put("num_hidden_layers", n);
            }
        });
        // the rows the merged embedding has: a tokenizer_source vocabulary, or mergekit's common rows
        plan.tensors().stream().filter(t -> t.output().contains("embed_tokens") && t.shape().rank() == 2)
                .findFirst().filter(t -> json.has("vocab_size") || plan.tokenizer().isPresent())
                .ifPresent(t -> json.put("vocab_size", t.shape().dim(0)));
        outType.ifPresent(t -> json.put("torch_dtype", switch (t) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F64 -> "float64";
            default -> "float32";
        }));
        return Optional.of(json);
    }

    /** A literal Jinja template, "chatml", or "auto" (the template most input models share). */
    static String chatTemplate(String value, Map<String, ModelFolder> models) throws IOException {
        if (value.contains("{%") || value.contains("{{")) {
            return value;
        }
        if (value.equals("chatml")) {
            return CHATML;
        }
        if (value.equals("auto")) {
            Map<String, Integer> counts = new HashMap<>();
            for (ModelFolder m : models.values()) {
                Path tc = m.dir().resolve("tokenizer_config.json");
                if (Files.isRegularFile(tc)) {
                    var node = JSON.readTree(tc.toFile()).get("chat_template");
                    if (node != null && node.isTextual()) {
                        counts.merge(node.asText(), 1, Integer::sum);
                    }
                }
            }
            return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(CHATML);
        }
        throw new IllegalArgumentException("unknown chat_template '" + value + "'; use auto, chatml or a Jinja template");
    }

    static String modelCard(MergePlan plan, Map<String, ModelFolder> models, List<String> warnings)
            throws IOException {
        MergeConfig c = plan.config();
        StringBuilder b = new StringBuilder();
        b.append("---\n");
        c.baseModel().ifPresent(base -> b.append("base_model: ").append(base).append('\n'));
        b.append("library_name: transformers\ntags:\n- mergekit\n- merge\n- kumiki\n---\n\n");
        b.append("# Merged model\n\n");
        b.append("This is a merge of pre-trained language models made with Kumiki, using mergekit's `")
                .append(plan.method().name()).append("` method: ").append(plan.method().description()).append("\n\n");
        b.append("## Models merged\n\n");
        for (String m : c.referencedModels()) {
            // models named in code (a pipeline's node ids) with their folders; references read from YAML as written
            b.append("- ").append(m).append(c.folders().containsKey(m) ? " (" + c.folders().get(m) + ")" : "")
                    .append(c.baseModel().map(m::equals).orElse(false) ? " (base)" : "").append('\n');
        }
        ModelConfig arch = models.get(plan.baseForFiles()).config().orElse(null);
        b.append("\n## Result\n\n");
        if (arch != null) {
            b.append("- architecture: ").append(arch.architecture()).append('\n');
        }
        plan.outputLayers().ifPresent(n -> b.append("- layers: ").append(n).append('\n'));
        b.append("- tensors: ").append(plan.tensors().size()).append(", ")
                .append(String.format(java.util.Locale.ROOT, "%.2f GB", plan.outputBytes() / 1e9)).append('\n');
        b.append("- dtypes: ").append(plan.tensors().stream().map(t -> t.type().safetensorsName()).distinct()
                .collect(Collectors.joining(", "))).append('\n');
        if (!warnings.isEmpty()) {
            b.append("\n## Warning: NaN or infinite values\n\nThis model was written although some of its tensors hold "
                    + "NaN or infinite values (allowed explicitly); it is probably broken:\n\n");
            warnings.forEach(w -> b.append("- ").append(w).append('\n'));
        }
        if (!c.text().isBlank()) {
            b.append("\n## Configuration\n\nThe recipe, also in `mergekit_config.yml` (mergekit reads it unchanged):\n\n");
            b.append("```yaml\n").append(c.text().strip()).append("\n```\n");
        }
        return b.toString();
    }
}
