package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CancellationException;

import org.eclipse.emf.ecore.EClass;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.engine.ConfigureContext;
import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.engine.Inputs;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.Port;
import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.llm.runtime.DecoderConfig;
import dev.kumiki.nodes.settings.LoraConfig;
import dev.kumiki.nodes.settings.NodesPackage;
import dev.kumiki.nodes.settings.Train;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelConfig;
import dev.kumiki.tensor.io.OutputFolder;
import dev.kumiki.train.LoraSettings;
import dev.kumiki.train.Trainer;
import dev.kumiki.train.Training;
import dev.kumiki.train.TrainingConfigReader;
import dev.kumiki.train.TrainingException;
import dev.kumiki.train.TrainingJob;
import dev.kumiki.train.TrainingListener;
import dev.kumiki.train.TrainingMode;
import dev.kumiki.train.TrainingProgress;
import dev.kumiki.train.TrainingResult;
import dev.kumiki.train.TrainingSettings;
import dev.kumiki.train.data.DatasetException;

/**
 * Train: the training library ({@link Trainer}) on the model and dataset at its inputs, with the settings of
 * {@code kumiki train} ({@link TrainingConfigReader}'s names and defaults). Configure checks what can be told from
 * config.json and the tensor headers — the mode against the inputs, the LoRA target modules against the model's
 * modules (nearest names suggested), the rank against the layers, the output against the inputs. Execute streams the
 * losses as the series {@code loss} and {@code val_loss} into the run record and to the Studio's chart, reports
 * step/total as progress, and stops at the next step when the run is cancelled (the checkpoint stays; the next run
 * resumes from it). Outputs are kept in the cache by the inputs' and settings' content.
 */
public final class TrainKind implements NodeKind<Train> {
    /** The series a Train node measures, per optimizer step. */
    public static final String LOSS = "loss";
    /** The series a Train node measures at each validation. */
    public static final String VALIDATION_LOSS = "val_loss";
    /** The learning rate each step used. */
    public static final String LEARNING_RATE = "learning_rate";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public EClass settingsClass() {
        return NodesPackage.Literals.TRAIN;
    }

    @Override
    public List<Port> inputs() {
        return List.of(new Port("model", ModelPorts.MODEL, "the model to fine-tune (full, lora); none for scratch",
                true, false), Port.of("dataset", ModelPorts.DATASET, "the data to train on"));
    }

    @Override
    public List<Port> outputs() {
        return List.of(Port.of("model", ModelPorts.MODEL, "the trained model; for lora the base with the adapter "
                + "applied, computed when read"), Port.of("folder", ModelPorts.FILE, "the folder written: the PEFT "
                        + "adapter for lora, the model folder otherwise"));
    }

    static TrainingMode mode(Train s) {
        return TrainingMode.valueOf(s.getMode().getLiteral().toUpperCase(Locale.ROOT));
    }

    /** Where the trained model or adapter goes: the output setting, else .kumiki/train/NODE/{model,adapter}. */
    static Path output(Train s, ConfigureContext c) {
        if (s.getOutput() != null && !s.getOutput().isBlank()) {
            return c.resolve(s.getOutput());
        }
        return c.baseDir().resolve(".kumiki/train").resolve(c.node())
                .resolve(mode(s) == TrainingMode.LORA ? "adapter" : "model");
    }

    /**
     * Where checkpoints go: the checkpoints setting, else under .kumiki/train/NODE/checkpoints, in a folder of the
     * training's own ({@link #identity}), where a re-run of the same training resumes.
     */
    static Path checkpoints(Train s, ConfigureContext c) {
        if (s.getCheckpoints() != null && !s.getCheckpoints().isBlank()) {
            return c.resolve(s.getCheckpoints());
        }
        return c.baseDir().resolve(".kumiki/train").resolve(c.node()).resolve("checkpoints");
    }

    private static boolean set(String s) {
        return s != null && !s.isBlank();
    }

    /** The config.json a scratch run trains: the setting, or config.json in the folder it names. */
    static Path configFile(Train s, ConfigureContext c) {
        Path p = c.resolve(s.getConfig());
        return Files.isDirectory(p) ? p.resolve("config.json") : p;
    }

    static LoraSettings lora(Train s) {
        LoraConfig l = s.getLora();
        if (l == null) {
            return LoraSettings.defaults();
        }
        return new LoraSettings(l.getR(), l.getLoraAlpha(), l.getLoraDropout(), l.getTargetModules().isEmpty()
                ? LoraSettings.defaults().targetModules() : List.copyOf(l.getTargetModules()), l.isUseRslora());
    }

    static TrainingSettings settings(Train s, double validationSize) {
        TrainingMode mode = mode(s);
        return new TrainingSettings(mode, s.getMaxSteps(), s.getBatchSize(), s.getGradientAccumulationSteps(),
                s.getCutoffLen(), s.getLearningRate(), s.getMinLrRatio(), s.getWarmupSteps(), s.getWeightDecay(),
                s.getAdamBeta1(), s.getAdamBeta2(), s.getAdamEpsilon(), s.getMaxGradNorm(), s.getSeed(),
                s.getEvalSteps(), s.getSaveSteps(), validationSize, s.isPacking(),
                mode == TrainingMode.LORA ? Optional.of(lora(s)) : Optional.empty());
    }

    @Override
    public Map<String, PortSpec> configure(Train s, Inputs<PortSpec> inputs, ConfigureContext c) {
        TrainingMode mode = mode(s);
        Optional<ModelSpec> model = inputs.optional("model").map(ModelSpec.class::cast);
        Optional<DatasetValue> data = inputs.optional("dataset").map(DatasetValue.class::cast);
        boolean ok = true;
        ModelSpec out = null;
        List<Path> read = new ArrayList<>();
        data.ifPresent(d -> read.add(d.file()));
        if (s.getWarmupSteps() > s.getMaxSteps()) {
            c.error("warmup_steps", "warmup_steps (" + s.getWarmupSteps() + ") is more than max_steps ("
                    + s.getMaxSteps() + "); the learning rate would never reach its peak");
            ok = false;
        }
        if (mode != TrainingMode.LORA && s.getLora() != null) {
            c.error("lora", "lora settings are given but mode is " + mode.userName() + "; set mode to lora to train "
                    + "an adapter, or remove them");
            ok = false;
        }
        Path output = output(s, c);
        if (mode == TrainingMode.SCRATCH) {
            if (model.isPresent()) {
                c.error("mode", "mode is scratch, which trains a new model from config, but a model is connected; "
                        + "set mode to full or lora to fine-tune it, or disconnect it");
                ok = false;
            }
            if (!set(s.getConfig())) {
                c.error("config", "mode scratch trains a new model defined by a Hugging Face config.json: set config "
                        + "(e.g. tiny/config.json), or connect a model and set mode to full or lora");
                return Map.of();
            }
            Path file = configFile(s, c);
            if (!Files.isRegularFile(file)) {
                c.error("config", "there is no file " + file + (Path.of(s.getConfig()).isAbsolute() ? ""
                        : " (the path is relative to the pipeline file's folder)") + "; config names the config.json "
                        + "of the model to train, or its folder");
                return Map.of();
            }
            ModelConfig config;
            try {
                config = ModelConfig.read(file);
            } catch (IOException e) {
                c.error("config", e.getMessage());
                return Map.of();
            }
            if (!DecoderConfig.SUPPORTED.contains(config.architecture())) {
                c.error("config", file + " describes a " + config.architecture() + "; Kumiki trains "
                        + String.join(", ", DecoderConfig.SUPPORTED));
                ok = false;
            }
            read.add(file.getParent());
            if (set(s.getTokenizer())) {
                Path t = c.resolve(s.getTokenizer());
                if (!Files.isRegularFile(t.resolve("tokenizer.json"))) {
                    c.error("tokenizer", t + " is not a folder with a tokenizer.json; give one, or leave tokenizer "
                            + "empty to train a byte-level BPE on the dataset");
                    ok = false;
                }
                read.add(t);
                if (s.getVocabSize() > 0) {
                    c.error("vocab_size", "vocab_size is the size of the tokenizer trained when none is given; with "
                            + "tokenizer set, leave it 0");
                    ok = false;
                }
            } else if (config.vocabSize().isEmpty() && s.getVocabSize() == 0) {
                c.error("vocab_size", file + " has no vocab_size; set vocab_size (and write it into config.json)");
                ok = false;
            } else if (s.getVocabSize() > 0 && config.vocabSize().isPresent()
                    && config.vocabSize().getAsInt() != s.getVocabSize()) {
                c.error("vocab_size", "vocab_size is " + s.getVocabSize() + " but " + file + " says vocab_size "
                        + config.vocabSize().getAsInt() + "; the tokenizer and the model must agree: change one");
                ok = false;
            } else if (s.getVocabSize() > 0 && s.getVocabSize() < 260) {
                c.error("vocab_size", "vocab_size must be at least 260 (256 bytes and a few special tokens)");
                ok = false;
            }
            out = new ModelSpec(Optional.of(config), config.layers().isPresent() ? Optional.of(config.layers()
                    .getAsInt()) : Optional.empty(), tensors(config), Optional.of(output), Optional.empty());
        } else {
            for (String key : List.of("config", "tokenizer")) {
                String v = key.equals("config") ? s.getConfig() : s.getTokenizer();
                if (set(v)) {
                    c.error(key, key + " is for mode scratch; mode " + mode.userName() + " fine-tunes the model at "
                            + "the input and keeps its tokenizer: leave " + key + " empty");
                    ok = false;
                }
            }
            if (s.getVocabSize() > 0) {
                c.error("vocab_size", "vocab_size is for mode scratch; mode " + mode.userName() + " keeps the "
                        + "model's vocabulary: leave it 0");
                ok = false;
            }
            if (model.isEmpty()) {
                c.error("mode", "mode " + mode.userName() + " fine-tunes the model at the 'model' input: connect "
                        + "one (LoadModel), or set mode to scratch and config to train a new model");
                return Map.of();
            }
            ModelSpec base = model.get();
            if (base.folder().isEmpty()) {
                c.error(null, "Train reads the model it fine-tunes from a folder, and the model at its input exists "
                        + "only in memory (a merge or a model with an adapter applied): put a SaveModel before Train "
                        + "and connect its output");
                return Map.of();
            }
            LanguageModels.problem(base).ifPresent(p -> c.error(null, p));
            read.add(base.folder().get());
            if (mode == TrainingMode.LORA) {
                ok &= checkLora(lora(s), base, c);
                out = AdaptedModelHandle.spec(base);
            } else {
                out = new ModelSpec(base.config(), base.layers(), base.tensors(), Optional.of(output),
                        Optional.empty());
            }
        }
        if (data.isPresent() && s.getEvalSteps() > 0 && data.get().validationSize() == 0) {
            c.warning("eval_steps", "eval_steps is " + s.getEvalSteps() + " but the dataset holds nothing out for "
                    + "validation (its val_size is 0): there will be no validation loss");
        }
        Optional<String> problem = OutputFolder.problem(output, read);
        if (problem.isPresent()) {
            c.error("output", problem.get());
            ok = false;
        }
        Path checkpoints = checkpoints(s, c).toAbsolutePath().normalize();
        if (checkpoints.equals(output.toAbsolutePath().normalize())) {
            c.error("checkpoints", "checkpoints is the output folder; give checkpoints a folder of their own");
            ok = false;
        }
        if (!ok || data.isEmpty()) {
            return Map.of();
        }
        return Map.of("model", out, "folder", new TrainedFolder(output, mode == TrainingMode.LORA));
    }

    /**
     * Checks the LoRA targets against the model's modules (a name matches a module whose path ends with it, as PEFT
     * matches) and the rank against each matched layer's dimensions.
     */
    static boolean checkLora(LoraSettings lora, ModelSpec model, ConfigureContext c) {
        Set<String> leaves = new LinkedHashSet<>();
        List<TensorInfo> weights = model.tensors().stream().filter(t -> t.name().endsWith(".weight")
                && t.shape().rank() == 2).toList();
        weights.forEach(t -> {
            String module = t.name().substring(0, t.name().length() - ".weight".length());
            leaves.add(module.substring(module.lastIndexOf('.') + 1));
        });
        boolean ok = true;
        for (String target : lora.targetModules()) {
            List<TensorInfo> matched = weights.stream().filter(t -> {
                String module = t.name().substring(0, t.name().length() - ".weight".length());
                return module.equals(target) || module.endsWith("." + target);
            }).toList();
            if (matched.isEmpty()) {
                c.error("lora", "target module '" + target + "' is not a module of the model"
                        + dev.kumiki.tensor.io.Names.nearest(target, leaves).map(n -> "; did you mean '" + n + "'?").orElse("")
                        + " (its linear modules: " + String.join(", ", leaves) + ")");
                ok = false;
                continue;
            }
            for (TensorInfo t : matched) {
                long smaller = Math.min(t.shape().dim(0), t.shape().dim(1));
                if (lora.rank() > smaller) {
                    c.error("lora", "r is " + lora.rank() + " but " + t.name() + " is " + t.shape().dim(0) + "×"
                            + t.shape().dim(1) + ": the rank can be at most " + smaller + "; lower r");
                    ok = false;
                    break;
                }
            }
        }
        return ok;
    }

    /** A Llama model's tensors as a config.json defines them, in F32 (what a model trained from scratch holds). */
    static List<TensorInfo> tensors(ModelConfig c) {
        if (c.hiddenSize().isEmpty() || c.layers().isEmpty() || c.intermediateSize().isEmpty()
                || c.attentionHeads().isEmpty() || c.vocabSize().isEmpty()) {
            return List.of();
        }
        long h = c.hiddenSize().getAsInt();
        long inter = c.intermediateSize().getAsInt();
        long heads = c.attentionHeads().getAsInt();
        long kv = c.keyValueHeads().orElse((int) heads);
        long headDim = c.json().path("head_dim").canConvertToInt() ? c.json().path("head_dim").asInt()
                : heads == 0 ? 0 : h / heads;
        long v = c.vocabSize().getAsInt();
        List<TensorInfo> t = new ArrayList<>();
        t.add(new TensorInfo("model.embed_tokens.weight", DType.F32, Shape.of(v, h)));
        for (int i = 0; i < c.layers().getAsInt(); i++) {
            String p = "model.layers." + i + ".";
            t.add(new TensorInfo(p + "input_layernorm.weight", DType.F32, Shape.of(h)));
            t.add(new TensorInfo(p + "self_attn.q_proj.weight", DType.F32, Shape.of(heads * headDim, h)));
            t.add(new TensorInfo(p + "self_attn.k_proj.weight", DType.F32, Shape.of(kv * headDim, h)));
            t.add(new TensorInfo(p + "self_attn.v_proj.weight", DType.F32, Shape.of(kv * headDim, h)));
            t.add(new TensorInfo(p + "self_attn.o_proj.weight", DType.F32, Shape.of(h, heads * headDim)));
            t.add(new TensorInfo(p + "post_attention_layernorm.weight", DType.F32, Shape.of(h)));
            t.add(new TensorInfo(p + "mlp.gate_proj.weight", DType.F32, Shape.of(inter, h)));
            t.add(new TensorInfo(p + "mlp.up_proj.weight", DType.F32, Shape.of(inter, h)));
            t.add(new TensorInfo(p + "mlp.down_proj.weight", DType.F32, Shape.of(h, inter)));
        }
        t.add(new TensorInfo("model.norm.weight", DType.F32, Shape.of(h)));
        if (!c.tiedEmbeddings()) {
            t.add(new TensorInfo("lm_head.weight", DType.F32, Shape.of(v, h)));
        }
        return t;
    }

    @Override
    public long memoryEstimate(Train s, Inputs<PortSpec> inputs) {
        // weights, gradients and AdamW's two moments in F32, and room for activations
        long parameters = inputs.optional("model").map(m -> ((ModelSpec) m).tensors().stream()
                .mapToLong(t -> t.shape().elements()).sum()).orElse(0L);
        return parameters * 16 + (512L << 20);
    }

    /** The step's line for progress: {@code step 12/200, loss 3.2104, val 3.4012, 4210 tokens/s, 1m 20s left}. */
    static String progressLine(TrainingProgress p, OptionalDouble validation) {
        long left = Math.max(0, p.remaining().toSeconds());
        return String.format(Locale.ROOT, "step %d/%d, loss %.4f%s, %.0f tokens/s, %s left", p.step(), p.totalSteps(),
                p.loss(), validation.isPresent() ? String.format(Locale.ROOT, ", val %.4f", validation.getAsDouble())
                        : "", p.tokensPerSecond(), left < 60 ? left + "s" : left / 60 + "m " + String.format(
                                Locale.ROOT, "%02ds", left % 60));
    }

    @Override
    public Map<String, PortValue> execute(Train s, Inputs<PortValue> inputs, ExecuteContext c) throws Exception {
        Optional<String> missing = onTrainingThread(Training::availability);
        if (missing.isPresent()) {
            // a Studio or distribution without the optional feature: what to install, not a stack trace
            throw new IOException(missing.get());
        }
        TrainingMode mode = mode(s);
        DatasetValue data = (DatasetValue) inputs.one("dataset");
        Optional<ModelHandle> model = inputs.optional("model").map(ModelHandle.class::cast);
        Optional<Path> base = model.flatMap(m -> m.spec().folder());
        Optional<Path> config = mode == TrainingMode.SCRATCH ? Optional.of(configFile(s, c)) : Optional.empty();
        Optional<Path> tokenizer = mode == TrainingMode.SCRATCH && set(s.getTokenizer())
                ? Optional.of(c.resolve(s.getTokenizer())) : Optional.empty();
        int vocabulary = 0;
        if (mode == TrainingMode.SCRATCH && tokenizer.isEmpty()) {
            vocabulary = s.getVocabSize() > 0 ? s.getVocabSize()
                    : ModelConfig.read(config.get()).vocabSize().orElse(0);
        }
        Path output = output(s, c);
        TrainingSettings settings = settings(s, data.validationSize());
        Path checkpoints = checkpoints(s, c);
        if (s.getCheckpoints() == null || s.getCheckpoints().isBlank()) {
            // by default one folder per training as set up: a run with other settings or data starts afresh beside
            // it instead of finding checkpoints it may not resume; the same training resumes
            checkpoints = checkpoints.resolve(identity(settings, base, config, tokenizer, vocabulary, data));
        }
        Files.createDirectories(checkpoints);
        TrainingJob job = new TrainingJob(settings, base, config, tokenizer, vocabulary, data.file(), data.format(),
                output, checkpoints);
        c.log("training " + mode.userName() + (base.map(b -> " of " + b).orElse(config.map(f -> " from " + f)
                .orElse(""))) + " on " + data.summary() + ", " + s.getMaxSteps() + " steps; checkpoints in "
                + checkpoints);
        TrainingListener listener = new TrainingListener() {
            private OptionalDouble validation = OptionalDouble.empty();

            @Override
            public void step(TrainingProgress p) {
                c.metric(LOSS, p.step(), p.loss());
                c.metric(LEARNING_RATE, p.step(), p.learningRate());
                c.progress(p.step() / (double) Math.max(1, p.totalSteps()), progressLine(p, validation));
            }

            @Override
            public void validated(int step, double validationLoss) {
                validation = OptionalDouble.of(validationLoss);
                c.metric(VALIDATION_LOSS, step, validationLoss);
                c.log(String.format(Locale.ROOT, "step %d: validation loss %.4f", step, validationLoss));
            }

            @Override
            public void checkpointed(int step, Path folder) {
                c.log("step " + step + ": checkpoint " + folder);
            }

            @Override
            public void note(String message) {
                c.log(message);
            }

            @Override
            public boolean cancelled() {
                return c.cancelled();
            }
        };
        TrainingResult result;
        try {
            result = onTrainingThread(() -> Trainer.run(job, listener));
        } catch (Exception e) {
            if (e instanceof TrainingException || e instanceof DatasetException) {
                // the message names the file, line, module or setting: it is what the user reads
                throw new IOException(e.getMessage(), e);
            }
            throw e;
        }
        if (result.cancelled()) {
            throw new CancellationException("cancelled at step " + result.steps() + result.lastCheckpoint()
                    .map(p -> "; the checkpoint " + p + " is kept and the next run resumes from it").orElse(""));
        }
        summary(c, job, result);
        return Map.of("model", mode == TrainingMode.LORA
                ? new AdaptedModelHandle(AdaptedModelHandle.spec(model.orElseThrow().spec()), base.orElseThrow(),
                        output)
                : new FolderModel(LoadModelKind.read(output), output),
                "folder", new TrainedFolder(output, mode == TrainingMode.LORA));
    }

    /**
     * The one thread trainings run on. PyTorch's gradient mode is per thread and DJL turns it off only on the thread
     * that starts its engine: a training on another node thread found it on (scratch initialisation then failed with
     * "a leaf Variable that requires grad is being used in an in-place operation"). Trainings are also never
     * interrupted here: a cancelled run stops at the next step through the listener and writes its checkpoint, which
     * an interrupted thread's file channels would refuse.
     */
    private static final java.util.concurrent.ExecutorService TRAINING = java.util.concurrent.Executors
            .newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "kumiki-training");
                t.setDaemon(true);
                return t;
            });

    @FunctionalInterface
    private interface Work<T> {
        T run() throws Exception;
    }

    /** Runs {@code work} on the training thread and waits for it, also when this node's thread is interrupted. */
    private static <T> T onTrainingThread(Work<T> work) throws Exception {
        java.util.concurrent.Future<T> f = TRAINING.submit(work::run);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return f.get();
                } catch (InterruptedException e) {
                    // the run was cancelled: the training sees it at its next step and returns
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof Exception x ? x : new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A short hash of what a training's result depends on: settings, inputs and the files' sizes and times. */
    static String identity(TrainingSettings settings, Optional<Path> model, Optional<Path> config,
            Optional<Path> tokenizer, int vocabulary, DatasetValue data) throws IOException {
        StringBuilder b = new StringBuilder(settings.toString()).append('|').append(vocabulary).append('|')
                .append(data.format()).append('|').append(data.file()).append('|').append(Files.size(data.file()))
                .append('|').append(Files.getLastModifiedTime(data.file()).toMillis());
        if (model.isPresent()) {
            b.append("|model ").append(model.get()).append(' ').append(Fingerprints.folder(model.get()));
        }
        if (config.isPresent()) {
            b.append("|config ").append(config.get()).append(' ').append(Files.readString(config.get()));
        }
        if (tokenizer.isPresent()) {
            b.append("|tokenizer ").append(tokenizer.get()).append(' ').append(Fingerprints.folder(tokenizer.get()));
        }
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void summary(ExecuteContext c, TrainingJob job, TrainingResult r) throws IOException {
        ObjectNode json = JSON.createObjectNode();
        json.put("mode", job.settings().mode().userName());
        json.put("output", r.output().map(Path::toString).orElse(job.output().toString()));
        json.put("steps", r.steps());
        json.put("loss", r.trainLoss());
        if (r.validationLoss().isPresent()) {
            json.put("val_loss", r.validationLoss().getAsDouble());
        }
        json.put("tokens", r.tokens());
        double seconds = r.time().toNanos() / 1e9;
        json.put("seconds", seconds);
        if (seconds > 0) {
            json.put("tokens_per_second", r.tokens() / seconds);
        }
        r.lastCheckpoint().ifPresent(p -> json.put("checkpoint", p.toString()));
        Files.createDirectories(c.recordDir());
        Files.writeString(c.recordDir().resolve("summary.json"), JSON.writeValueAsString(json));
        c.log(String.format(Locale.ROOT, "trained %d steps (%d tokens) in %.1f s: loss %.4f%s; wrote %s", r.steps(),
                r.tokens(), seconds, r.trainLoss(), r.validationLoss().isPresent() ? String.format(Locale.ROOT,
                        ", validation loss %.4f", r.validationLoss().getAsDouble()) : "", json.get("output").asText()));
    }

    @Override
    public boolean cached() {
        return true;
    }

    @Override
    public String persist(String port, PortValue value) {
        Path folder = switch (value) {
            case AdaptedModelHandle a -> a.adapter();
            case FolderModel f -> f.folder();
            case TrainedFolder t -> t.path();
            default -> throw new IllegalArgumentException("Train does not keep a " + value.getClass().getSimpleName());
        };
        String base = value instanceof AdaptedModelHandle a ? a.model().toString() : "";
        try {
            return folder + "\n" + base + "\n" + Fingerprints.folder(folder);
        } catch (IOException e) {
            return folder + "\n" + base + "\n";
        }
    }

    @Override
    public Optional<PortValue> restore(Train s, String port, String persisted, ConfigureContext c) {
        String[] parts = persisted.split("\n", -1);
        if (parts.length != 3) {
            return Optional.empty();
        }
        Path folder = Path.of(parts[0]);
        try {
            if (!Files.isDirectory(folder) || !Fingerprints.folder(folder).equals(parts[2])
                    || !folder.equals(output(s, c))) {
                return Optional.empty(); // trained again (from its last checkpoint, when there is one)
            }
            boolean lora = mode(s) == TrainingMode.LORA;
            if (port.equals("folder")) {
                return Optional.of(new TrainedFolder(folder, lora));
            }
            if (lora) {
                Path base = Path.of(parts[1]);
                return Optional.of(new AdaptedModelHandle(AdaptedModelHandle.spec(LoadModelKind.read(base)), base,
                        folder));
            }
            return Optional.of(new FolderModel(LoadModelKind.read(folder), folder));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
