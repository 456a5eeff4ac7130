package dev.kumiki.merge.lora;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.InputFiles;
import dev.kumiki.tensor.io.OutputFolder;
import dev.kumiki.tensor.io.SafetensorsFile;
import dev.kumiki.tensor.io.SafetensorsWriter;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * A LoRA adapter as PEFT saves it: {@value #CONFIG} (the {@code LoraConfig}, keys sorted, indented by two, as
 * {@code PeftConfig.save_pretrained} writes it) and {@value #WEIGHTS} with one {@code lora_A} [r, in] and one
 * {@code lora_B} [out, r] per adapted linear layer, named {@code base_model.model.<module>.lora_A.weight} (the
 * adapter's name is not part of saved keys). Adapters made elsewhere are read as PEFT reads them; anything that would
 * change what the adapter computes and is not supported here (DoRA, rank or alpha patterns, fan_in_fan_out, trained
 * biases, modules_to_save, embedding adapters…) is refused naming the key or tensor, so an adapter is never applied
 * half-way.
 * {@snippet :
 * PeftAdapter adapter = PeftAdapter.read(Path.of("my-adapter"));
 * double s = adapter.config().scaling();          // alpha / r, or alpha / sqrt(r) with rsLoRA
 * new PeftAdapter(config, modules).write(Path.of("out/adapter"));
 * }
 *
 * @param config  the keys that decide what the adapter computes
 * @param modules the adapted layers, each of rank {@code config.rank()}
 */
public record PeftAdapter(PeftConfig config, List<LoraModule> modules) {
    /** PEFT's config file name. */
    public static final String CONFIG = "adapter_config.json";
    /** PEFT's weights file name. */
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** The pickle weights older PEFT versions wrote, which Kumiki does not unpickle. */
    public static final String PICKLE = "adapter_model.bin";
    /** The prefix PEFT's {@code PeftModel} puts before the base model's own module names. */
    public static final String PREFIX = "base_model.model.";

    private static final String A = ".lora_A.weight";
    private static final String B = ".lora_B.weight";

    public PeftAdapter {
        modules = List.copyOf(modules);
        Set<String> seen = new HashSet<>();
        for (LoraModule m : modules) {
            if (!seen.add(m.module())) {
                throw new IllegalArgumentException("module " + m.module() + " is adapted twice");
            }
            if (m.rank() != config.rank()) {
                throw new IllegalArgumentException("module " + m.module() + " has rank " + m.rank()
                        + " but the adapter's r is " + config.rank() + " (per-module ranks are not supported)");
            }
        }
    }

    /** The module of that name (a path in the model's own tensor names), if it is adapted. */
    public Optional<LoraModule> module(String name) {
        return modules.stream().filter(m -> m.module().equals(name)).findFirst();
    }

    /** The adapted modules by name, in the adapter's order. */
    public Map<String, LoraModule> byModule() {
        Map<String, LoraModule> map = new LinkedHashMap<>();
        modules.forEach(m -> map.put(m.module(), m));
        return map;
    }

    // ---------------------------------------------------------------------------------------------- reading

    /**
     * Reads the adapter in {@code folder} as PEFT would: PEFT's defaults for keys the config leaves out (r 8,
     * lora_alpha 8, no dropout, no rsLoRA), tensors in F32, F16, BF16 or F64 (converted to F32).
     *
     * @throws TensorFormatException naming the file, the key or the tensor when the folder is not a LoRA adapter
     *                               Kumiki can apply exactly (the message says what to do)
     * @throws IOException           when a file cannot be read
     */
    public static PeftAdapter read(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            if (Files.isRegularFile(folder) && folder.getFileName() != null
                    && (folder.getFileName().toString().equals(CONFIG)
                            || folder.getFileName().toString().equals(WEIGHTS))) {
                throw new TensorFormatException(folder + " is a file of an adapter; give the adapter's folder ("
                        + folder.toAbsolutePath().getParent() + ")");
            }
            throw new NoSuchFileException(folder.toString(), null, "no such adapter folder (a PEFT adapter is a "
                    + "folder with " + CONFIG + " and " + WEIGHTS + ")");
        }
        Path configFile = folder.resolve(CONFIG);
        Path weights = folder.resolve(WEIGHTS);
        if (!Files.exists(configFile)) {
            throw new TensorFormatException(folder + " has no " + CONFIG + " (found " + listing(folder) + "); a PEFT "
                    + "adapter folder has " + CONFIG + " and " + WEIGHTS
                    + (Files.exists(folder.resolve("config.json")) ? " — this looks like a model folder, not an "
                            + "adapter" : ""));
        }
        JsonNode json = InputFiles.readJson(configFile, "PEFT adapter config");
        if (json == null || !json.isObject()) {
            throw new TensorFormatException(configFile + ": an adapter config is a JSON object (PEFT's LoraConfig); "
                    + "this file is not");
        }
        ConfigKeys keys = configKeys(configFile, json);
        if (!Files.exists(weights)) {
            if (Files.exists(folder.resolve(PICKLE))) {
                throw new TensorFormatException(folder + " holds its weights as " + PICKLE + " (PyTorch pickle), "
                        + "which Kumiki does not read: convert them to " + WEIGHTS + " first (in Python: "
                        + "safetensors.torch.save_file(torch.load('" + PICKLE + "'), '" + WEIGHTS + "', "
                        + "metadata={'format': 'pt'}))");
            }
            throw new TensorFormatException(folder + " has " + CONFIG + " but no " + WEIGHTS + " (found "
                    + listing(folder) + ")");
        }
        List<LoraModule> modules = new ArrayList<>();
        try (SafetensorsFile file = SafetensorsFile.open(weights)) {
            Map<String, String[]> pairs = new LinkedHashMap<>();
            for (String name : file.names()) {
                tensorRole(weights, name, keys);
                String module = name.substring(PREFIX.length(), name.length() - A.length());
                String[] pair = pairs.computeIfAbsent(module, k -> new String[2]);
                pair[name.endsWith(A) ? 0 : 1] = name;
            }
            if (pairs.isEmpty()) {
                throw new TensorFormatException(weights + " holds no LoRA tensors (" + PREFIX + "MODULE" + A
                        + " and " + B + ")");
            }
            for (Map.Entry<String, String[]> e : pairs.entrySet()) {
                modules.add(module(weights, file, e.getKey(), e.getValue(), keys.rank));
            }
        }
        List<String> targets = keys.targets.orElseGet(() -> modules.stream()
                .map(m -> m.module().substring(m.module().lastIndexOf('.') + 1)).distinct().toList());
        return new PeftAdapter(new PeftConfig(keys.rank, keys.alpha, keys.dropout, targets, keys.rslora,
                keys.baseModel), modules);
    }

    private record ConfigKeys(int rank, double alpha, double dropout, Optional<List<String>> targets, boolean rslora,
                              Optional<String> baseModel) {
    }

    /** The keys of a LoraConfig, with PEFT's defaults; keys whose maths Kumiki does not do are refused by name. */
    private static ConfigKeys configKeys(Path file, JsonNode json) throws TensorFormatException {
        JsonNode type = json.get("peft_type");
        if (type != null && !type.isNull() && !type.asText().equals("LORA")) {
            throw new TensorFormatException(file + ": peft_type is '" + type.asText() + "'; Kumiki reads LoRA "
                    + "adapters (peft_type LORA) only");
        }
        refuseIf(file, json, "use_dora", JsonNode::asBoolean, "DoRA adapters (use_dora: true) rescale each "
                + "column by a learned magnitude, which Kumiki does not apply");
        refuseIf(file, json, "fan_in_fan_out", JsonNode::asBoolean, "fan_in_fan_out: true marks weights stored "
                + "transposed (GPT-2's Conv1D), which Kumiki's Llama-family models do not have");
        refuseIf(file, json, "rank_pattern", n -> n.isObject() && !n.isEmpty(), "per-module ranks (rank_pattern) "
                + "are not supported; retrain or convert the adapter with one r for all modules");
        refuseIf(file, json, "alpha_pattern", n -> n.isObject() && !n.isEmpty(), "per-module alphas "
                + "(alpha_pattern) are not supported; retrain or convert the adapter with one lora_alpha");
        refuseIf(file, json, "bias", n -> !n.asText().equals("none"), "trained biases (bias: '"
                + text(json.get("bias")) + "') are not supported; only bias: none adapters can be applied");
        refuseIf(file, json, "lora_bias", JsonNode::asBoolean, "lora_bias: true adds a trained bias to lora_B, "
                + "which Kumiki does not apply");
        refuseIf(file, json, "modules_to_save", n -> !n.isArray() || !n.isEmpty(), "modules_to_save replaces "
                + "whole modules (e.g. a classification head) besides the LoRA update, which Kumiki does not apply");
        refuseIf(file, json, "trainable_token_indices", n -> true, "trainable token embeddings "
                + "(trainable_token_indices) are not supported");
        refuseIf(file, json, "layer_replication", n -> !n.isArray() || !n.isEmpty(), "layer_replication changes "
                + "the model's layer structure, which Kumiki does not do");
        refuseIf(file, json, "target_parameters", n -> !n.isArray() || !n.isEmpty(), "adapters on parameters "
                + "(target_parameters, e.g. MoE experts) are not supported; Kumiki applies adapters on linear modules");
        refuseIf(file, json, "alora_invocation_tokens", n -> true, "activated LoRA (alora_invocation_tokens) only "
                + "acts after its invocation tokens, so it cannot be merged into the weights");
        refuseIf(file, json, "use_qalora", JsonNode::asBoolean, "QA-LoRA (use_qalora: true) pools the input by "
                + "groups, which Kumiki does not apply");
        for (String key : List.of("arrow_config", "use_bdlora", "kasa_config", "velora_config",
                "monteclora_config")) {
            refuseIf(file, json, key, n -> true, key + " changes how the adapter computes its update, which "
                    + "Kumiki does not support");
        }
        int rank = json.has("r") ? positiveInt(file, json, "r") : 8;
        double alpha = json.has("lora_alpha") ? number(file, json, "lora_alpha") : 8;
        double dropout = json.has("lora_dropout") && !json.get("lora_dropout").isNull()
                ? number(file, json, "lora_dropout") : 0;
        if (dropout < 0 || dropout >= 1) {
            throw new TensorFormatException(file + ": lora_dropout must be in [0, 1), found " + dropout);
        }
        boolean rslora = bool(file, json, "use_rslora");
        Optional<List<String>> targets = Optional.empty();
        JsonNode t = json.get("target_modules");
        if (t != null && t.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode n : t) {
                if (!n.isTextual()) {
                    throw new TensorFormatException(file + ": target_modules must list module names, found " + n);
                }
                names.add(n.asText());
            }
            // PEFT saves a set as a list in no particular order; the order carries no meaning
            targets = Optional.of(names.stream().sorted().toList());
        } else if (t != null && !t.isNull() && !t.isTextual()) {
            throw new TensorFormatException(file + ": target_modules must be a list of names or a regular "
                    + "expression, found " + t);
        }
        // a regular expression (or 'all-linear') is described by the names of the modules the tensors adapt
        JsonNode base = json.get("base_model_name_or_path");
        Optional<String> baseModel = base == null || base.isNull() || base.asText().isEmpty() ? Optional.empty()
                : Optional.of(base.asText());
        return new ConfigKeys(rank, alpha, dropout, targets, rslora, baseModel);
    }

    private static void refuseIf(Path file, JsonNode json, String key, java.util.function.Predicate<JsonNode> set,
            String why) throws TensorFormatException {
        JsonNode n = json.get(key);
        if (n != null && !n.isNull() && set.test(n)) {
            throw new TensorFormatException(file + ": " + key + " is " + n + ": " + why + ". Kumiki applies plain "
                    + "LoRA (W + scaling·B·A on linear layers)");
        }
    }

    private static String text(JsonNode n) {
        return n == null ? "" : n.asText();
    }

    private static int positiveInt(Path file, JsonNode json, String key) throws TensorFormatException {
        JsonNode n = json.get(key);
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 1) {
            throw new TensorFormatException(file + ": " + key + " must be a whole number >= 1, found " + n);
        }
        return n.asInt();
    }

    private static double number(Path file, JsonNode json, String key) throws TensorFormatException {
        JsonNode n = json.get(key);
        if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
            throw new TensorFormatException(file + ": " + key + " must be a number, found " + n);
        }
        return n.asDouble();
    }

    private static boolean bool(Path file, JsonNode json, String key) throws TensorFormatException {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw new TensorFormatException(file + ": " + key + " must be true or false, found " + n);
        }
        return n.asBoolean();
    }

    /** Checks that {@code name} is a lora_A or lora_B weight of a linear module, refusing the rest by name. */
    private static void tensorRole(Path weights, String name, ConfigKeys keys) throws TensorFormatException {
        if (name.contains("lora_embedding_A") || name.contains("lora_embedding_B")) {
            throw new TensorFormatException(weights + ": tensor " + name + " adapts an embedding, which Kumiki "
                    + "does not apply (only linear layers); retrain without the embedding in target_modules");
        }
        if (name.contains("lora_magnitude_vector")) {
            throw new TensorFormatException(weights + ": tensor " + name + " is a DoRA magnitude, which Kumiki "
                    + "does not apply");
        }
        if (!name.startsWith(PREFIX) || !(name.endsWith(A) || name.endsWith(B)) || name.length() <= PREFIX.length()
                + A.length()) {
            throw new TensorFormatException(weights + ": tensor " + name + " is not a LoRA weight as PEFT saves "
                    + "them (" + PREFIX + "MODULE" + A + " or " + B + "); Kumiki applies LoRA adapters on linear "
                    + "layers only" + (name.endsWith(".bias") ? " (trained biases are not supported)" : ""));
        }
    }

    private static LoraModule module(Path weights, SafetensorsFile file, String module, String[] pair, int rank)
            throws TensorFormatException {
        for (int i = 0; i < 2; i++) {
            if (pair[i] == null) {
                throw new TensorFormatException(weights + ": module " + module + " has " + (i == 0 ? "lora_B but "
                        + "no lora_A" : "lora_A but no lora_B") + " (" + PREFIX + module + (i == 0 ? A : B)
                        + "); the file is incomplete");
            }
        }
        MappedTensor a = file.tensor(pair[0]);
        MappedTensor b = file.tensor(pair[1]);
        Shape sa = a.info().shape();
        Shape sb = b.info().shape();
        if (sa.rank() != 2 || sb.rank() != 2) {
            throw new TensorFormatException(weights + ": module " + module + " has lora_A " + sa + " and lora_B "
                    + sb + "; a linear layer's adapter has two matrices, A [r, in] and B [out, r] (convolution "
                    + "adapters are not supported)");
        }
        if (sa.dim(0) != rank || sb.dim(1) != rank) {
            throw new TensorFormatException(weights + ": module " + module + " has lora_A " + sa + " and lora_B "
                    + sb + ", but the adapter's r is " + rank + " (A must be [" + rank + ", in] and B [out, " + rank
                    + "]); per-module ranks are not supported");
        }
        if (sa.elements() > Integer.MAX_VALUE - 8 || sb.elements() > Integer.MAX_VALUE - 8) {
            throw new TensorFormatException(weights + ": module " + module + " is too large to hold in memory");
        }
        return new LoraModule(module, rank, (int) sa.dim(1), (int) sb.dim(0), floats(weights, a),
                floats(weights, b));
    }

    private static float[] floats(Path weights, MappedTensor t) throws TensorFormatException {
        DType type = t.info().dtype();
        if (!type.isFloatingPoint()) {
            throw new TensorFormatException(weights + ": tensor " + t.info().name() + " is " + type.safetensorsName()
                    + "; LoRA weights are F32, F16, BF16 or F64 (quantised adapters are not supported)");
        }
        float[] v = new float[(int) t.info().shape().elements()];
        Kernels.scalar().load(t.data(), type, 0, v, 0, v.length);
        return v;
    }

    private static String listing(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().limit(12).toList();
            return names.isEmpty() ? "nothing" : String.join(", ", names);
        }
    }

    // ---------------------------------------------------------------------------------------------- writing

    /**
     * Writes the adapter as the folder {@code folder}, as a whole ({@link OutputFolder}: staged beside it, swapped in
     * when complete; an existing folder is replaced only if Kumiki wrote it). For a folder that also gets other files
     * (a model card), stage it yourself and call {@link #writeFiles(Path)}.
     *
     * @throws IllegalArgumentException when {@code folder} cannot receive the adapter (why and what to do in the message)
     */
    public void write(Path folder) throws IOException {
        try (OutputFolder out = OutputFolder.begin(folder, List.of())) {
            writeFiles(out.staging());
            out.commit();
        }
    }

    /**
     * Writes {@value #CONFIG} and {@value #WEIGHTS} into the existing folder {@code dir}, each under a temporary
     * name and then renamed (the weights first), replacing files of those names.
     */
    public void writeFiles(Path dir) throws IOException {
        List<LoraModule> sorted = new ArrayList<>(modules);
        sorted.sort(Comparator.comparing(LoraModule::module));
        // safetensors' Python writer lays tensors out sorted by name (all are F32 here)
        TreeMap<String, float[]> tensors = new TreeMap<>();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (LoraModule m : sorted) {
            tensors.put(PREFIX + m.module() + A, m.a());
            shapes.put(PREFIX + m.module() + A, Shape.of(m.rank(), m.in()));
            tensors.put(PREFIX + m.module() + B, m.b());
            shapes.put(PREFIX + m.module() + B, Shape.of(m.out(), m.rank()));
        }
        List<TensorInfo> infos = tensors.keySet().stream().map(n -> new TensorInfo(n, DType.F32, shapes.get(n)))
                .toList();
        try (SafetensorsWriter w = SafetensorsWriter.create(dir.resolve(WEIGHTS), infos, Map.of("format", "pt"))) {
            for (Map.Entry<String, float[]> e : tensors.entrySet()) {
                float[] v = e.getValue();
                MemorySegment bytes = MemorySegment.ofArray(new byte[v.length * 4]);
                Kernels.scalar().store(v, 0, v.length, bytes, DType.F32, 0);
                w.write(e.getKey(), 0, bytes);
            }
            w.commit();
        }
        Path config = dir.resolve(CONFIG);
        Path partial = config.resolveSibling(CONFIG + ".partial");
        Files.writeString(partial, configJson(), StandardCharsets.UTF_8);
        Files.move(partial, config, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * The text of {@value #CONFIG} as PEFT writes it ({@code json.dumps(config, indent=2, sort_keys=True)}, no final
     * newline): a LoraConfig for a causal language model, every key that changes the maths at its neutral value.
     */
    public String configJson() {
        TreeMap<String, Object> keys = new TreeMap<>();
        keys.put("alpha_pattern", Map.of());
        keys.put("auto_mapping", null);
        keys.put("base_model_name_or_path", config.baseModel().orElse(null));
        keys.put("bias", "none");
        keys.put("fan_in_fan_out", false);
        keys.put("inference_mode", true);
        keys.put("init_lora_weights", true);
        keys.put("layers_pattern", null);
        keys.put("layers_to_transform", null);
        // lora_alpha is an int in PEFT's LoraConfig; a fractional one (which PEFT also accepts) stays a float
        double alpha = config.alpha();
        keys.put("lora_alpha", alpha == Math.rint(alpha) && Math.abs(alpha) < 1e9 ? (Object) (int) alpha
                : (Object) alpha);
        keys.put("lora_dropout", config.dropout());
        keys.put("modules_to_save", null);
        keys.put("peft_type", "LORA");
        keys.put("r", config.rank());
        keys.put("rank_pattern", Map.of());
        keys.put("revision", null);
        keys.put("target_modules", new ArrayList<>(new LinkedHashSet<>(config.targetModules())));
        keys.put("task_type", "CAUSAL_LM");
        keys.put("use_dora", false);
        keys.put("use_rslora", config.rslora());
        StringBuilder b = new StringBuilder();
        pythonJson(b, keys, 0);
        return b.toString();
    }

    /** Python's json.dumps with indent=2: ", " never at line ends, ": " after keys, empty containers inline. */
    private static void pythonJson(StringBuilder b, Object value, int depth) {
        String pad = "  ".repeat(depth + 1);
        String end = "  ".repeat(depth);
        switch (value) {
            case null -> b.append("null");
            case Boolean v -> b.append(v);
            case Integer v -> b.append(v);
            case Double v -> b.append(pythonFloat(v));
            case String v -> quote(b, v);
            case Map<?, ?> m when m.isEmpty() -> b.append("{}");
            case Map<?, ?> m -> {
                b.append("{\n");
                int i = 0;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    b.append(pad);
                    quote(b, (String) e.getKey());
                    b.append(": ");
                    pythonJson(b, e.getValue(), depth + 1);
                    b.append(++i < m.size() ? ",\n" : "\n");
                }
                b.append(end).append('}');
            }
            case List<?> l when l.isEmpty() -> b.append("[]");
            case List<?> l -> {
                b.append("[\n");
                for (int i = 0; i < l.size(); i++) {
                    b.append(pad);
                    pythonJson(b, l.get(i), depth + 1);
                    b.append(i + 1 < l.size() ? ",\n" : "\n");
                }
                b.append(end).append(']');
            }
            default -> throw new IllegalStateException("no JSON for " + value.getClass());
        }
    }

    /**
     * A double as Python's repr writes it (shortest digits that read back the same; exponent form below 1e-4 and
     * from 1e16).
     */
    static String pythonFloat(double v) {
        if (v == 0) {
            return "0.0";
        }
        BigDecimal d = new BigDecimal(Double.toString(v)).stripTrailingZeros();
        int exponent = d.precision() - d.scale() - 1;
        if (exponent < -4 || exponent >= 16) {
            String digits = d.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (v < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                    + String.format(java.util.Locale.ROOT, "%02d", Math.abs(exponent));
        }
        String plain = d.toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    // Python's ensure_ascii: everything outside printable ASCII as \\uXXXX
                    if (c < 0x20 || c > 0x7e) {
                        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
