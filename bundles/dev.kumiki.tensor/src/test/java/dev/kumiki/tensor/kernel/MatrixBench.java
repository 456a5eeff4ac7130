package dev.kumiki.tensor.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.kernel.internal.VectorKernels;

/**
 * Throughput of the matrix kernels against this machine's limits: {@code matVec} (decode) in GB/s and as a ratio of
 * a plain streaming read of the same bytes on the same threads, {@code matMul} (prefill) in GFLOP/s next to PyTorch's
 * {@code x @ w.T} on the same shapes and threads, measured in the same run. Not a test: surefire runs
 * {@code *Test} classes only. Run it after {@code ./mvnw … verify -pl …,bundles/dev.kumiki.tensor}:
 * {@snippet lang = "sh" :
 * java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *   -cp bundles/dev.kumiki.tensor/target/classes:bundles/dev.kumiki.tensor/target/test-classes \
 *   dev.kumiki.tensor.kernel.MatrixBench [--threads 1,2] [--runs 9] [--no-torch]
 * }
 */
public final class MatrixBench {
    private static int number(String s) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number: " + s);
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    /** A decode pass: the weights of a few layers, more bytes than any cache here. */
    static final int VEC_ROWS = 8192;
    static final int VEC_COLS = 2048;
    static final int VEC_LAYERS = 4;
    /** A prefill layer (an attention projection of a 0.5–1 B model). */
    static final int MM_ROWS = 2048;
    static final int MM_COLS = 2048;
    static final int[] MM_TOKENS = {64, 128, 256, 512};

    private static volatile double sink;

    private MatrixBench() {
    }

    public static void main(String[] args) throws Exception {
        int[] threadCounts = {1, 2};
        int runs = 9;
        boolean torch = true;
        try {
            for (int a = 0; a < args.length; a++) {
                switch (args[a]) {
                    case "--threads" -> threadCounts = Arrays.stream(value(args, ++a).split(","))
                            .mapToInt(MatrixBench::number).toArray();
                    case "--runs" -> runs = number(value(args, ++a));
                    case "--no-torch" -> torch = false;
                    default -> throw new IllegalArgumentException("unknown option " + args[a]);
                }
            }
            if (runs < 1 || Arrays.stream(threadCounts).anyMatch(t -> t < 1)) {
                throw new IllegalArgumentException("runs and threads must be at least 1");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("MatrixBench: " + e.getMessage()
                    + "; options: --threads 1,2 (counts to measure), --runs N (median of N), --no-torch");
            System.exit(2);
        }
        Kernels k = VectorKernels.preferred();
        System.out.printf(Locale.ROOT, "kernels %s, %d cores, java %s, load average %s%n", k.name(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), loadAverage());
        Path dir = Files.createTempDirectory("kumiki-matrix-bench");
        try (Arena arena = Arena.ofShared()) {
            for (int threads : threadCounts) {
                try (MatrixOps ops = MatrixOps.of(k, threads)) {
                    handOff(ops, runs);
                    for (DType type : new DType[] {DType.F32, DType.BF16, DType.F16}) {
                        decode(ops, mapped(arena, dir, type, VEC_LAYERS, VEC_ROWS, VEC_COLS), type, "mapped", runs);
                    }
                    decode(ops, heap(VEC_LAYERS, VEC_ROWS, VEC_COLS), DType.F32, "heap", runs);
                    for (DType type : new DType[] {DType.F32, DType.BF16, DType.F16}) {
                        MemorySegment w = mapped(arena, dir, type, 1, MM_ROWS, MM_COLS).getFirst();
                        for (int n : MM_TOKENS) {
                            prefill(ops, w, type, n, runs);
                        }
                    }
                }
                if (torch) {
                    torchFigures(threads, runs).forEach(line -> System.out.println("torch " + line));
                }
                System.out.println("load average " + loadAverage());
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    /** matVec over every layer once per run, against a streaming read of the same segments. */
    static void decode(MatrixOps ops, List<MemorySegment> layers, DType type, String where, int runs) {
        long bytes = layers.stream().mapToLong(MemorySegment::byteSize).sum();
        float[] x = randomFloats(new Random(7), VEC_COLS);
        float[] y = new float[VEC_ROWS];
        StreamRead stream = StreamRead.of(ops, layers);
        Times[] t = times(runs, () -> {
            for (MemorySegment w : layers) {
                ops.matVec(w, type, VEC_ROWS, VEC_COLS, x, y);
            }
        }, () -> sink += stream.sum());
        double kernel = t[0].medianWall();
        double read = t[1].medianWall();
        String cpu = ops.threads() > 1 ? "" : String.format(Locale.ROOT, "; by CPU time %.1f / %.1f GB/s, ratio %.2f",
                bytes / t[0].medianCpu() / 1e9, bytes / t[1].medianCpu() / 1e9, t[1].medianCpu() / t[0].medianCpu());
        System.out.printf(Locale.ROOT, "matVec %-4s %-6s %d×%d×%d threads=%d: %5.1f GB/s; streaming read %5.1f GB/s;"
                + " ratio %.2f%s%n", type, where, layers.size(), VEC_ROWS, VEC_COLS, ops.threads(),
                bytes / kernel / 1e9, bytes / read / 1e9, read / kernel, cpu);
    }

    /** The machine's load (other processes slow every figure), from /proc/loadavg where there is one. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** What splitting costs: a call whose blocks do nothing, in microseconds. */
    static void handOff(MatrixOps ops, int runs) {
        int calls = 2000;
        double t = median(runs, () -> {
            for (int i = 0; i < calls; i++) {
                ops.split(ops.threads(), 1, (r0, r1) -> sink += r1 - r0);
            }
        });
        System.out.printf(Locale.ROOT, "split into %d empty blocks threads=%d: %.1f µs a call%n", ops.threads(),
                ops.threads(), t / calls * 1e6);
    }

    static void prefill(MatrixOps ops, MemorySegment w, DType type, int n, int runs) {
        float[] x = randomFloats(new Random(8), n * MM_COLS);
        float[] y = new float[n * MM_ROWS];
        Times t = times(runs, () -> ops.matMul(w, type, MM_ROWS, MM_COLS, x, n, y))[0];
        double flops = 2.0 * MM_ROWS * MM_COLS * n;
        String cpu = ops.threads() > 1 ? "" : String.format(Locale.ROOT, "; by CPU time %.1f",
                flops / t.medianCpu() / 1e9);
        System.out.printf(Locale.ROOT, "matMul %-4s %d×%d n=%d threads=%d: %6.1f GFLOP/s%s%n", type, MM_ROWS,
                MM_COLS, n, ops.threads(), flops / t.medianWall() / 1e9, cpu);
    }

    /** The median wall time of {@code runs} runs in seconds, after as many warm-up runs (C2 compiles meanwhile). */
    static double median(int runs, Runnable work) {
        return times(runs, work)[0].wall[runs / 2];
    }

    /**
     * Sorted times in seconds: wall clock, and the calling thread's CPU time, which other processes on a shared
     * machine inflate much less (a fair measure when the caller does all the work, on one thread).
     */
    record Times(double[] wall, double[] cpu) {
        double medianWall() {
            return wall[wall.length / 2];
        }

        double medianCpu() {
            return cpu[cpu.length / 2];
        }
    }

    private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory
            .getThreadMXBean();

    /**
     * The times of {@code runs} rounds, each running every piece of work once in turn (so that whatever else runs on
     * the machine slows them alike), after as many warm-up rounds.
     */
    static Times[] times(int runs, Runnable... work) {
        for (int i = 0; i < Math.max(3, runs); i++) {
            for (Runnable w : work) {
                w.run();
            }
        }
        double[][] wall = new double[work.length][runs];
        double[][] cpu = new double[work.length][runs];
        for (int i = 0; i < runs; i++) {
            for (int j = 0; j < work.length; j++) {
                long c0 = MX.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                work[j].run();
                wall[j][i] = (System.nanoTime() - t0) / 1e9;
                cpu[j][i] = (MX.getCurrentThreadCpuTime() - c0) / 1e9;
            }
        }
        Times[] out = new Times[work.length];
        for (int j = 0; j < work.length; j++) {
            Arrays.sort(wall[j]);
            Arrays.sort(cpu[j]);
            out[j] = new Times(wall[j], cpu[j]);
        }
        return out;
    }

    static float[] randomFloats(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** {@code layers} random matrices written as {@code type} into a file and mapped read-only, as weights are. */
    static List<MemorySegment> mapped(Arena arena, Path dir, DType type, int layers, int rows, int cols)
            throws IOException {
        Path file = Files.createTempFile(dir, "w-" + type, ".bin");
        long each = (long) rows * cols * type.bytes();
        Kernels ref = Kernels.scalar();
        Random r = new Random(type.ordinal());
        float[] row = new float[cols];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment all = ch.map(FileChannel.MapMode.READ_WRITE, 0, each * layers, arena);
            for (long e = 0; e < (long) rows * layers; e++) {
                for (int c = 0; c < cols; c++) {
                    row[c] = (float) r.nextGaussian() * 0.05f;
                }
                ref.store(row, 0, cols, all, type, e * cols);
            }
            List<MemorySegment> out = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                out.add(all.asSlice(l * each, each));
            }
            return out;
        }
    }

    /** F32 matrices on the heap, as a model computed in memory holds them. */
    static List<MemorySegment> heap(int layers, int rows, int cols) {
        Random r = new Random(11);
        List<MemorySegment> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            out.add(MemorySegment.ofArray(randomFloats(r, rows * cols)));
        }
        return out;
    }

    /**
     * PyTorch's figures for the same shapes and threads, from {@code /usr/bin/python3} (Debian's torch): each line
     * {@code what: value unit}.
     */
    static List<String> torchFigures(int threads, int runs) throws IOException, InterruptedException {
        String script;
        try (InputStream in = MatrixBench.class.getResourceAsStream("torch_matrix_bench.py")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> shape = new LinkedHashMap<>();
        shape.put("threads", Integer.toString(threads));
        shape.put("runs", Integer.toString(runs));
        shape.put("vec", VEC_LAYERS + "," + VEC_ROWS + "," + VEC_COLS);
        shape.put("mm", MM_ROWS + "," + MM_COLS);
        shape.put("tokens", String.join(",", Arrays.stream(MM_TOKENS).mapToObj(Integer::toString).toList()));
        List<String> command = new ArrayList<>(List.of("/usr/bin/python3", "-c", script));
        shape.forEach((key, value) -> command.add(key + "=" + value));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            return List.of("failed: " + out.strip());
        }
        return out.lines().toList();
    }
}
