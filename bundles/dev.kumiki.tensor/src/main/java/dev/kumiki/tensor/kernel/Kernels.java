package dev.kumiki.tensor.kernel;

import java.lang.foreign.MemorySegment;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.hardware.Backend;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.kernel.internal.OneDnnKernels;
import dev.kumiki.tensor.kernel.internal.VectorKernels;

/**
 * The numeric kernels merges are built from: conversions between stored tensors (F32, F16, BF16, little-endian in a
 * {@link MemorySegment}) and float chunks on the heap, and operations on those chunks. Work streams through chunks of
 * a few ten thousand elements, so every operation takes {@code (array, offset, length)}; reductions return their
 * chunk's partial result for the caller to add up in double.
 * <p>
 * {@link #scalar()} is the reference implementation every other is tested against; {@link #of(Backend)} gives the
 * one for a backend ({@code vector} and {@code a64fx} use the Java Vector API with the JVM's preferred species).
 * {@snippet :
 * Kernels k = Kernels.of(HardwareProfile.detect());
 * k.load(a.data(), DType.BF16, 0, xa, 0, n);
 * k.load(b.data(), DType.BF16, 0, xb, 0, n);
 * k.lerp(xa, xb, 0.3f, out, 0, n);
 * k.store(out, 0, n, target, DType.BF16, 0);
 * }
 */
public interface Kernels {

    /** A short name for messages and benchmarks: {@code scalar}, {@code vector-256}… */
    String name();

    /** Reads {@code n} elements of a stored F32, F16, BF16 or F64 tensor, starting at element {@code from}. */
    void load(MemorySegment src, DType type, long from, float[] dst, int off, int n);

    /**
     * Writes {@code n} floats as F32, F16, BF16 or F64 at element {@code to} of {@code dst}; narrowing rounds to nearest
     * even, as PyTorch does (NaN becomes the quiet NaN 0x7FC0 in BF16).
     */
    void store(float[] src, int off, int n, MemorySegment dst, DType type, long to);

    /** {@code out = Σ weights[j] · xs[j]} over the chunk. */
    void weightedSum(float[][] xs, float[] weights, float[] out, int off, int n);

    /** {@code y += a · x}. */
    void axpy(float a, float[] x, float[] y, int off, int n);

    /** {@code x *= a}. */
    void scale(float a, float[] x, int off, int n);

    /** {@code out = a - b}. */
    void subtract(float[] a, float[] b, float[] out, int off, int n);

    /** {@code out = (1 - t) · a + t · b}. */
    void lerp(float[] a, float[] b, float t, float[] out, int off, int n);

    /** {@code out = x · mask} where mask elements are 0 or 1. */
    void multiply(float[] x, float[] mask, float[] out, int off, int n);

    /** {@code Σ a·b}. */
    double dot(float[] a, float[] b, int off, int n);

    /** {@code Σ x²}. */
    double sumOfSquares(float[] x, int off, int n);

    /** {@code Σ |x|}. */
    double sumOfAbs(float[] x, int off, int n);

    /** {@code max |x|} (0 for an empty chunk). */
    float maxAbs(float[] x, int off, int n);

    /**
     * The elected sign per element, TIES-style: the sign of {@code Σ xs[j]} when {@code byCount} is false (mergekit's
     * "sum"), of {@code Σ sign(xs[j])} when true ("count"); +1 where the sum is 0, as mergekit's {@code sign >= 0}.
     */
    void majoritySign(float[][] xs, boolean byCount, float[] sign, int off, int n);

    /** {@code mask = 1} where {@code x} has the elected sign ({@code sign(x) == sign}; 0 elements never agree). */
    void agreement(float[] x, float[] sign, float[] mask, int off, int n);

    /**
     * A seeded Bernoulli keep-mask: {@code mask = 1} with probability {@code density}, from a counter-based generator
     * ({@link CounterRandom}) so element {@code first + i} gets the same draw whatever the chunking or thread.
     */
    void bernoulli(long seed, long first, float density, float[] mask, int off, int n);

    /**
     * {@code keep = 1} where {@code |x|}'s float bits exceed {@code bits} (a magnitude threshold from
     * {@link MagnitudeSelection}), else 0.
     */
    void aboveMagnitude(float[] x, int bits, float[] keep, int off, int n);

    /**
     * {@code Σ a[aOff + i] · b[bOff + i]} over {@code i < n}, in float: one attention score (a query head against a
     * cached key). Implementations may add in any order; compare with a tolerance.
     */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /**
     * {@code y[yOff + i] += alpha · x[xOff + i]}: attention's weighted sum of cached values, and with {@code alpha = 1}
     * a residual or bias add (exact then: {@code 1 · x + y} rounds once, as {@code x + y} does).
     */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code out[outOff + i] = w[i] · (x[xOff + i] · a)}: RMSNorm's scaling, once {@code a} = 1 / rms is known. */
    void scaleMultiply(float[] x, int xOff, float a, float[] w, float[] out, int outOff, int n);

    /**
     * {@code x = exp(x - shift)} over the chunk, returning {@code Σ} of the new values (a softmax's numerators and
     * their sum, {@code shift} its maximum). The vector kernels may differ from {@link Math#exp} by an ulp or two.
     */
    double expSum(float[] x, int off, int n, float shift);

    /**
     * SwiGLU's product {@code gate = silu(gate) · up = gate / (1 + exp(-gate)) · up} over the chunk. The vector kernels
     * may differ from {@link Math#exp} by an ulp or two.
     */
    void siluMul(float[] gate, float[] up, int off, int n);

    /**
     * Rotary position embedding of one head in the rotate-half convention: element {@code i < half} pairs with element
     * {@code half + i}, rotated by {@code cos[table + i]}, {@code sin[table + i]}:
     * {@code (x₁, x₂) ← (x₁·cos − x₂·sin, x₂·cos + x₁·sin)}. Exact: both are rounded products and one rounded sum.
     */
    void rope(float[] x, int off, int half, float[] cos, float[] sin, int table);

    /**
     * Rows {@code [r0, r1)} of a matrix-vector product with a stored weight matrix, as a linear layer computes it
     * for one token: {@code y[yOff + r] = Σ_c W[r, c] · x[xOff + c]}. {@code w} holds W row-major,
     * {@code rows × cols} elements of F32, F16 or BF16 from byte 0 (a mapped tensor, or a heap segment over a
     * {@code float[]} for a model computed in memory). Implementations may add in any order; compare with a tolerance.
     */
    void matVec(MemorySegment w, DType type, int cols, float[] x, int xOff, float[] y, int yOff, int r0, int r1);

    /**
     * Rows {@code [r0, r1)} of {@code Y = X · Wᵀ} for {@code n} tokens at once (a batched prefill):
     * {@code y[t · rows + r] = Σ_c W[r, c] · x[t · cols + c]} for {@code t < n}. W as in
     * {@link #matVec}; X is row-major {@code n × cols}, Y row-major {@code n × rows}. The vector implementation keeps
     * packing buffers per calling thread (about 1 KiB × cols at 512 bits: 2 MiB for 2048 columns). With BF16 weights an
     * implementation may round X to bf16 first, as PyTorch's bf16 linear layers do (oneDNN's kernels).
     */
    void matMul(MemorySegment w, DType type, int rows, int cols, float[] x, int n, float[] y, int r0, int r1);

    /**
     * The whole of {@code Y = X · Wᵀ} ({@link #matMul} over all rows) on {@code threads} threads that the implementation
     * runs itself, for an implementation that multiplies best in one call (oneDNN with its OpenMP threads); returns
     * {@code false} without doing anything when it does not, and {@link MatrixOps} then splits the rows over its own
     * threads. The default does not.
     */
    default boolean matMulOnOwnThreads(MemorySegment w, DType type, int rows, int cols, float[] x, int n, float[] y,
            int threads) {
        return false;
    }

    /**
     * Which kernels multiply batches of tokens by BF16 weights (a prefill) on {@code profile}'s machine, and why, in
     * words for {@code kumiki backends}: oneDNN or the backend's own, with the reason oneDNN is not used.
     */
    static String bf16BatchedProducts(HardwareProfile profile) {
        if (profile.backend() != Backend.VECTOR) {
            return "the " + profile.backend().id() + " kernels (oneDNN is used with the vector backend only)";
        }
        String why = OneDnnKernels.unavailable(profile);
        return why == null ? "oneDNN " + OneDnnKernels.version() + " (" + OneDnnKernels.LIBRARY + "), bfloat16 dot "
                + "products; activations rounded to bf16 as in PyTorch (-D" + OneDnnKernels.PROPERTY + "=false: the "
                + "vector kernels)"
                : "the vector kernels; oneDNN not used: " + why;
    }

    /** The scalar reference kernels. */
    static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /** The kernels of {@code backend}; {@code vector} and {@code a64fx} need the Vector API module. */
    static Kernels of(Backend backend) {
        return switch (backend) {
            case SCALAR -> scalar();
            case VECTOR, A64FX -> VectorKernels.preferred();
        };
    }

    /**
     * The kernels of the backend {@code profile} picked; with the {@code vector} backend on a CPU with a bfloat16 dot
     * product, batched products of BF16 weights go to oneDNN when it is installed (see
     * {@link OneDnnKernels}: the activations are then rounded to bf16, as PyTorch does).
     */
    static Kernels of(HardwareProfile profile) {
        Kernels kernels = of(profile.backend());
        return profile.backend() == Backend.VECTOR ? OneDnnKernels.wrapIfUseful(kernels, profile) : kernels;
    }
}
