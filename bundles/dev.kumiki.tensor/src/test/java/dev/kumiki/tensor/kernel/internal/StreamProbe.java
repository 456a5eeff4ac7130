package dev.kumiki.tensor.kernel.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.SyntheticModel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A probe of why the streaming read ran below the decode kernel on the same bytes: one thread, CPU time, the
 * weight matrices of a generated BF16 model (written by {@link SyntheticModel}, as {@code kumiki bench generate} does)
 * read several ways, each from the mapping and from an anonymous copy: {@code float} (the read's F32 adds of the raw
 * bytes), {@code int} (integer adds: no floating-point slow path possible), {@code normal} (exponents forced normal),
 * {@code streams4} (four streams a quarter block apart, as matVec reads four rows), {@code matVec} (the decode
 * kernel); minor page faults per pass; then {@link dev.kumiki.tensor.kernel.StreamRead} itself on one thread (the
 * caller's CPU time) and both on one and two threads (wall time). Not a test; run after the tensor module's build:
 * {@snippet lang = "sh" :
 * java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *   -cp bundles/dev.kumiki.tensor/target/classes:bundles/dev.kumiki.tensor/target/test-classes:<jackson> \
 *   dev.kumiki.tensor.kernel.internal.StreamProbe /tmp/probe-model [layers]
 * }
 */
public final class StreamProbe {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final long BLOCK = 1 << 16;
    private static volatile double sink;

    private StreamProbe() {
    }

    /** The F32 sum of the same bytes with integer adds instead: no floating-point slow path can be hit. */
    static double intSum(MemorySegment m, long from, long to) {
        var a0 = IntVector.zero(I);
        var a1 = IntVector.zero(I);
        var a2 = IntVector.zero(I);
        var a3 = IntVector.zero(I);
        long step = 4L * I.vectorByteSize();
        long at = from;
        for (; at + step <= to; at += step) {
            a0 = a0.add(IntVector.fromMemorySegment(I, m, at, LE));
            a1 = a1.add(IntVector.fromMemorySegment(I, m, at + I.vectorByteSize(), LE));
            a2 = a2.add(IntVector.fromMemorySegment(I, m, at + 2L * I.vectorByteSize(), LE));
            a3 = a3.add(IntVector.fromMemorySegment(I, m, at + 3L * I.vectorByteSize(), LE));
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /** Float lanes, but each one's exponent forced normal (bits | 0x3F800000 & …): no denormal or NaN inputs. */
    static double normalSum(MemorySegment m, long from, long to) {
        var a0 = FloatVector.zero(F);
        var a1 = FloatVector.zero(F);
        long step = 2L * F.vectorByteSize();
        long at = from;
        for (; at + step <= to; at += step) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, m, at, LE).reinterpretAsInts().and(0x807FFFFF)
                    .or(0x3F800000).reinterpretAsFloats());
            a1 = a1.add(FloatVector.fromMemorySegment(F, m, at + F.vectorByteSize(), LE).reinterpretAsInts()
                    .and(0x807FFFFF).or(0x3F800000).reinterpretAsFloats());
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /** Four streams a quarter block apart, as matVec reads four rows at once: four pages in flight, not one. */
    static double streams4(MemorySegment m, long from, long to) {
        long quarter = (to - from) / 4 / F.vectorByteSize() * F.vectorByteSize();
        var a0 = FloatVector.zero(F);
        var a1 = FloatVector.zero(F);
        var a2 = FloatVector.zero(F);
        var a3 = FloatVector.zero(F);
        long at = from;
        long end = from + quarter;
        for (; at < end; at += F.vectorByteSize()) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, m, at, LE));
            a1 = a1.add(FloatVector.fromMemorySegment(F, m, at + quarter, LE));
            a2 = a2.add(FloatVector.fromMemorySegment(F, m, at + 2 * quarter, LE));
            a3 = a3.add(FloatVector.fromMemorySegment(F, m, at + 3 * quarter, LE));
        }
        double s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (at = from + 4 * quarter; at + 4 <= to; at += 4) {
            s += m.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, at);
        }
        return s;
    }

    /** This thread's minor page faults so far (Linux), -1 elsewhere. */
    static long minorFaults() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[7]); // field 10 of stat: minflt
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    static double blocks(List<MemorySegment> segs, Kind kind) {
        double s = 0;
        for (MemorySegment m : segs) {
            long size = m.byteSize() & ~3L;
            for (long from = 0; from < size; from += BLOCK) {
                long to = Math.min(size, from + BLOCK);
                s += switch (kind) {
                    case FLOAT -> VectorMatrix.streamSum(m, from, to);
                    case INT -> intSum(m, from, to);
                    case NORMAL -> normalSum(m, from, to);
                    case STREAMS4 -> streams4(m, from, to);
                };
            }
        }
        return s;
    }

    enum Kind { FLOAT, INT, NORMAL, STREAMS4 }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        if (!Files.exists(dir.resolve(ModelFolder.CONFIG))) {
            SyntheticModel.llama().layers(layers).hidden(2048).intermediate(5632).vocab(32000).dtype(DType.BF16)
                    .write(dir);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (ModelFolder f = ModelFolder.open(dir); Arena arena = Arena.ofShared()) {
            List<MemorySegment> mapped = new ArrayList<>();
            List<TensorInfo> infos = new ArrayList<>();
            List<MemorySegment> anon = new ArrayList<>();
            long bytes = 0;
            int denormal = 0;
            long floats = 0;
            for (String name : f.names()) {
                TensorInfo t = f.info(name).orElseThrow();
                if (t.shape().rank() != 2 || name.equals("model.embed_tokens.weight")) {
                    continue;
                }
                MappedTensor mt = f.tensor(name);
                mapped.add(mt.data());
                infos.add(t);
                MemorySegment copy = arena.allocate(mt.data().byteSize(), 64);
                copy.copyFrom(mt.data());
                anon.add(copy);
                bytes += mt.data().byteSize();
                for (long at = 0; at + 4 <= mt.data().byteSize(); at += 4 * 97) {
                    int bits = mt.data().get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, at);
                    floats++;
                    if ((bits & 0x7F800000) == 0 && (bits & 0x7FFFFF) != 0) {
                        denormal++;
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%d matrices, %.1f MB; denormal F32 lanes in a sample: %d of %d%n",
                    mapped.size(), bytes / 1e6, denormal, floats);
            float[] x = new float[8192];
            java.util.Arrays.fill(x, 0.01f);
            float[] y = new float[32000];
            for (int round = 0; round < 6; round++) {
                StringBuilder line = new StringBuilder("round " + round + ":");
                for (var e : List.<java.util.Map.Entry<String, ToDoubleFunction<List<MemorySegment>>>>of(
                        java.util.Map.entry("float", l -> blocks(l, Kind.FLOAT)),
                        java.util.Map.entry("int", l -> blocks(l, Kind.INT)),
                        java.util.Map.entry("streams4", l -> blocks(l, Kind.STREAMS4)),
                        java.util.Map.entry("normal", l -> blocks(l, Kind.NORMAL)),
                        java.util.Map.entry("matVec", l -> {
                            for (int i = 0; i < l.size(); i++) {
                                TensorInfo t = infos.get(i);
                                int rows = (int) t.shape().dim(0);
                                int cols = (int) t.shape().dim(1);
                                VectorMatrix.matVec(l.get(i), DType.BF16, cols, x, 0, y, 0, 0, rows);
                            }
                            return y[0];
                        }))) {
                    for (String where : new String[] {"mapped", "anon"}) {
                        List<MemorySegment> segs = where.equals("mapped") ? mapped : anon;
                        long f0 = minorFaults();
                        long c0 = mx.getCurrentThreadCpuTime();
                        long w0 = System.nanoTime();
                        sink += e.getValue().applyAsDouble(segs);
                        long c1 = mx.getCurrentThreadCpuTime();
                        long w1 = System.nanoTime();
                        long f1 = minorFaults();
                        line.append(String.format(Locale.ROOT, " %s/%s %.1f GB/s (wall %.1f, %d faults)", e.getKey(),
                                where, bytes / ((c1 - c0) / 1e9) / 1e9, bytes / ((w1 - w0) / 1e9) / 1e9, f1 - f0));
                    }
                }
                for (int threads : new int[] {1, 2}) {
                    try (var ops = dev.kumiki.tensor.kernel.MatrixOps.of(VectorKernels.preferred(), threads)) {
                        var read = dev.kumiki.tensor.kernel.StreamRead.of(ops, mapped);
                        long c0 = mx.getCurrentThreadCpuTime();
                        long w0 = System.nanoTime();
                        sink += read.sum();
                        long w1 = System.nanoTime();
                        long c1 = mx.getCurrentThreadCpuTime();
                        if (threads == 1) {
                            line.append(String.format(Locale.ROOT, " | StreamRead on the caller %.1f GB/s",
                                    bytes / ((c1 - c0) / 1e9) / 1e9));
                        }
                        for (int i = 0; i < mapped.size(); i++) {
                            TensorInfo t = infos.get(i);
                            ops.matVec(mapped.get(i), DType.BF16, (int) t.shape().dim(0), (int) t.shape().dim(1), x,
                                    y);
                        }
                        long w2 = System.nanoTime();
                        line.append(String.format(Locale.ROOT, " | %d threads: StreamRead %.1f GB/s, matVec %.1f GB/s",
                                threads, bytes / ((w1 - w0) / 1e9) / 1e9, bytes / ((w2 - w1) / 1e9) / 1e9));
                    }
                }
                System.out.println(line);
            }
        }
    }
}
