package dev.kumiki.tensor.kernel.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * Other kernels with their batched products of BF16 weights ({@link Kernels#matMul}, the prefill) done by oneDNN's
 * {@code dnnl_gemm_bf16bf16f32}, from the system's oneDNN library (Debian's {@code libdnnl2}), called through the
 * foreign function API. On CPUs with a bfloat16 dot product ({@code avx512_bf16}: Intel Cooper Lake and later, AMD
 * Zen 4 and later) it multiplies two bf16 pairs per float lane per instruction, twice what widening the weights to
 * float and using FMAs can do, which is all the Java Vector API offers. It is the kernel PyTorch's bf16 {@code
 * F.linear} runs.
 * <p>
 * The numbers differ from the other kernels' in one documented way: the activations are rounded to bf16 (to nearest
 * even) before they are multiplied, as PyTorch does for a bf16 model; the products of the rounded values are then
 * exact and summed in float. Products of fewer than {@value #MIN_TOKENS} tokens, and of F32 or F16 weights, go to the
 * wrapped kernels unchanged, as does everything else. A call for a block of rows runs oneDNN on its calling thread
 * alone ({@code omp_set_num_threads(1)} for that thread); with {@link dev.kumiki.tensor.kernel.MatrixOps} a whole product is
 * one call on as many OpenMP threads as the pool has ({@link #matMulOnOwnThreads}), which measured 1.5–2× faster than
 * the rows split over the pool's threads, each calling oneDNN on its own (n = 64 tokens, 2048 × 2048 to 5632 × 2048).
 * Weights on the heap (a {@code byte[]}) stay with the wrapped kernels too.
 * <p>
 * Used when the CPU has the bf16 dot product, the library loads, and {@code -Dkumiki.onednn=false} (or {@code
 * KUMIKI_ONEDNN=false}) does not turn it off; {@link #unavailable(HardwareProfile)} says why not otherwise.
 */
public final class OneDnnKernels implements Kernels {
    /** System property that turns oneDNN off ({@code false}) for comparisons and for bit-for-bit reproducibility. */
    public static final String PROPERTY = "kumiki.onednn";
    /** Environment variable read when the property is not set. */
    public static final String ENVIRONMENT = "KUMIKI_ONEDNN";
    /** The fewest tokens a product needs to go to oneDNN (decode and short prompts stay on the wrapped kernels). */
    public static final int MIN_TOKENS = 16;
    /** The system library, as Debian's libdnnl2 installs it. */
    public static final String LIBRARY = "libdnnl.so.2";

    private static final Library LIB = Library.load();

    private final Kernels inner;
    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);

    private OneDnnKernels(Kernels inner) {
        this.inner = inner;
    }

    /**
     * Why oneDNN's bf16 products are not used on {@code profile}'s machine, or {@code null} when they are: turned
     * off, not x86-64 Linux, no {@code avx512_bf16}, or the library missing (with the package to install).
     */
    public static String unavailable(HardwareProfile profile) {
        String setting = System.getProperty(PROPERTY, System.getenv(ENVIRONMENT));
        if (setting != null && setting.strip().toLowerCase(Locale.ROOT).equals("false")) {
            return "turned off (" + (System.getProperty(PROPERTY) != null ? "-D" + PROPERTY : ENVIRONMENT)
                    + "=false)";
        }
        if (!profile.osName().startsWith("Linux") || !(profile.arch().equals("amd64")
                || profile.arch().equals("x86_64"))) {
            return "used on x86-64 Linux only";
        }
        if (!profile.cpu().hasFeature("avx512_bf16")) {
            return "this CPU has no bfloat16 dot product (avx512_bf16), so it would not be faster";
        }
        return LIB.problem;
    }

    /** {@code inner} with oneDNN's bf16 products, or {@code inner} itself where {@link #unavailable} gives a reason. */
    public static Kernels wrapIfUseful(Kernels inner, HardwareProfile profile) {
        return unavailable(profile) == null ? new OneDnnKernels(inner) : inner;
    }

    /** {@code inner} with oneDNN's bf16 products, whatever the CPU (tests of the binding). */
    public static Kernels wrap(Kernels inner) {
        if (LIB.problem != null) {
            throw new IllegalStateException("oneDNN cannot be used: " + LIB.problem);
        }
        return new OneDnnKernels(inner);
    }

    /** The loaded library's version ({@code 2.6.3}), or empty when it did not load. */
    public static String version() {
        return LIB.version;
    }

    @Override
    public String name() {
        return inner.name() + "+onednn";
    }

    @Override
    public boolean matMulOnOwnThreads(MemorySegment w, DType type, int rows, int cols, float[] x, int n, float[] y,
            int threads) {
        if (!handles(w, type, n)) {
            return false;
        }
        gemm(w, rows, cols, x, n, y, 0, rows, threads);
        return true;
    }

    @Override
    public void matMul(MemorySegment w, DType type, int rows, int cols, float[] x, int n, float[] y, int r0, int r1) {
        if (!handles(w, type, n) || r1 <= r0) {
            inner.matMul(w, type, rows, cols, x, n, y, r0, r1);
            return;
        }
        gemm(w, rows, cols, x, n, y, r0, r1, 1);
    }

    /** BF16 weights in native memory (mapped files; heap arrays cannot be passed), enough tokens. */
    private static boolean handles(MemorySegment w, DType type, int n) {
        return type == DType.BF16 && n >= MIN_TOKENS && w.isNative();
    }

    /** Rows {@code [r0, r1)} of {@code Y = X · Wᵀ} by oneDNN on {@code threads} OpenMP threads. */
    private void gemm(MemorySegment w, int rows, int cols, float[] x, int n, float[] y, int r0, int r1, int threads) {
        int m = r1 - r0;
        Buffers b = buffers.get();
        MemorySegment a = b.activations((long) n * cols * 2);
        MemorySegment c = b.results((long) n * m * 4);
        inner.store(x, 0, n * cols, a, DType.BF16, 0);
        LIB.threads(threads);
        LIB.gemm(n, m, cols, a, w.asSlice((long) r0 * cols * 2, (long) m * cols * 2), c, m);
        for (int t = 0; t < n; t++) {
            MemorySegment.copy(c, ValueLayout.JAVA_FLOAT, (long) t * m * 4, y, t * rows + r0, m);
        }
    }

    /**
     * A thread's native buffers for the bf16 activations and the float results (oneDNN cannot be handed heap arrays
     * without a critical call, and a critical call of milliseconds would hold every other thread at the next
     * safepoint). Freed by the garbage collector with the thread.
     */
    private static final class Buffers {
        private MemorySegment activations = MemorySegment.NULL;
        private MemorySegment results = MemorySegment.NULL;

        MemorySegment activations(long bytes) {
            if (activations.byteSize() < bytes) {
                activations = Arena.ofAuto().allocate(bytes, 64);
            }
            return activations;
        }

        MemorySegment results(long bytes) {
            if (results.byteSize() < bytes) {
                results = Arena.ofAuto().allocate(bytes, 64);
            }
            return results;
        }
    }

    @Override
    public void load(MemorySegment src, DType type, long from, float[] dst, int off, int n) {
        inner.load(src, type, from, dst, off, n);
    }

    @Override
    public void store(float[] src, int off, int n, MemorySegment dst, DType type, long to) {
        inner.store(src, off, n, dst, type, to);
    }

    @Override
    public void weightedSum(float[][] xs, float[] weights, float[] out, int off, int n) {
        inner.weightedSum(xs, weights, out, off, n);
    }

    @Override
    public void axpy(float a, float[] x, float[] y, int off, int n) {
        inner.axpy(a, x, y, off, n);
    }

    @Override
    public void scale(float a, float[] x, int off, int n) {
        inner.scale(a, x, off, n);
    }

    @Override
    public void subtract(float[] a, float[] b, float[] out, int off, int n) {
        inner.subtract(a, b, out, off, n);
    }

    @Override
    public void lerp(float[] a, float[] b, float t, float[] out, int off, int n) {
        inner.lerp(a, b, t, out, off, n);
    }

    @Override
    public void multiply(float[] x, float[] mask, float[] out, int off, int n) {
        inner.multiply(x, mask, out, off, n);
    }

    @Override
    public double dot(float[] a, float[] b, int off, int n) {
        return inner.dot(a, b, off, n);
    }

    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        return inner.sumOfSquares(x, off, n);
    }

    @Override
    public double sumOfAbs(float[] x, int off, int n) {
        return inner.sumOfAbs(x, off, n);
    }

    @Override
    public float maxAbs(float[] x, int off, int n) {
        return inner.maxAbs(x, off, n);
    }

    @Override
    public void majoritySign(float[][] xs, boolean byCount, float[] sign, int off, int n) {
        inner.majoritySign(xs, byCount, sign, off, n);
    }

    @Override
    public void agreement(float[] x, float[] sign, float[] mask, int off, int n) {
        inner.agreement(x, sign, mask, off, n);
    }

    @Override
    public void bernoulli(long seed, long first, float density, float[] mask, int off, int n) {
        inner.bernoulli(seed, first, density, mask, off, n);
    }

    @Override
    public void aboveMagnitude(float[] x, int bits, float[] keep, int off, int n) {
        inner.aboveMagnitude(x, bits, keep, off, n);
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return inner.dot(a, aOff, b, bOff, n);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        inner.axpy(alpha, x, xOff, y, yOff, n);
    }

    @Override
    public void scaleMultiply(float[] x, int xOff, float a, float[] w, float[] out, int outOff, int n) {
        inner.scaleMultiply(x, xOff, a, w, out, outOff, n);
    }

    @Override
    public double expSum(float[] x, int off, int n, float shift) {
        return inner.expSum(x, off, n, shift);
    }

    @Override
    public void siluMul(float[] gate, float[] up, int off, int n) {
        inner.siluMul(gate, up, off, n);
    }

    @Override
    public void rope(float[] x, int off, int half, float[] cos, float[] sin, int table) {
        inner.rope(x, off, half, cos, sin, table);
    }

    @Override
    public void matVec(MemorySegment w, DType type, int cols, float[] x, int xOff, float[] y, int yOff, int r0,
            int r1) {
        inner.matVec(w, type, cols, x, xOff, y, yOff, r0, r1);
    }

    /** The bound functions, or why they could not be bound. */
    private static final class Library {
        final MethodHandle gemm;
        final MethodHandle setThreads;
        final String problem;
        final String version;

        private Library(MethodHandle gemm, MethodHandle setThreads, String problem, String version) {
            this.gemm = gemm;
            this.setThreads = setThreads;
            this.problem = problem;
            this.version = version;
        }

        static Library load() {
            SymbolLookup dnnl;
            try {
                dnnl = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
            } catch (IllegalArgumentException e) {
                return new Library(null, null, "the oneDNN library " + LIBRARY + " is not installed (Debian: apt-get "
                        + "install libdnnl2)", "");
            } catch (IllegalCallerException | UnsupportedOperationException e) {
                return new Library(null, null, "native access is not enabled for Kumiki (" + e.getMessage() + ")",
                        "");
            }
            try {
                Linker linker = Linker.nativeLinker();
                MethodHandle gemm = linker.downcallHandle(dnnl.find("dnnl_gemm_bf16bf16f32").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_BYTE, ValueLayout.JAVA_BYTE,
                                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_FLOAT,
                                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                        Linker.Option.critical(false));
                // oneDNN's threads are OpenMP's (libdnnl loaded libgomp): their number is set per calling thread
                MethodHandle threads = linker.downcallHandle(
                        SymbolLookup.libraryLookup("libgomp.so.1", Arena.global()).find("omp_set_num_threads")
                                .orElseThrow(),
                        FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT), Linker.Option.critical(false));
                MethodHandle versionCall = linker.downcallHandle(dnnl.find("dnnl_version").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(
                                java.lang.foreign.MemoryLayout.sequenceLayout(3, ValueLayout.JAVA_INT))));
                MemorySegment v = (MemorySegment) versionCall.invokeExact();
                String version = v.getAtIndex(ValueLayout.JAVA_INT, 0) + "." + v.getAtIndex(ValueLayout.JAVA_INT, 1)
                        + "." + v.getAtIndex(ValueLayout.JAVA_INT, 2);
                return new Library(gemm, threads, null, version);
            } catch (Throwable e) {
                return new Library(null, null, "the oneDNN library " + LIBRARY + " could not be bound: " + e, "");
            }
        }

        void threads(int count) {
            try {
                setThreads.invokeExact(count);
            } catch (Throwable e) {
                throw new IllegalStateException("omp_set_num_threads failed", e);
            }
        }

        /** {@code C[m × n] = A[m × k] · B[n × k]ᵀ}, row-major, C's rows {@code ldc} floats apart. */
        void gemm(int m, int n, int k, MemorySegment a, MemorySegment b, MemorySegment c, int ldc) {
            int status;
            try {
                status = (int) gemm.invokeExact((byte) 'N', (byte) 'T', (long) m, (long) n, (long) k, 1.0f, a,
                        (long) k, b, (long) k, 0.0f, c, (long) ldc);
            } catch (Throwable e) {
                throw new IllegalStateException("oneDNN's dnnl_gemm_bf16bf16f32 failed", e);
            }
            if (status != 0) {
                throw new IllegalStateException("oneDNN's dnnl_gemm_bf16bf16f32 returned status " + status + " for "
                        + m + " × " + k + " times " + n + " × " + k);
            }
        }
    }
}
