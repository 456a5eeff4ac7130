package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.nodes.ByteLevelVocabulary;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.train.Trainer;
import dev.kumiki.train.Training;
import dev.kumiki.train.TrainingException;
import dev.kumiki.train.TrainingJob;
import dev.kumiki.train.TrainingListener;
import dev.kumiki.train.TrainingMode;
import dev.kumiki.train.TrainingProgress;
import dev.kumiki.train.TrainingResult;
import dev.kumiki.train.TrainingSettings;
import dev.kumiki.train.data.DatasetFormat;
import dev.kumiki.train.internal.Djl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Benchmark training: a small Llama model (default 4 layers, hidden 256, MLP 688, vocab 1024: "
                + "3.7 M parameters) trained from scratch for --steps steps by Kumiki's Trainer (DJL's PyTorch "
                + "engine, libtorch 2.7.1), against the same model trained by a PyTorch eager script (Debian's "
                + "python3-torch) in the same run, with the same batch, sequence length, AdamW, schedule, clipping "
                + "and threads.",
                "Prints training tokens/s of each (steps after --warmup-steps, which are not timed), peak RSS of "
                        + "each process, and the ratio Kumiki ÷ PyTorch (aim >= 0.9). The load average is printed "
                        + "with the figures: on a busy machine they mean little."})
public final class BenchTrainCommand implements Callable<Integer> {
    private static final Pattern STEP_LINE = Pattern.compile("(?m)^step=(\\d+) seconds=([0-9.eE+-]+) loss=(\\S+)$");
    private static final Pattern TOKENS_LINE = Pattern.compile("(?m)^tokens_per_step=(\\d+)$");
    private static final Pattern RSS_LINE = Pattern.compile("(?m)^peak_rss_bytes=(\\d+)$");
    private static final Pattern BLAS_LINE = Pattern.compile("(?m)^blas=(.*)$");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Option(names = "--layers", defaultValue = "4", description = "layers (default 4)")
    int layers;

    @Option(names = "--hidden", defaultValue = "256", description = "hidden size (default 256)")
    int hidden;

    @Option(names = "--intermediate", defaultValue = "688", description = "MLP size (default 688)")
    int intermediate;

    @Option(names = "--heads", defaultValue = "4", description = "attention heads (default 4: head size 64)")
    int heads;

    @Option(names = "--vocab", defaultValue = "1024", description = "vocabulary size, at least "
            + ByteLevelVocabulary.MIN_VOCABULARY + " (default 1024)")
    int vocab;

    @Option(names = "--seq", defaultValue = "128", description = "tokens per sequence (cutoff_len; default 128)")
    int seq;

    @Option(names = "--batch", defaultValue = "8", description = "sequences per step (default 8)")
    int batch;

    @Option(names = "--steps", defaultValue = "20", description = "optimizer steps (default 20)")
    int steps;

    @Option(names = "--warmup-steps", defaultValue = "3", description = "first steps left out of the timing "
            + "(default 3: the engine's first steps allocate and tune)")
    int untimed;

    @Option(names = "--threads", description = "threads for Kumiki's engine and PyTorch (default: available cores)")
    Integer threads;

    @Option(names = "--work", description = "where the model config, tokenizer, dataset and output go, in a folder "
            + "of the benchmark's own removed at the end (default: the system's temporary folder)")
    Path workDir;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "python with torch for the baseline (Debian: apt-get install python3-torch); 'none' skips it")
    String python;

    @Option(names = "--torch-blas", description = {"a folder with the libblas.so.3 the baseline's torch should use "
            + "(LD_LIBRARY_PATH). Debian's torch calls whatever BLAS the system's libblas.so.3 is; the reference "
            + "(netlib) one makes its float32 training several times slower than it can be. Default: Debian's "
            + "OpenBLAS when installed (libopenblas0-pthread), else the system's."})
    Path torchBlas;

    private Path work;
    private volatile Process torch;

    /** One side's figures: tokens/s over the timed steps, peak RSS, first and last training loss. */
    record Figures(double tokensPerSecond, double secondsPerStep, long tokensPerStep, long peakRss, double firstLoss,
            double lastLoss) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (layers < 1 || hidden < 1 || intermediate < 1 || heads < 1 || batch < 1 || steps < 1 || untimed < 0
                || (threads != null && threads < 1)) {
            throw new IllegalArgumentException("--layers, --hidden, --intermediate, --heads, --batch, --steps and "
                    + "--threads must be at least 1, --warmup-steps at least 0");
        }
        if (untimed >= steps) {
            throw new IllegalArgumentException("--warmup-steps " + untimed + " leaves no step to time of --steps "
                    + steps + "; give more steps or fewer warm-up steps");
        }
        if (seq < 2) {
            throw new IllegalArgumentException("--seq must be at least 2 (a token and the one it predicts), not " + seq);
        }
        if (vocab < ByteLevelVocabulary.MIN_VOCABULARY) {
            throw new IllegalArgumentException("--vocab must be at least " + ByteLevelVocabulary.MIN_VOCABULARY
                    + " (a byte-level tokenizer: 2 special tokens and 256 bytes), not " + vocab);
        }
        if (hidden % heads != 0 || (hidden / heads) % 2 != 0) {
            throw new IllegalArgumentException("--hidden " + hidden + " must be --heads " + heads
                    + " times an even head size");
        }
        if (torchBlas != null && !Files.isRegularFile(torchBlas.resolve("libblas.so.3"))) {
            throw new IllegalArgumentException("--torch-blas " + torchBlas + " has no libblas.so.3; give the folder "
                    + "of a BLAS library, e.g. /usr/lib/x86_64-linux-gnu/openblas-pthread");
        }
        if (!python.equals("none")) {
            BenchGenerateCommand.checkPython(python);
        }
        HardwareProfile profile = HardwareProfile.detect();
        int n = threads != null ? threads : profile.availableProcessors();
        try {
            Djl.setThreads(n);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage() + "; run kumiki bench train in a process of its own");
        }
        Optional<String> missing = Training.availability();
        if (missing.isPresent()) {
            throw new IllegalStateException(missing.get());
        }
        Path where = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"));
        work = Files.createTempDirectory(Files.createDirectories(where), "kumiki-bench-train-");
        Thread cleanup = new Thread(this::cleanUp, "kumiki-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Path model = work.resolve("model");
            long parameters = writeModel(model);
            Path dataset = writeDataset(work.resolve("data.jsonl"));
            out.printf(Locale.ROOT, "Kumiki training benchmark: Llama from scratch, %d layers, hidden %d, MLP %d, "
                    + "%d heads, vocab %d (%.2f M parameters); batch %d x %d tokens, %d steps (the first %d not "
                    + "timed), AdamW, float32%n", layers, hidden, intermediate, heads, vocab, parameters / 1e6, batch,
                    seq, steps, untimed);
            out.printf(Locale.ROOT, "machine: %s, %d threads, Java %s; load average %s%n",
                    profile.describe().get("CPU"), n, Runtime.version(), BenchGenerateCommand.loadAverage());
            out.flush();
            Figures kumiki = kumiki(model, dataset);
            Path blas = torchBlas != null ? torchBlas : debianOpenBlas();
            String[] torchBlasUsed = new String[1];
            Figures baseline = python.equals("none") ? null : torch(model.resolve("config.json"), n, blas,
                    torchBlasUsed);

            out.printf(Locale.ROOT, "%n%-8s %10s %10s %10s %11s %11s%n", "", "tokens/s", "s/step", "peak RSS",
                    "first loss", "last loss");
            row(out, "Kumiki", kumiki);
            if (baseline != null) {
                row(out, "PyTorch", baseline);
                out.printf(Locale.ROOT, "PyTorch %s, BLAS: %s%n", torchVersion(), torchBlasUsed[0]);
            } else {
                out.printf(Locale.ROOT, "%-8s (skipped: --python none)%n", "PyTorch");
            }
            out.printf(Locale.ROOT, "Kumiki: DJL %s engine, PyTorch (libtorch) %s, %d intra-op threads%n",
                    Djl.ENGINE, Djl.engine().getVersion(), Djl.threads());
            if (baseline != null) {
                out.printf(Locale.ROOT, "Kumiki / PyTorch training tokens/s: %.2fx (aim >= 0.9)%n",
                        kumiki.tokensPerSecond() / baseline.tokensPerSecond());
            }
            out.printf(Locale.ROOT, "load average at the end: %s%n", BenchGenerateCommand.loadAverage());
            out.flush();
            return Kumiki.OK;
        } finally {
            cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: it finds nothing left to remove
            }
        }
    }

    private void row(PrintWriter out, String who, Figures f) {
        out.printf(Locale.ROOT, "%-8s %10.0f %10.3f %10s %11.3f %11.3f%n", who, f.tokensPerSecond(),
                f.secondsPerStep(), f.peakRss() > 0 ? Progress.gb(f.peakRss()) : "-", f.firstLoss(), f.lastLoss());
    }

    /** config.json of the benchmark's model and a byte-level tokenizer of its vocabulary; returns the parameters. */
    private long writeModel(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama").put("hidden_size", hidden).put("intermediate_size", intermediate)
                .put("num_hidden_layers", layers).put("num_attention_heads", heads).put("num_key_value_heads", heads)
                .put("vocab_size", vocab).put("rms_norm_eps", 1e-6).put("rope_theta", 10000.0)
                .put("initializer_range", 0.02).put("tie_word_embeddings", false).put("hidden_act", "silu")
                .put("torch_dtype", "float32");
        JSON.writeValue(dir.resolve("config.json").toFile(), c);
        // the tokenizer (and max_position_embeddings, bos/eos ids in config.json) as kumiki make-model writes them
        ByteLevelVocabulary.write(dir, Math.max(seq, 256));
        long perLayer = 4L * hidden * hidden + 3L * hidden * intermediate + 2L * hidden;
        return layers * perLayer + 2L * vocab * hidden + hidden;
    }

    /**
     * Seeded text of made-up words: enough for every step's batch once (the trainer packs it into sequences of
     * --seq tokens); what the words are does not change a step's time.
     */
    private Path writeDataset(Path file) throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        String letters = "etaoinshrdlcumwfgypbvkjxqz";
        long wanted = (long) steps * batch * seq * 4; // characters: well over a token each
        StringBuilder lines = new StringBuilder();
        long written = 0;
        while (written < wanted) {
            StringBuilder line = new StringBuilder();
            while (line.length() < 400) {
                int length = 1 + random.nextInt(8);
                for (int i = 0; i < length; i++) {
                    // skewed towards frequent letters, so that the tokenizer's merges apply as in text
                    line.append(letters.charAt(Math.min(random.nextInt(26), random.nextInt(26))));
                }
                line.append(random.nextInt(12) == 0 ? ". " : " ");
            }
            ObjectNode o = JSON.createObjectNode().put("text", line.toString().strip());
            lines.append(new ObjectMapper().writeValueAsString(o)).append('\n');
            written += line.length();
        }
        Files.writeString(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    /**
     * Kumiki's Trainer in this JVM: the time of every step is taken at the listener (a step's whole wall time: data,
     * forward, backward, clipping, AdamW). The peak RSS is reset first (Linux) and read at the end; it includes the
     * JVM, libtorch and the engine's tensors.
     */
    private Figures kumiki(Path model, Path dataset) throws IOException, TrainingException {
        TrainingSettings settings = new TrainingSettings(TrainingMode.SCRATCH, steps, batch, 1, seq, 1e-3, 0.1,
                Math.min(2, steps), 0.01, 0.9, 0.999, 1e-8, 1.0, 42, 0, 0, 0.0, true, Optional.empty());
        TrainingJob job = new TrainingJob(settings, Optional.empty(), Optional.of(model.resolve("config.json")),
                Optional.of(model), vocab, dataset, DatasetFormat.TEXT, work.resolve("out"),
                work.resolve("checkpoints"));
        long[] ends = new long[steps + 1];
        double[] losses = new double[steps + 1];
        BenchGenerateCommand.resetPeakRss();
        TrainingResult result = Trainer.run(job, new TrainingListener() {
            @Override
            public void step(TrainingProgress p) {
                ends[p.step()] = System.nanoTime();
                losses[p.step()] = p.loss();
            }
        });
        long rss = BenchGenerateCommand.peakRss();
        if (result.steps() != steps || ends[untimed == 0 ? 1 : untimed] == 0 || ends[steps] == 0) {
            throw new IllegalStateException("Kumiki's trainer did " + result.steps() + " of " + steps + " steps");
        }
        long tokensPerStep = result.tokens() / result.steps();
        // without an untimed step, the first step is timed from its own end: one step fewer is counted
        int from = Math.max(untimed, 1);
        double seconds = (ends[steps] - ends[from]) / 1e9;
        int timed = steps - from;
        return new Figures(tokensPerStep * timed / seconds, seconds / timed, tokensPerStep, rss, losses[1],
                losses[steps]);
    }

    /** Debian's OpenBLAS folder for this machine, when installed. */
    private static Path debianOpenBlas() {
        String arch = System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch");
        Path p = Path.of("/usr/lib/" + arch + "-linux-gnu/openblas-pthread");
        return Files.isRegularFile(p.resolve("libblas.so.3")) ? p : null;
    }

    private String torchVersion() {
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch; print(torch.__version__)")
                    .redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor(1, TimeUnit.MINUTES) && p.exitValue() == 0 ? v : "?";
        } catch (IOException | InterruptedException e) {
            return "?";
        }
    }

    private Figures torch(Path config, int n, Path blas, String[] blasUsed) throws IOException,
            InterruptedException {
        Path script = work.resolve("torch_train.py");
        try (InputStream in = BenchTrainCommand.class.getResourceAsStream("/bench/torch_train.py")) {
            if (in == null) {
                throw new IllegalStateException("bench/torch_train.py is missing from the Kumiki CLI bundle");
            }
            Files.write(script, in.readAllBytes());
        }
        List<String> cmd = List.of(python, script.toString(), config.toString(), "--steps", Integer.toString(steps),
                "--batch", Integer.toString(batch), "--seq", Integer.toString(seq), "--threads", Integer.toString(n),
                "--lr", "1e-3", "--min-lr-ratio", "0.1", "--warmup", Integer.toString(Math.min(2, steps)),
                "--weight-decay", "0.01", "--max-grad-norm", "1.0", "--seed", "42");
        Path log = work.resolve("torch.log");
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        if (blas != null) {
            Map<String, String> env = builder.environment();
            String old = env.get("LD_LIBRARY_PATH");
            env.put("LD_LIBRARY_PATH", blas + (old == null || old.isEmpty() ? "" : ":" + old));
        }
        // output into a file, so that the deadline is real (reading a pipe to its end waits for ever)
        Process p = builder.start();
        torch = p;
        boolean finished = p.waitFor(2, TimeUnit.HOURS);
        if (!finished) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
        }
        torch = null;
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (!finished || p.exitValue() != 0) {
            throw new IllegalStateException("the PyTorch baseline " + (finished ? "failed" : "did not finish within "
                    + "two hours") + " (" + python + " " + script + " " + config + " ...): " + output.strip()
                    + "\n(use --python none to skip it)");
        }
        List<double[]> stepLines = new ArrayList<>();
        Matcher m = STEP_LINE.matcher(output);
        while (m.find()) {
            stepLines.add(new double[] {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))});
        }
        Matcher tokens = TOKENS_LINE.matcher(output);
        Matcher rss = RSS_LINE.matcher(output);
        Matcher blasLine = BLAS_LINE.matcher(output);
        if (stepLines.size() != steps || !tokens.find() || !rss.find()) {
            throw new IllegalStateException("the PyTorch baseline printed no complete result: " + output.strip());
        }
        blasUsed[0] = blasLine.find() ? blasLine.group(1) : "unknown";
        int from = Math.max(untimed, 1);
        double seconds = 0;
        for (int i = from; i < steps; i++) {
            seconds += stepLines.get(i)[0]; // steps from+1 .. steps, as Kumiki's are counted
        }
        long perStep = Long.parseLong(tokens.group(1));
        int timed = steps - from;
        return new Figures(perStep * timed / seconds, seconds / timed, perStep, Long.parseLong(rss.group(1)),
                stepLines.get(0)[1], stepLines.get(steps - 1)[1]);
    }

    private synchronized void cleanUp() {
        Process p = torch;
        if (p != null) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        if (work != null) {
            try {
                BenchGenerateCommand.deleteTree(work);
            } catch (IOException e) {
                spec.commandLine().getErr().println("kumiki bench train: could not remove " + work + ": "
                        + e.getMessage());
            }
        }
    }
}
