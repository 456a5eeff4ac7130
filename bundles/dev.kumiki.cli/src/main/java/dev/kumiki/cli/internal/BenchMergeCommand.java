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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.ModelWriter;
import dev.kumiki.tensor.io.SyntheticModel;
import dev.kumiki.tensor.kernel.Kernels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Benchmark streamed merges on three Llama-7B-shaped models (hidden 4096, MLP 11008, vocab "
                + "32000, BF16; fewer layers), generated into DIR on first use.",
                "Prints GB/s for linear, ties and dare_ties with the ratio to a plain memory copy (mmap to mmap) of "
                        + "the same models measured in the same run, and to a PyTorch streaming implementation of the "
                        + "same methods (Debian's python3-torch), medians of --runs runs on a warm page cache. "
                        + "GB/s counts the bytes read plus the bytes written."})
public final class BenchMergeCommand implements Callable<Integer> {
    private static final Pattern TORCH_LINE = Pattern.compile(
            "seconds=([0-9.eE+-]+) tensors=(\\d+) bytes_read=(\\d+) bytes_written=(\\d+)");

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", defaultValue = "${sys:user.home}/.cache/kumiki/bench-models",
            description = "where the models live (default ~/.cache/kumiki/bench-models; about 3 × 2.5 GB)")
    Path dir;

    @Option(names = "--out", description = "where merged models are written, one at a time, in a folder of the "
            + "benchmark's own that is removed at the end (default /dev/shm when it and the memory have room, so "
            + "that the disk's write speed does not decide the figures; else DIR)")
    Path outDir;

    @Option(names = "--layers", defaultValue = "5", description = "layers per model (default 5: 2.55 GB each)")
    int layers;

    @Option(names = "--methods", split = ",", defaultValue = "linear,ties,dare_ties",
            description = "methods to run (default linear,ties,dare_ties)")
    List<String> methods;

    @Option(names = "--runs", defaultValue = "3", description = "runs per measurement; medians are reported")
    int runs;

    @Option(names = "--threads", description = "worker threads for Kumiki and PyTorch (default: available cores)")
    Integer threads;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "python with torch for the baseline (Debian: apt-get install python3-torch); 'none' skips it")
    String python;

    /** The benchmark's own output folder (inside --out), removed at the end, also on Ctrl-C. */
    private Path work;
    /** The PyTorch baseline while it runs, stopped on Ctrl-C. */
    private volatile Process torch;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (layers < 1 || runs < 1 || (threads != null && threads < 1)) {
            throw new IllegalArgumentException("--layers, --runs and --threads must be at least 1");
        }
        HardwareProfile profile = HardwareProfile.detect();
        int n = threads != null ? threads : profile.availableProcessors();
        Kernels kernels = Kernels.of(profile);
        Files.createDirectories(dir);
        for (int v = 0; v <= 2; v++) {
            Path m = dir.resolve(v == 0 ? "base" : "model-" + v);
            if (!Files.exists(m.resolve("config.json"))) {
                out.println("generating " + m + " ...");
                out.flush();
                SyntheticModel.llama().layers(layers).hidden(4096).intermediate(11008).vocab(32000).variant(v).write(m);
            }
        }
        long modelBytes;
        try (ModelFolder f = ModelFolder.open(dir.resolve("base"))) {
            modelBytes = f.byteSize();
        }
        // one merged model exists at a time (each run's output is removed before the next), plus headroom
        long need = modelBytes + modelBytes / 20 + (64L << 20);
        Path where = outputPlace(need, modelBytes);
        if (where == null) {
            return Kumiki.FAILED;
        }
        work = Files.createTempDirectory(Files.createDirectories(where), "kumiki-bench-");
        Thread cleanup = new Thread(this::cleanUp, "kumiki-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return measure(out, profile, n, kernels, modelBytes);
        } finally {
            cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: it finds nothing left to remove
            }
        }
    }

    /**
     * Where the merged models go: --out if it has room, else /dev/shm when both it and the memory have room (a file
     * in /dev/shm is memory; the inputs should stay in the page cache too), else DIR. Null, with a message, when
     * nowhere has room.
     */
    private Path outputPlace(long need, long modelBytes) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (outDir != null) {
            Path existing = outDir.toAbsolutePath();
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            long free = existing == null ? 0 : Files.getFileStore(existing).getUsableSpace();
            if (free < need) {
                err.printf(Locale.ROOT, "kumiki bench merge: the merged models need %s at a time, and %s has %s "
                        + "free; free some space or choose another folder with --out%n", Progress.gb(need), outDir,
                        Progress.gb(free));
                return null;
            }
            return outDir;
        }
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.getFileStore(shm).getUsableSpace() >= need
                && availableMemory() >= need + 3 * modelBytes) {
            return shm;
        }
        long free = Files.getFileStore(dir).getUsableSpace();
        if (free >= need) {
            return dir;
        }
        err.printf(Locale.ROOT, "kumiki bench merge: the merged models need %s at a time; neither /dev/shm (with "
                + "the memory to hold it and the inputs) nor %s (%s free) has room; free some space or choose a "
                + "folder with --out%n", Progress.gb(need), dir, Progress.gb(free));
        return null;
    }

    /** MemAvailable of /proc/meminfo in bytes, or 0 when the kernel does not tell. */
    private static long availableMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or not readable: then /dev/shm is not used
        }
        return 0;
    }

    /** Stops the PyTorch baseline and removes everything the benchmark wrote into its output folder. */
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
                spec.commandLine().getErr().println("kumiki bench merge: could not remove " + work + ": "
                        + e.getMessage());
            }
        }
    }

    private Integer measure(PrintWriter out, HardwareProfile profile, int n, Kernels kernels, long modelBytes)
            throws IOException {
        out.printf(Locale.ROOT, "Kumiki merge benchmark: 3 models of %s (%d layers, BF16) in %s%n",
                Progress.gb(modelBytes), layers, dir);
        out.printf(Locale.ROOT, "machine: %s, %d threads, %s kernels, Java %s; output to %s%n",
                profile.describe().get("CPU"), n, kernels.name(), Runtime.version(), work);

        double copy = median(IntStream.range(0, runs).mapToDouble(i -> uncheck(() -> copySeconds(n))).toArray());
        double copyRate = 2.0 * modelBytes / copy / 1e9;
        out.printf(Locale.ROOT, "memory copy of one model (mapped file to file, as the merges read and write): %s read + written in %.2f s = %.2f GB/s%n%n",
                Progress.gb(2 * modelBytes), copy, copyRate);
        out.printf(Locale.ROOT, "%-10s %9s %8s %8s %10s %8s %10s%n", "method", "Kumiki s", "GB/s", "x copy",
                "PyTorch s", "GB/s", "x PyTorch");
        for (String method : methods) {
            Path cfg = Files.writeString(dir.resolve(method + ".yml"), config(method));
            long[] moved = new long[1];
            double kumiki = median(IntStream.range(0, runs).mapToDouble(i -> uncheck(() -> mergeSeconds(cfg, n,
                    kernels, moved))).toArray());
            double rate = moved[0] / kumiki / 1e9;
            String torchCells = "%10s %8s %10s".formatted("-", "-", "-");
            if (!python.equals("none")) {
                double torch = median(IntStream.range(0, runs).mapToDouble(i -> uncheck(() -> torchSeconds(method, n)))
                        .toArray());
                torchCells = String.format(Locale.ROOT, "%10.2f %8.2f %10.2f", torch, moved[0] / torch / 1e9,
                        torch / kumiki);
            }
            out.printf(Locale.ROOT, "%-10s %9.2f %8.2f %8.2f %s%n", method, kumiki, rate, rate / copyRate, torchCells);
            out.flush();
        }
        return Kumiki.OK;
    }

    /** Removes {@code p} and what it holds (the benchmark's own folders only). */
    private static void deleteTree(Path p) throws IOException {
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

    private String config(String method) {
        return switch (method) {
            case "linear" -> "models:\n  - model: model-1\n    parameters: {weight: 0.5}\n  - model: model-2\n"
                    + "    parameters: {weight: 0.5}\nmerge_method: linear\n";
            case "ties", "dare_ties" -> "models:\n  - model: model-1\n    parameters: {weight: 0.5, density: 0.5}\n"
                    + "  - model: model-2\n    parameters: {weight: 0.5, density: 0.5}\nmerge_method: " + method
                    + "\nbase_model: base\n";
            default -> throw new IllegalArgumentException("the benchmark runs linear, ties and dare_ties, not " + method);
        };
    }

    /** One merge into dir/out; returns seconds and leaves bytes read + written in moved[0]. */
    private double mergeSeconds(Path cfg, int n, Kernels kernels, long[] moved) throws IOException, ConfigException {
        MergeConfig config = MergeConfigReader.read(cfg, w -> { });
        Map<String, ModelFolder> models = new HashMap<>();
        try {
            MergePlan plan = MergePlanner.plan(config, models);
            moved[0] = plan.outputBytes() + plan.tensors().stream().mapToLong(t -> t.inputBytes()).sum();
            long t0 = System.nanoTime();
            Merger.builder(plan, models).kernels(kernels).threads(n).build().run(work.resolve("out-kumiki"));
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            models.values().forEach(ModelFolder::close);
            deleteTree(work.resolve("out-kumiki")); // one merged model at a time in the output folder
        }
    }

    /** A plain copy of model-1 into a new mapped file, tensor by tensor on n threads. */
    private double copySeconds(int n) throws IOException {
        try (ModelFolder in = ModelFolder.open(dir.resolve("model-1"))) {
            List<TensorInfo> infos = in.names().stream().map(name -> in.info(name).orElseThrow()).toList();
            long t0 = System.nanoTime();
            try (ModelWriter w = ModelWriter.create(work.resolve("out-copy"), infos, ModelWriter.DEFAULT_SHARD_BYTES,
                    Map.of())) {
                var pool = java.util.concurrent.Executors.newFixedThreadPool(n);
                try {
                    List<java.util.concurrent.Future<?>> jobs = new ArrayList<>();
                    for (TensorInfo t : infos) {
                        jobs.add(pool.submit(() -> {
                            MemorySegment source = in.tensor(t.name()).data();
                            w.write(t.name(), 0, source);
                            source.unload();
                            return null;
                        }));
                    }
                    for (var j : jobs) {
                        j.get();
                    }
                } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                    throw new IOException(e);
                } finally {
                    pool.shutdown();
                }
                w.commit();
            }
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            deleteTree(work.resolve("out-copy"));
        }
    }

    private double torchSeconds(String method, int n) throws IOException, InterruptedException {
        Path script = Files.createTempFile("kumiki-torch-merge", ".py");
        try (InputStream in = BenchMergeCommand.class.getResourceAsStream("/bench/torch_merge.py")) {
            if (in == null) {
                throw new IllegalStateException("bench/torch_merge.py is missing from the Kumiki CLI bundle");
            }
            Files.write(script, in.readAllBytes());
        }
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--method", method, "--out",
                work.resolve("out-torch").toString(), "--threads", Integer.toString(n)));
        if (!method.equals("linear")) {
            cmd.addAll(List.of("--base", dir.resolve("base").toString(), "--density", "0.5"));
        }
        cmd.addAll(List.of(dir.resolve("model-1").toString(), dir.resolve("model-2").toString()));
        Path log = work.resolve("torch.log");
        try {
            // output into a file, so that the deadline is real (reading a pipe to its end waits for ever)
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            torch = p;
            boolean finished = p.waitFor(1, TimeUnit.HOURS);
            if (!finished) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
            }
            torch = null;
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (!finished || p.exitValue() != 0) {
                throw new IllegalStateException("the PyTorch baseline " + (finished ? "failed" : "did not finish "
                        + "within an hour") + " (" + String.join(" ", cmd) + "): " + output.strip()
                        + "\n(use --python none to skip it)");
            }
            Matcher m = TORCH_LINE.matcher(output);
            if (!m.find()) {
                throw new IllegalStateException("the PyTorch baseline printed no timing: " + output.strip());
            }
            return Double.parseDouble(m.group(1));
        } finally {
            Files.deleteIfExists(script);
            Files.deleteIfExists(log);
            deleteTree(work.resolve("out-torch"));
        }
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    @FunctionalInterface
    interface Measure {
        double run() throws Exception;
    }

    private static double uncheck(Measure m) {
        try {
            return m.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
