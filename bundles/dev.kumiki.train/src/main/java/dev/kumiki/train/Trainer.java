package dev.kumiki.train;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.kumiki.merge.lora.PeftAdapter;
import dev.kumiki.merge.lora.PeftConfig;
import dev.kumiki.tensor.io.OutputFolder;
import dev.kumiki.train.data.TokenizedDataset;
import dev.kumiki.train.data.TokenizedSequence;
import dev.kumiki.train.internal.Djl;
import dev.kumiki.train.model.LlamaNetwork;
import dev.kumiki.train.optim.AdamW;
import dev.kumiki.train.optim.GradientClipping;
import dev.kumiki.train.optim.LearningRateSchedule;

/**
 * Runs a {@link TrainingJob}: the training loop (AdamW, warm-up and cosine schedule, clipping, gradient accumulation,
 * a seeded data order, validation), resumable checkpoints and the output folder.
 *
 * <p>A run is reproducible: the data order is one shuffled permutation per epoch drawn from the seed, dropout is
 * re-seeded for every micro-batch from (seed, step, micro-batch), and a checkpoint holds the trained parameters, the
 * optimizer's moments and the step. A run killed at any moment and started again with the same job resumes from its
 * newest checkpoint and ends with the same weights, bit for bit, as a run that was never interrupted.
 * {@snippet :
 * TrainingResult r = Trainer.run(job, new TrainingListener() {
 *     public void step(TrainingProgress p) {
 *         System.out.printf("step %d/%d loss %.3f %.0f tok/s%n", p.step(), p.totalSteps(), p.loss(),
 *                 p.tokensPerSecond());
 *     }
 * });
 * }
 */
public final class Trainer {
    /** The Kumiki version written into checkpoints and model cards. */
    public static final String KUMIKI_VERSION = "0.1.0";
    static final String CHECKPOINT_FORMAT = "kumiki-checkpoint-1";
    /** The files of a tokenizer that go with a model. */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "chat_template.jinja", "tokenizer.model", "vocab.json", "merges.txt");
    private static final int RATE_WINDOW = 20;

    private Trainer() {
    }

    /**
     * Trains as {@code job} says, reporting to {@code listener}, and writes the output folder (unless cancelled).
     *
     * @throws TrainingException for a mistake in the job (settings, model, dataset, folders), with a message for the
     *                           user
     * @throws IOException       when reading or writing files fails
     */
    public static TrainingResult run(TrainingJob job, TrainingListener listener) throws TrainingException,
            IOException {
        checkSettings(job);
        checkFolders(job);
        engine();
        PreparedData data = DataPreparation.prepare(job, listener);
        // DJL's PyTorch gradient collector is one per process ("A PtGradientCollector is already collecting"): two
        // runs in one JVM (a pipeline's independent Train nodes) take turns
        ONE_AT_A_TIME.lock();
        try {
            // PyTorch's grad mode is per thread and on by default; DJL turns it off only on the thread that started
            // the engine. On any other thread (a pipeline's second Train node) the optimizer's in-place update of a
            // parameter failed: "a leaf Variable that requires grad is being used in an in-place operation"
            ai.djl.pytorch.jni.JniUtils.setGradMode(false);
            return run(job, listener, data);
        } finally {
            ONE_AT_A_TIME.unlock();
        }
    }

    private static final java.util.concurrent.locks.ReentrantLock ONE_AT_A_TIME = new java.util.concurrent.locks
            .ReentrantLock(true);

    /** The training run proper, on data already tokenized. */
    static TrainingResult run(TrainingJob job, TrainingListener listener, PreparedData data) throws TrainingException,
            IOException {
        checkSettings(job);
        checkFolders(job);
        Engine engine = engine();
        TrainingSettings s = job.settings();
        long started = System.nanoTime();
        if (data.train().size() == 0) {
            throw new TrainingException(data.train().description() + " has no sequences to train on; give a dataset "
                    + "with more examples or a smaller val_size");
        }
        ObjectNode settings = Fingerprint.settings(job, data);
        String fingerprint = Fingerprint.of(settings);
        try (Checkpoints checkpoints = Checkpoints.open(job.checkpoints());
                LlamaNetwork network = network(job, data)) {
            Map<String, NDArray> parameters = network.trainable();
            Map<String, long[]> shapes = new LinkedHashMap<>();
            Map<String, Long> sizes = new LinkedHashMap<>();
            parameters.forEach((n, p) -> {
                shapes.put(n, p.getShape().getShape());
                sizes.put(n, p.size());
            });
            try (NDManager root = Djl.newManager();
                    AdamW optimizer = new AdamW(parameters, root, s.beta1(), s.beta2(), s.epsilon(), s.weightDecay(),
                            AdamW::decays)) {
                Loop loop = new Loop(job, listener, data, network, optimizer, checkpoints, settings, fingerprint,
                        shapes, root, engine);
                Optional<Path> resume = checkpoints.latest();
                if (resume.isPresent()) {
                    loop.resume(resume.get(), sizes);
                }
                return loop.run(started);
            }
        }
    }

    static Engine engine() throws TrainingException {
        Optional<String> missing = Training.availability();
        if (missing.isPresent()) {
            throw new TrainingException(missing.get());
        }
        return Djl.engine();
    }

    private static LlamaNetwork network(TrainingJob job, PreparedData data) throws TrainingException, IOException {
        TrainingSettings s = job.settings();
        LlamaNetwork network = switch (s.mode()) {
            case SCRATCH -> LlamaNetwork.initialise(data.modelConfig(), s.seed());
            case FULL, LORA -> LlamaNetwork.load(job.model().orElseThrow());
        };
        try {
            int vocabulary = network.config().vocabSize();
            if (data.vocabularySize().isPresent() && data.vocabularySize().getAsInt() > vocabulary) {
                throw new TrainingException("the tokenizer has " + data.vocabularySize().getAsInt() + " tokens but the "
                        + "model's config.json says vocab_size " + vocabulary + "; set vocab_size to "
                        + data.vocabularySize().getAsInt() + (s.mode() == TrainingMode.SCRATCH
                                ? " (or train a tokenizer of " + vocabulary + " tokens)" : "")
                        + " so that every token id has an embedding row");
            }
            if (s.mode() == TrainingMode.LORA) {
                network.addLora(s.lora().orElseThrow(), s.seed());
            }
            return network;
        } catch (TrainingException | RuntimeException e) {
            network.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ the loop

    /** One run's state: where it is, what it has seen. */
    private static final class Loop {
        private final TrainingJob job;
        private final TrainingSettings s;
        private final TrainingListener listener;
        private final PreparedData data;
        private final LlamaNetwork network;
        private final AdamW optimizer;
        private final Checkpoints checkpoints;
        private final ObjectNode settings;
        private final String fingerprint;
        private final Map<String, long[]> shapes;
        private final NDManager root;
        private final Engine engine;
        private final DataOrder order;
        private final LearningRateSchedule schedule;
        private final ArrayNode history = Checkpoints.JSON.createArrayNode();
        private int step;
        private long tokens;
        private double trainLoss = Double.NaN;
        private OptionalDouble validationLoss = OptionalDouble.empty();
        private int lastSaved = -1;
        private Optional<Path> lastCheckpoint = Optional.empty();

        Loop(TrainingJob job, TrainingListener listener, PreparedData data, LlamaNetwork network, AdamW optimizer,
                Checkpoints checkpoints, ObjectNode settings, String fingerprint, Map<String, long[]> shapes,
                NDManager root, Engine engine) {
            this.job = job;
            this.s = job.settings();
            this.listener = listener;
            this.data = data;
            this.network = network;
            this.optimizer = optimizer;
            this.checkpoints = checkpoints;
            this.settings = settings;
            this.fingerprint = fingerprint;
            this.shapes = shapes;
            this.root = root;
            this.engine = engine;
            this.order = new DataOrder(data.train().size(), s.seed());
            this.schedule = new LearningRateSchedule(s.learningRate(), s.warmupSteps(), s.maxSteps(),
                    s.minLearningRateRatio());
        }

        void resume(Path checkpoint, Map<String, Long> sizes) throws TrainingException {
            JsonNode state = Checkpoints.readState(checkpoint);
            if (!CHECKPOINT_FORMAT.equals(state.path("format").asText())
                    || !fingerprint.equals(state.path("fingerprint").asText())) {
                throw new TrainingException(Fingerprint.mismatch(checkpoint, state.path("settings"), settings));
            }
            Map<String, float[]> weights = Checkpoints.readTensors(checkpoint.resolve(Checkpoints.WEIGHTS), sizes);
            Map<String, Long> momentSizes = new LinkedHashMap<>();
            sizes.forEach((n, size) -> {
                momentSizes.put("exp_avg." + n, size);
                momentSizes.put("exp_avg_sq." + n, size);
            });
            Map<String, float[]> moments = Checkpoints.readTensors(checkpoint.resolve(Checkpoints.OPTIMIZER),
                    momentSizes);
            Map<String, float[]> first = new LinkedHashMap<>();
            Map<String, float[]> second = new LinkedHashMap<>();
            for (String n : sizes.keySet()) {
                first.put(n, moments.get("exp_avg." + n));
                second.put(n, moments.get("exp_avg_sq." + n));
            }
            weights.forEach(network::set);
            step = state.path("step").asInt();
            optimizer.restore(state.path("optimizer_steps").asInt(), first, second);
            tokens = state.path("tokens").asLong();
            trainLoss = state.path("train_loss").isNumber() ? state.path("train_loss").asDouble() : Double.NaN;
            validationLoss = state.path("validation_loss").isNumber()
                    ? OptionalDouble.of(state.path("validation_loss").asDouble()) : OptionalDouble.empty();
            state.path("log_history").forEach(history::add);
            lastSaved = step;
            lastCheckpoint = Optional.of(checkpoint);
            listener.note("resumed from " + checkpoint + " (step " + step + " of " + s.maxSteps() + ")");
        }

        TrainingResult run(long started) throws TrainingException, IOException {
            ArrayDeque<long[]> window = new ArrayDeque<>();
            long previous = System.nanoTime();
            while (step < s.maxSteps()) {
                if (listener.cancelled()) {
                    if (step > lastSaved && step > 0) {
                        save();
                    }
                    listener.note("cancelled at step " + step + " of " + s.maxSteps()
                            + lastCheckpoint.map(c -> "; the run resumes from " + c).orElse(""));
                    return result(Optional.empty(), started, true);
                }
                double[] report = step();
                long now = System.nanoTime();
                window.addLast(new long[] {now - previous, (long) report[2]});
                previous = now;
                if (window.size() > RATE_WINDOW) {
                    window.removeFirst();
                }
                long nanos = 0;
                long windowTokens = 0;
                for (long[] w : window) {
                    nanos += w[0];
                    windowTokens += w[1];
                }
                double perStep = nanos / 1e9 / window.size();
                listener.step(new TrainingProgress(step, s.maxSteps(), trainLoss, report[0], report[1],
                        windowTokens / Math.max(1e-9, nanos / 1e9), Duration.ofNanos(now - started),
                        Duration.ofMillis(Math.round(perStep * (s.maxSteps() - step) * 1000))));
                boolean validated = false;
                if (s.evalSteps() > 0 && step % s.evalSteps() == 0) {
                    validate();
                    validated = true;
                }
                if (step == s.maxSteps() && !validated) {
                    validate();
                }
                if (s.saveSteps() > 0 && step % s.saveSteps() == 0 || step == s.maxSteps()) {
                    save();
                }
            }
            if (lastSaved < step) {
                save();
            }
            Path output = Outputs.write(job, data, network, settings, history, step, tokens, trainLoss,
                    validationLoss);
            listener.note("wrote " + output);
            return result(Optional.of(output), started, false);
        }

        private TrainingResult result(Optional<Path> output, long started, boolean cancelled) {
            return new TrainingResult(output, step, trainLoss, validationLoss, tokens,
                    Duration.ofNanos(System.nanoTime() - started), cancelled, lastCheckpoint);
        }

        /** One optimizer step; returns {rate, gradient norm, tokens}. */
        private double[] step() throws TrainingException {
            int micro = s.gradientAccumulation();
            long position = (long) step * s.batchSize() * micro;
            List<Batch> batches = new ArrayList<>(micro);
            int counted = 0;
            long stepTokens = 0;
            for (int a = 0; a < micro; a++) {
                Batch b = batch(data.train(), order, position + (long) a * s.batchSize(), s.batchSize());
                batches.add(b);
                counted += b.counted;
                stepTokens += b.size();
            }
            double rate = schedule.rate(step);
            double norm;
            double lossSum = 0;
            try (NDScope scope = new NDScope(); NDManager temporaries = root.newSubManager()) {
                scope.suppressNotUsedWarning();
                for (int a = 0; a < micro; a++) {
                    Batch b = batches.get(a);
                    if (b.counted == 0) {
                        continue;
                    }
                    // dropout depends on (seed, step, micro-batch) only, never on what ran before: a resumed run
                    // draws the same masks as an uninterrupted one
                    Djl.seed(Seeds.dropout(s.seed(), step, a));
                    try (GradientCollector collector = engine.newGradientCollector()) {
                        NDArray loss = network.lossSum(b.tokens(), b.trained(), true, 1.0 / counted);
                        lossSum += loss.getFloat();
                        collector.backward(loss);
                        loss.close();
                    }
                }
                Map<String, NDArray> gradients = new LinkedHashMap<>();
                for (Map.Entry<String, NDArray> p : network.trainable().entrySet()) {
                    NDArray g = p.getValue().getGradient();
                    g.attach(temporaries);
                    gradients.put(p.getKey(), g);
                }
                norm = GradientClipping.clip(gradients.values(), s.maxGradNorm());
                if (!Double.isFinite(norm) || !Double.isFinite(lossSum)) {
                    // an update with a NaN or infinite gradient would leave every later step, and the model written
                    // at the end, silently wrong: stop before it, with the last checkpoint intact
                    throw new TrainingException("training diverged at step " + (step + 1) + ": the loss is "
                            + lossSum + " and the gradient norm " + norm + " (learning rate " + rate + "). No update "
                            + "was applied and nothing was written" + lastCheckpoint.map(c -> "; the last checkpoint "
                            + "is " + c).orElse("") + ". Lower learning_rate, raise warmup_steps or set "
                            + "max_grad_norm (clipping), and train again");
                }
                optimizer.step(gradients, rate, temporaries);
            }
            // set to zero rather than g - g, which would keep a NaN for ever
            network.zeroGradients();
            step++;
            tokens += stepTokens;
            trainLoss = lossSum;
            ObjectNode entry = history.addObject();
            entry.put("step", step).put("loss", lossSum).put("learning_rate", rate).put("grad_norm", norm);
            return new double[] {rate, norm, stepTokens};
        }

        private void validate() {
            Optional<TokenizedDataset> validation = data.validation();
            if (validation.isEmpty() || validation.get().size() == 0) {
                return;
            }
            TokenizedDataset v = validation.get();
            double sum = 0;
            long counted = 0;
            for (int from = 0; from < v.size(); from += s.batchSize()) {
                int n = Math.min(s.batchSize(), v.size() - from);
                Batch b = batch(v, null, from, n);
                if (b.counted == 0) {
                    continue;
                }
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray loss = network.lossSum(b.tokens(), b.trained(), false, 1.0);
                    sum += loss.getFloat();
                    loss.close();
                }
                counted += b.counted;
            }
            if (counted > 0) {
                double loss = sum / counted;
                validationLoss = OptionalDouble.of(loss);
                history.addObject().put("step", step).put("eval_loss", loss);
                listener.validated(step, loss);
            }
        }

        private void save() throws IOException {
            Map<String, float[]> weights = new LinkedHashMap<>();
            network.trainable().forEach((n, p) -> weights.put(n, p.toFloatArray()));
            Map<String, float[]> first = new LinkedHashMap<>();
            optimizer.firstMoments().forEach((n, m) -> first.put(n, m.toFloatArray()));
            Map<String, float[]> second = new LinkedHashMap<>();
            optimizer.secondMoments().forEach((n, m) -> second.put(n, m.toFloatArray()));
            ObjectNode state = Checkpoints.JSON.createObjectNode();
            state.put("format", CHECKPOINT_FORMAT);
            state.put("kumiki_version", KUMIKI_VERSION);
            state.put("step", step);
            state.put("max_steps", s.maxSteps());
            state.put("optimizer_steps", optimizer.steps());
            long position = (long) step * s.batchSize() * s.gradientAccumulation();
            state.put("data_position", position);
            state.put("epoch", (double) position / data.train().size());
            state.put("tokens", tokens);
            if (!Double.isNaN(trainLoss)) {
                state.put("train_loss", trainLoss);
            }
            validationLoss.ifPresent(v -> state.put("validation_loss", v));
            ObjectNode rng = state.putObject("rng");
            rng.put("seed", s.seed());
            rng.put("data_order", "one permutation per epoch from (seed, epoch); position = data_position");
            rng.put("dropout", "re-seeded for every micro-batch from (seed, step, micro-batch)");
            state.put("fingerprint", fingerprint);
            state.set("settings", settings.deepCopy());
            state.set("log_history", history.deepCopy());
            Path folder = checkpoints.write(step, weights, shapes, first, second, state);
            lastSaved = step;
            lastCheckpoint = Optional.of(folder);
            listener.checkpointed(step, folder);
        }
    }

    /** One forward pass's sequences, padded on the right to the longest. */
    record Batch(int[][] tokens, boolean[][] trained, int counted, long size) {
    }

    /** {@code n} sequences from {@code position} of the order (or of the dataset itself when {@code order} is null). */
    static Batch batch(TokenizedDataset data, DataOrder order, long position, int n) {
        int[][] tokens = new int[n][];
        boolean[][] trained = new boolean[n][];
        int counted = 0;
        long count = 0;
        for (int i = 0; i < n; i++) {
            TokenizedSequence sequence = data.get(order == null ? (int) (position + i) : order.index(position + i));
            tokens[i] = sequence.tokens();
            trained[i] = sequence.trained();
            counted += LlamaNetwork.countTrained(new int[][] {tokens[i]}, new boolean[][] {trained[i]});
            count += tokens[i].length;
        }
        return new Batch(tokens, trained, counted, count);
    }

    // ------------------------------------------------------------------ checks

    static void checkSettings(TrainingJob job) throws TrainingException {
        TrainingSettings s = job.settings();
        positive("max_steps", s.maxSteps());
        positive("batch_size", s.batchSize());
        positive("gradient_accumulation_steps", s.gradientAccumulation());
        if (s.cutoffLength() < 2) {
            throw new TrainingException("cutoff_len must be at least 2 tokens, found " + s.cutoffLength());
        }
        if (!(s.learningRate() > 0)) {
            throw new TrainingException("learning_rate must be above 0, found " + s.learningRate());
        }
        if (!(s.minLearningRateRatio() >= 0 && s.minLearningRateRatio() <= 1)) {
            throw new TrainingException("min_lr_rate must be between 0 and 1 (a share of learning_rate), found "
                    + s.minLearningRateRatio());
        }
        if (s.warmupSteps() < 0) {
            throw new TrainingException("warmup_steps must be 0 or more, found " + s.warmupSteps());
        }
        if (!(s.weightDecay() >= 0)) {
            throw new TrainingException("weight_decay must be 0 or more, found " + s.weightDecay());
        }
        if (!(s.beta1() >= 0 && s.beta1() < 1) || !(s.beta2() >= 0 && s.beta2() < 1)) {
            throw new TrainingException("adam_beta1 and adam_beta2 must be at least 0 and below 1, found "
                    + s.beta1() + " and " + s.beta2());
        }
        if (!(s.epsilon() > 0)) {
            throw new TrainingException("adam_epsilon must be above 0, found " + s.epsilon());
        }
        if (!(s.maxGradNorm() >= 0)) {
            throw new TrainingException("max_grad_norm must be 0 (no clipping) or more, found " + s.maxGradNorm());
        }
        if (s.evalSteps() < 0 || s.saveSteps() < 0) {
            throw new TrainingException("eval_steps and save_steps must be 0 (only at the end) or more, found "
                    + s.evalSteps() + " and " + s.saveSteps());
        }
        if (!(s.validationSize() >= 0 && s.validationSize() < 1)) {
            throw new TrainingException("val_size must be at least 0 and below 1 (a share of the dataset), found "
                    + s.validationSize());
        }
        switch (s.mode()) {
            case SCRATCH -> {
                if (job.modelConfig().isEmpty()) {
                    throw new TrainingException("mode scratch needs a model config (a config.json that defines the "
                            + "model); give one, or use mode full or lora with a model folder");
                }
            }
            case FULL, LORA -> {
                if (job.model().isEmpty()) {
                    throw new TrainingException("mode " + s.mode().userName() + " needs a model folder to start from; "
                            + "give one, or use mode scratch with a config.json");
                }
            }
        }
        if (s.mode() == TrainingMode.LORA && s.lora().isEmpty()) {
            throw new TrainingException("mode lora needs LoRA settings (r, lora_alpha, target_modules)");
        }
        if (s.mode() != TrainingMode.LORA && s.lora().isPresent()) {
            throw new TrainingException("LoRA settings are given but mode is " + s.mode().userName()
                    + "; use mode lora, or leave the LoRA settings out");
        }
    }

    private static void positive(String key, int value) throws TrainingException {
        if (value < 1) {
            throw new TrainingException(key + " must be at least 1, found " + value);
        }
    }

    /** The output and checkpoints folders against each other and the inputs, before anything is trained. */
    static void checkFolders(TrainingJob job) throws TrainingException {
        List<Path> inputs = inputs(job);
        Optional<String> problem = OutputFolder.problem(job.output(), inputs);
        if (problem.isPresent()) {
            throw new TrainingException(problem.get());
        }
        Path checkpoints = job.checkpoints().toAbsolutePath().normalize();
        Path output = job.output().toAbsolutePath().normalize();
        if (checkpoints.startsWith(output) || output.startsWith(checkpoints)) {
            throw new TrainingException("the checkpoints folder " + job.checkpoints() + " and the output folder "
                    + job.output() + " overlap; writing the output would delete checkpoints (or the other way "
                    + "round): give them separate folders");
        }
        for (Path in : inputs) {
            Path input = in.toAbsolutePath().normalize();
            if (checkpoints.startsWith(input) || input.startsWith(checkpoints)) {
                throw new TrainingException("the checkpoints folder " + job.checkpoints() + " overlaps the input "
                        + in + "; Kumiki never writes into its inputs: give another checkpoints folder");
            }
        }
    }

    static List<Path> inputs(TrainingJob job) {
        List<Path> inputs = new ArrayList<>();
        job.model().ifPresent(inputs::add);
        job.modelConfig().ifPresent(inputs::add);
        job.tokenizer().ifPresent(inputs::add);
        inputs.add(job.dataset());
        return inputs;
    }

    // ------------------------------------------------------------------ small helpers

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                d.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Copies the tokenizer files found in {@code from} into {@code to}; returns their names. */
    static List<String> copyTokenizer(Path from, Path to) throws IOException {
        List<String> copied = new ArrayList<>();
        for (String f : TOKENIZER_FILES) {
            Path file = from.resolve(f);
            if (Files.isRegularFile(file)) {
                Files.copy(file, to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                copied.add(f);
            }
        }
        return copied;
    }

    static PeftAdapter adapter(TrainingJob job, LlamaNetwork network) {
        LoraSettings l = job.settings().lora().orElseThrow();
        return new PeftAdapter(new PeftConfig(l.rank(), l.alpha(), l.dropout(), l.targetModules(), l.rslora(),
                job.model().map(Path::toString)), network.loraModules());
    }
}
