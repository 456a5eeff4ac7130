package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.llm.runtime.RuntimeOptions;
import dev.kumiki.llm.runtime.Sampler;
import dev.kumiki.llm.runtime.Session;
import dev.kumiki.llm.runtime.Transformer;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;
import dev.kumiki.tensor.kernel.MatrixOps;
import dev.kumiki.tensor.kernel.StreamRead;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Benchmark greedy generation with Kumiki's runtime on a generated Llama-shaped model (default "
                + "8 layers, hidden 2048, MLP 5632, vocab 32000: 0.54 B parameters), in BF16 and F32, against a "
                + "PyTorch eager implementation of the same model (Debian's python3-torch, KV cache, same weights "
                + "mapped from the same safetensors, same threads) measured in the same run.",
                "Prints prefill tokens/s and GFLOP/s (2 × matrix weights × prompt tokens + 2 × lm_head for the last "
                        + "position; attention not counted), decode tokens/s and GB/s (the weight matrices a "
                        + "decode step reads ÷ its time), a streaming read of the same bytes on the same threads "
                        + "and the ratio to it, peak RSS of each process, Kumiki ÷ PyTorch ratios and whether both "
                        + "chose the same greedy tokens. Medians of --runs runs, warm page cache; Kumiki's after three "
                        + "untimed prompts (the JIT compiles), PyTorch's from its first."})
public final class BenchGenerateCommand implements Callable<Integer> {
    private static final Pattern RUN_LINE = Pattern.compile(
            "run=\\d+ prefill_seconds=([0-9.eE+-]+) decode_seconds=([0-9.eE+-]+)");
    private static final Pattern TOKENS_LINE = Pattern.compile("(?m)^tokens=([0-9,]*)$");
    private static final Pattern RSS_LINE = Pattern.compile("(?m)^peak_rss_bytes=(\\d+)$");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Passes of the streaming read after each run, of which the fastest counts (STREAM's best rate). */
    private static final int STREAM_PASSES = 5;

    @Spec
    CommandSpec spec;

    @Option(names = "--dtype", split = ",", defaultValue = "BF16,F32",
            description = "weight dtypes of the generated models (default BF16,F32)")
    List<String> dtypes;

    @Option(names = "--model", description = "bench this model folder (in its stored dtype) instead of generated ones")
    Path model;

    @Option(names = "--layers", defaultValue = "8", description = "layers of the generated model (default 8; 16 "
            + "gives 0.95 B parameters)")
    int layers;

    @Option(names = "--hidden", defaultValue = "2048", description = "hidden size (default 2048)")
    int hidden;

    @Option(names = "--intermediate", defaultValue = "5632", description = "MLP size (default 5632)")
    int intermediate;

    @Option(names = "--vocab", defaultValue = "32000", description = "vocabulary size (default 32000)")
    int vocab;

    @Option(names = "--heads", defaultValue = "16", description = "attention heads (default 16: head size 128)")
    int heads;

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "prompt length (default 128)")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "32", description = "decode steps (default 32)")
    int newTokens;

    @Option(names = "--runs", defaultValue = "3", description = "runs per measurement; medians are reported")
    int runs;

    @Option(names = "--threads", description = "threads for Kumiki, the streaming read and PyTorch (default: "
            + "available cores)")
    Integer threads;

    @Option(names = "--work", description = "where the generated models are written, in a folder of the "
            + "benchmark's own removed at the end (default: the system's temporary folder)")
    Path workDir;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "python with torch for the baseline (Debian: apt-get install python3-torch); 'none' skips it")
    String python;

    private Path work;
    private volatile Process torch;
    /** The streaming read's sums land here, so that the reads cannot be optimised away. */
    private volatile double sink;

    /** One implementation's medians, and its prefill time of every run. */
    record Figures(double prefillSeconds, double decodeSeconds, long peakRss, int[] tokens, double[] prefillRuns) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (layers < 1 || hidden < 1 || intermediate < 1 || vocab < 3 || heads < 1 || promptTokens < 1
                || newTokens < 1 || runs < 1 || (threads != null && threads < 1)) {
            throw new IllegalArgumentException("--layers, --hidden, --intermediate, --heads, --prompt-tokens, "
                    + "--new-tokens, --runs and --threads must be at least 1, --vocab at least 3");
        }
        if (hidden % heads != 0 || (hidden / heads) % 2 != 0) {
            throw new IllegalArgumentException("--hidden " + hidden + " must be --heads " + heads
                    + " times an even head size");
        }
        List<String> kinds = dtypes.stream().map(d -> d.strip().toUpperCase(Locale.ROOT)).distinct().toList();
        for (String d : kinds) {
            if (!d.equals("BF16") && !d.equals("F32")) {
                throw new IllegalArgumentException("--dtype takes BF16 and F32, not " + d);
            }
        }
        if (model != null && !Files.isRegularFile(model.resolve(ModelFolder.CONFIG))) {
            throw new IllegalArgumentException("--model " + model + " is not a model folder: it has no "
                    + ModelFolder.CONFIG);
        }
        if (!python.equals("none")) {
            checkPython(python);
        }
        HardwareProfile profile = HardwareProfile.detect();
        int n = threads != null ? threads : profile.availableProcessors();
        Kernels kernels = Kernels.of(profile);
        Path where = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"));
        work = Files.createTempDirectory(Files.createDirectories(where), "kumiki-bench-generate-");
        Thread cleanup = new Thread(this::cleanUp, "kumiki-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            out.printf(Locale.ROOT, "Kumiki generation benchmark: prompt %d tokens, %d decode steps, greedy, "
                    + "medians of %d runs%n", promptTokens, newTokens, runs);
            out.printf(Locale.ROOT, "machine: %s, %d threads, %s kernels, Java %s; load average %s%n",
                    profile.describe().get("CPU"), n, kernels.name(), Runtime.version(), loadAverage());
            out.flush();
            List<String> summary = new ArrayList<>();
            if (model != null) {
                bench(out, model, n, kernels, summary);
            } else {
                for (String d : kinds) {
                    Path m = work.resolve(d.toLowerCase(Locale.ROOT));
                    out.printf(Locale.ROOT, "generating the %s model in %s ...%n", d, m);
                    out.flush();
                    generate(m, DType.valueOf(d));
                    try {
                        bench(out, m, n, kernels, summary);
                    } finally {
                        deleteTree(m);
                    }
                }
            }
            out.println();
            summary.forEach(out::println);
            out.printf(Locale.ROOT, "load average at the end: %s%n", loadAverage());
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

    /** Fails with a message a user can act on when {@code python} (a --python option) cannot run torch. */
    static void checkPython(String python) throws InterruptedException {
        String problem;
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
            boolean done = p.waitFor(2, TimeUnit.MINUTES);
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            problem = !done ? "did not import torch within two minutes"
                    : p.exitValue() != 0 ? "cannot import torch (" + lastLine(said) + ")" : null;
            if (!done) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            problem = "cannot be run (" + e.getMessage() + ")";
        }
        if (problem != null) {
            throw new IllegalArgumentException("the PyTorch baseline's python " + python + " " + problem
                    + "; install Debian's python3-torch (apt-get install python3-torch) and pass its python with "
                    + "--python, or skip the baseline with --python none");
        }
    }

    static String lastLine(String s) {
        String[] lines = s.split("\n");
        return lines[lines.length - 1];
    }

    /** Writes the Llama model of the options in {@code type}, with a config the runtime and PyTorch both read. */
    private void generate(Path dir, DType type) throws IOException {
        SyntheticModel.llama().layers(layers).hidden(hidden).intermediate(intermediate).vocab(vocab).dtype(type)
                .contextLength(Math.max(2048, promptTokens + newTokens + 1)).write(dir);
        // SyntheticModel's config has two heads; the benchmark wants the usual head size
        Path cfg = dir.resolve(ModelFolder.CONFIG);
        ObjectNode c = (ObjectNode) JSON.readTree(cfg.toFile());
        c.put("num_attention_heads", heads).put("num_key_value_heads", heads).put("rope_theta", 10000.0);
        JSON.writerWithDefaultPrettyPrinter().writeValue(cfg.toFile(), c);
    }

    private void bench(PrintWriter out, Path dir, int n, Kernels kernels, List<String> summary) throws Exception {
        JsonNode config = JSON.readTree(dir.resolve(ModelFolder.CONFIG).toFile());
        boolean tied = config.path("tie_word_embeddings").asBoolean(false);
        long layerWeights = 0;
        long headWeights = 0;
        long decodeBytes = 0;
        List<String> matrices = new ArrayList<>();
        String dtype;
        try (ModelFolder f = ModelFolder.open(dir)) {
            dtype = f.info("model.embed_tokens.weight").map(t -> t.dtype().toString()).orElse("?");
            for (String name : f.names()) {
                TensorInfo t = f.info(name).orElseThrow();
                if (t.shape().rank() != 2) {
                    continue;
                }
                boolean head = name.equals("lm_head.weight") || (tied && name.equals("model.embed_tokens.weight"));
                if (name.equals("model.embed_tokens.weight") && !head) {
                    continue; // a decode step reads one row of it
                }
                if (head) {
                    headWeights += t.shape().elements();
                } else {
                    layerWeights += t.shape().elements();
                }
                decodeBytes += t.byteSize();
                matrices.add(name);
            }
        }
        double prefillFlops = 2.0 * layerWeights * promptTokens + 2.0 * headWeights;
        out.printf(Locale.ROOT, "%n%s %s, %d layers, hidden %d, MLP %d, vocab %d: %.2f B parameters; a decode "
                + "step reads %s of weight matrices%n", dtype,
                config.path("architectures").path(0).asText("?"), config.path("num_hidden_layers").asInt(),
                config.path("hidden_size").asInt(), config.path("intermediate_size").asInt(),
                config.path("vocab_size").asInt(), (layerWeights + headWeights
                        + (tied ? 0 : (long) config.path("vocab_size").asInt() * config.path("hidden_size").asInt()))
                        / 1e9, Progress.gb(decodeBytes));
        out.flush();

        int vocabSize = config.path("vocab_size").asInt();
        SplittableRandom random = new SplittableRandom(42);
        int[] prompt = new int[promptTokens];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = 2 + random.nextInt(vocabSize - 2); // ids 0 and 1 are <s> and </s> in generated models
        }

        double[] rates = new double[3];
        Figures kumiki = kumiki(dir, matrices, n, kernels, prompt, rates);
        double streamRate = rates[0];
        double[] products = {rates[1], rates[2]};
        Figures torch = python.equals("none") ? null : torch(dir, n, prompt);

        out.printf(Locale.ROOT, "%-8s %8s %10s %9s %10s %9s %9s %10s%n", "", "prefill", "prefill", "decode",
                "decode", "decode", "x stream", "peak RSS");
        out.printf(Locale.ROOT, "%-8s %8s %10s %9s %10s %9s %9s %10s%n", "", "tok/s", "GFLOP/s", "tok/s",
                "ms/token", "GB/s", "", "");
        row(out, "Kumiki", kumiki, prefillFlops, decodeBytes, streamRate);
        if (torch != null) {
            row(out, "PyTorch", torch, prefillFlops, decodeBytes, streamRate);
        } else {
            out.printf(Locale.ROOT, "%-8s (skipped: --python none)%n", "PyTorch");
        }
        out.printf(Locale.ROOT, "prefill s, run by run: Kumiki %s%s%n", seconds(kumiki.prefillRuns()),
                torch == null ? "" : "; PyTorch " + seconds(torch.prefillRuns()));
        out.printf(Locale.ROOT, "streaming read of the same %s on %d threads: %.2f GB/s%n", Progress.gb(decodeBytes),
                n, streamRate);
        out.printf(Locale.ROOT, "Kumiki per phase: prefill %.3f s, of which the matrix products alone (the same "
                + "kernels on the same matrices, threads and batches) %.3f s; a decode step %.1f ms, of which the "
                + "matrix-vector products alone %.1f ms; the rest is attention, norms, RoPE, SwiGLU and hand-offs%n",
                kumiki.prefillSeconds(), products[0], kumiki.decodeSeconds() / newTokens * 1e3, products[1] * 1e3);
        double decodeRate = decodeBytes / (kumiki.decodeSeconds() / newTokens) / 1e9;
        String line = String.format(Locale.ROOT, "%s: Kumiki decode %.2f of the streaming read (aim >= 0.70)",
                dtype, decodeRate / streamRate);
        if (torch != null) {
            int same = 0;
            while (same < Math.min(kumiki.tokens().length, torch.tokens().length)
                    && kumiki.tokens()[same] == torch.tokens()[same]) {
                same++;
            }
            boolean all = same == kumiki.tokens().length && same == torch.tokens().length;
            line += String.format(Locale.ROOT, "; Kumiki / PyTorch: prefill %.2fx (aim >= 0.8), decode %.2fx "
                    + "(aim >= 1.5); same tokens: %s", torch.prefillSeconds() / kumiki.prefillSeconds(),
                    torch.decodeSeconds() / kumiki.decodeSeconds(),
                    all ? "yes (" + same + " of " + kumiki.tokens().length + ")"
                            : "no (the first " + same + " of " + kumiki.tokens().length + " agree)");
            out.printf(Locale.ROOT, "same tokens: %s%n", all ? "yes" : "no (first " + same + " agree)");
            if (!all) {
                out.println("  Kumiki:  " + join(kumiki.tokens()));
                out.println("  PyTorch: " + join(torch.tokens()));
            }
        }
        out.flush();
        summary.add(line);
    }

    private void row(PrintWriter out, String who, Figures f, double flops, long decodeBytes, double streamRate) {
        double decodeRate = decodeBytes / (f.decodeSeconds() / newTokens) / 1e9;
        out.printf(Locale.ROOT, "%-8s %8.1f %10.1f %9.2f %10.1f %9.2f %9.2f %10s%n", who,
                promptTokens / f.prefillSeconds(), flops / f.prefillSeconds() / 1e9, newTokens / f.decodeSeconds(),
                f.decodeSeconds() / newTokens * 1e3, decodeRate, decodeRate / streamRate,
                f.peakRss() > 0 ? Progress.gb(f.peakRss()) : "-");
    }

    private static String seconds(double[] runs) {
        return Arrays.stream(runs).mapToObj(v -> String.format(Locale.ROOT, "%.3f", v))
                .collect(Collectors.joining(" "));
    }

    private static String join(int[] tokens) {
        return Arrays.stream(tokens).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    /**
     * Kumiki's runs in this JVM, each followed by a streaming read of the decode step's matrices and by the matrix
     * products alone (the same kernels on the same matrices, threads and prefill batches), so that the three see the
     * same contention on a shared machine. The peak RSS is reset first (Linux: /proc/self/clear_refs) and read after
     * the first run, before the streaming read maps the weights a second time: it counts the model's mapped pages, KV
     * cache and buffers, plus the JVM itself. Returns Kumiki's figures; {@code rates} receives {the streaming read's
     * GB/s (the median over runs of each run's fastest of five passes), median products-in-prefill s, median
     * products-per-decode-step s}.
     */
    /** Whole prompts (and 4 decode steps each) run before Kumiki's timed runs. */
    static final int WARM_UP_PROMPTS = 3;

    private Figures kumiki(Path dir, List<String> matrices, int n, Kernels kernels, int[] prompt, double[] rates)
            throws IOException {
        resetPeakRss();
        RuntimeOptions options = RuntimeOptions.defaults().withKernels(kernels).withThreads(n);
        int batch = options.prefillBatch();
        double[] prefill = new double[runs];
        double[] decode = new double[runs];
        double[] stream = new double[runs];
        double[] productsPrefill = new double[runs];
        double[] productsDecode = new double[runs];
        int[] tokens = new int[newTokens + 1];
        long rss = 0;
        // one mapping for the streaming read and the profile, faulted in once by their warm-up: a fresh mapping per
        // run would time page faults, not reads
        try (Transformer t = Transformer.open(dir, options); ModelFolder f = ModelFolder.open(dir);
                MatrixOps ops = MatrixOps.of(kernels, n)) {
            List<MappedTensor> ts = new ArrayList<>();
            for (String name : matrices) {
                ts.add(f.tensor(name));
            }
            StreamRead read = StreamRead.of(ops, ts.stream().map(MappedTensor::data).toList());
            // warm-up, not counted, as JMH's iterations: the JIT compiles the session's code over a few whole prompts
            // (after one prefill the second still ran 1.3–1.4× slower than the fifth)
            for (int w = 0; w < WARM_UP_PROMPTS; w++) {
                Session warm = t.newSession();
                float[] l = warm.append(prompt);
                for (int i = 0; i < 4; i++) {
                    l = warm.append(Sampler.argmax(l));
                }
            }
            for (int r = 0; r < runs; r++) {
                Session s = t.newSession();
                long t0 = System.nanoTime();
                float[] logits = s.append(prompt);
                long t1 = System.nanoTime();
                tokens[0] = Sampler.argmax(logits);
                for (int i = 0; i < newTokens; i++) {
                    logits = s.append(tokens[i]);
                    tokens[i + 1] = Sampler.argmax(logits);
                }
                long t2 = System.nanoTime();
                prefill[r] = (t1 - t0) / 1e9;
                decode[r] = (t2 - t1) / 1e9;
                if (r == 0) {
                    rss = peakRss();
                }
            }
            // the streaming read and the products alone after all the runs, not between them: interleaved, they
            // slowed the next run's prefill by up to 1.7× (its first run was the fastest every time)
            read.warmUp();
            productsOnce(ops, ts, batch, new double[2]);
            for (int r = 0; r < runs; r++) {
                stream[r] = read.bestSeconds(STREAM_PASSES);
                double[] p = new double[2];
                productsOnce(ops, ts, batch, p);
                productsPrefill[r] = p[0];
                productsDecode[r] = p[1];
            }
            // the same bytes as the decode step's weight matrices, so that "x stream" compares two reads of them
            rates[0] = read.gbPerSecond(stream);
        }
        rates[1] = BenchMergeCommand.median(productsPrefill);
        rates[2] = BenchMergeCommand.median(productsDecode);
        return new Figures(BenchMergeCommand.median(prefill), BenchMergeCommand.median(decode), rss, tokens,
                prefill);
    }

    /**
     * The matrix products of a prefill of the prompt and of one decode step, alone, into {@code seconds} = {prefill,
     * per decode step}: a simple profile from outside the runtime.
     */
    private void productsOnce(MatrixOps ops, List<MappedTensor> ts, int batch, double[] seconds) {
        long widest = 1;
        long tallest = 1;
        for (MappedTensor t : ts) {
            widest = Math.max(widest, t.info().shape().dim(1));
            tallest = Math.max(tallest, t.info().shape().dim(0));
        }
        SplittableRandom random = new SplittableRandom(7);
        float[] x = new float[(int) (widest * batch)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] y = new float[(int) (tallest * batch)];
        long t0 = System.nanoTime();
        for (MappedTensor t : ts) {
            int rows = (int) t.info().shape().dim(0);
            int cols = (int) t.info().shape().dim(1);
            boolean head = t.info().name().equals("lm_head.weight")
                    || t.info().name().equals("model.embed_tokens.weight");
            // as the session does: the layers over the prompt in batches, the output projection once
            for (int from = 0; from < (head ? 1 : promptTokens); from += batch) {
                int m = head ? 1 : Math.min(batch, promptTokens - from);
                ops.matMul(t.data(), t.info().dtype(), rows, cols, x, m, y);
            }
        }
        long t1 = System.nanoTime();
        for (int step = 0; step < newTokens; step++) {
            for (MappedTensor t : ts) {
                ops.matMul(t.data(), t.info().dtype(), (int) t.info().shape().dim(0), (int) t.info().shape().dim(1),
                        x, 1, y);
            }
        }
        long t2 = System.nanoTime();
        sink += y[0];
        seconds[0] = (t1 - t0) / 1e9;
        seconds[1] = (t2 - t1) / 1e9 / newTokens;
    }

    private Figures torch(Path dir, int n, int[] prompt) throws IOException, InterruptedException {
        Path script = work.resolve("torch_generate.py");
        if (!Files.exists(script)) {
            try (InputStream in = BenchGenerateCommand.class.getResourceAsStream("/bench/torch_generate.py")) {
                if (in == null) {
                    throw new IllegalStateException("bench/torch_generate.py is missing from the Kumiki CLI bundle");
                }
                Files.write(script, in.readAllBytes());
            }
        }
        List<String> cmd = List.of(python, script.toString(), dir.toString(), "--tokens", join(prompt),
                "--new-tokens", Integer.toString(newTokens), "--threads", Integer.toString(n), "--runs",
                Integer.toString(runs));
        Path log = work.resolve("torch.log");
        try {
            // output into a file, so that the deadline is real (reading a pipe to its end waits for ever)
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            torch = p;
            boolean finished = p.waitFor(2, TimeUnit.HOURS);
            if (!finished) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
            }
            torch = null;
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (!finished || p.exitValue() != 0) {
                throw new IllegalStateException("the PyTorch baseline " + (finished ? "failed" : "did not finish "
                        + "within two hours") + " (" + python + " " + script + " " + dir + " ...): "
                        + output.strip() + "\n(use --python none to skip it)");
            }
            List<Double> prefill = new ArrayList<>();
            List<Double> decode = new ArrayList<>();
            Matcher m = RUN_LINE.matcher(output);
            while (m.find()) {
                prefill.add(Double.parseDouble(m.group(1)));
                decode.add(Double.parseDouble(m.group(2)));
            }
            Matcher tokens = TOKENS_LINE.matcher(output);
            Matcher rss = RSS_LINE.matcher(output);
            if (prefill.size() != runs || !tokens.find() || !rss.find()) {
                throw new IllegalStateException("the PyTorch baseline printed no complete result: " + output.strip());
            }
            int[] ids = tokens.group(1).isEmpty() ? new int[0]
                    : Arrays.stream(tokens.group(1).split(",")).mapToInt(Integer::parseInt).toArray();
            double[] prefillRuns = prefill.stream().mapToDouble(Double::doubleValue).toArray();
            return new Figures(BenchMergeCommand.median(prefillRuns),
                    BenchMergeCommand.median(decode.stream().mapToDouble(Double::doubleValue).toArray()),
                    Long.parseLong(rss.group(1)), ids, prefillRuns);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Sets VmHWM to the current RSS (Linux 4.0+); elsewhere the peak covers the whole process's life. */
    static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | UnsupportedOperationException e) {
            // not Linux or not allowed: the peak then includes what ran before
        }
    }

    /** VmHWM of /proc/self/status in bytes, 0 when unknown. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return 0;
    }

    /** The 1, 5 and 15 minute load averages, for figures taken on a shared machine. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).strip().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private synchronized void cleanUp() {
        Process p = torch;
        if (p != null) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        if (work != null) {
            try {
                deleteTree(work);
            } catch (IOException e) {
                spec.commandLine().getErr().println("kumiki bench generate: could not remove " + work + ": "
                        + e.getMessage());
            }
        }
    }

    /** Removes a file or folder tree (links are removed, not followed). */
    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (var files = Files.list(p)) {
                for (Path f : files.toList()) {
                    deleteTree(f);
                }
            }
        }
        Files.deleteIfExists(p);
    }
}
