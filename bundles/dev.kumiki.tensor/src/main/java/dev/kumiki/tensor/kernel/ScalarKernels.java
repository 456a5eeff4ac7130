package dev.kumiki.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.kumiki.tensor.DType;

/** Plain loops: the reference every other {@link Kernels} implementation is tested against. */
public final class ScalarKernels implements Kernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ScalarKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    /** BF16 bits to float: the upper half of an F32. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Float to BF16 bits, rounding to nearest even as PyTorch's c10::BFloat16 does. */
    public static short floatToBf16(float f) {
        if (Float.isNaN(f)) {
            return 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(f);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    @Override
    public void load(MemorySegment src, DType type, long from, float[] dst, int off, int n) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, F32, from * 4, dst, off, n);
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = bf16ToFloat(src.get(I16, (from + i) * 2));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Float.float16ToFloat(src.get(I16, (from + i) * 2));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = (float) src.get(F64, (from + i) * 8);
                }
            }
            default -> throw unsupported(type);
        }
    }

    @Override
    public void store(float[] src, int off, int n, MemorySegment dst, DType type, long to) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, off, dst, F32, to * 4, n);
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(I16, (to + i) * 2, floatToBf16(src[off + i]));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(I16, (to + i) * 2, Float.floatToFloat16(src[off + i]));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    dst.set(F64, (to + i) * 8, src[off + i]);
                }
            }
            default -> throw unsupported(type);
        }
    }

    static IllegalArgumentException unsupported(DType type) {
        return new IllegalArgumentException("kernels compute on F32, F16, BF16 and F64 tensors, not " + type);
    }

    @Override
    public void weightedSum(float[][] xs, float[] weights, float[] out, int off, int n) {
        for (int i = off; i < off + n; i++) {
            float s = 0;
            for (int j = 0; j < xs.length; j++) {
                s += weights[j] * xs[j][i];
            }
            out[i] = s;
        }
    }

    @Override
    public void axpy(float a, float[] x, float[] y, int off, int n) {
        for (int i = off; i < off + n; i++) {
            y[i] += a * x[i];
        }
    }

    @Override
    public void scale(float a, float[] x, int off, int n) {
        for (int i = off; i < off + n; i++) {
            x[i] *= a;
        }
    }

    @Override
    public void subtract(float[] a, float[] b, float[] out, int off, int n) {
        for (int i = off; i < off + n; i++) {
            out[i] = a[i] - b[i];
        }
    }

    @Override
    public void lerp(float[] a, float[] b, float t, float[] out, int off, int n) {
        float s = 1 - t;
        for (int i = off; i < off + n; i++) {
            out[i] = s * a[i] + t * b[i];
        }
    }

    @Override
    public void multiply(float[] x, float[] mask, float[] out, int off, int n) {
        for (int i = off; i < off + n; i++) {
            out[i] = x[i] * mask[i];
        }
    }

    @Override
    public double dot(float[] a, float[] b, int off, int n) {
        double s = 0;
        for (int i = off; i < off + n; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        return dot(x, x, off, n);
    }

    @Override
    public double sumOfAbs(float[] x, int off, int n) {
        double s = 0;
        for (int i = off; i < off + n; i++) {
            s += Math.abs(x[i]);
        }
        return s;
    }

    @Override
    public float maxAbs(float[] x, int off, int n) {
        float m = 0;
        for (int i = off; i < off + n; i++) {
            m = Math.max(m, Math.abs(x[i]));
        }
        return m;
    }

    @Override
    public void majoritySign(float[][] xs, boolean byCount, float[] sign, int off, int n) {
        for (int i = off; i < off + n; i++) {
            float s = 0;
            for (float[] x : xs) {
                s += byCount ? Math.signum(x[i]) : x[i];
            }
            sign[i] = s >= 0 ? 1f : -1f;
        }
    }

    @Override
    public void agreement(float[] x, float[] sign, float[] mask, int off, int n) {
        for (int i = off; i < off + n; i++) {
            mask[i] = Math.signum(x[i]) == sign[i] ? 1f : 0f;
        }
    }

    @Override
    public void aboveMagnitude(float[] x, int bits, float[] keep, int off, int n) {
        for (int i = off; i < off + n; i++) {
            keep[i] = (Float.floatToRawIntBits(x[i]) & 0x7FFFFFFF) > bits ? 1f : 0f;
        }
    }

    @Override
    public void bernoulli(long seed, long first, float density, float[] mask, int off, int n) {
        for (int i = 0; i < n; i++) {
            mask[off + i] = CounterRandom.uniform(seed, first + i) < density ? 1f : 0f;
        }
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void scaleMultiply(float[] x, int xOff, float a, float[] w, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) {
            out[outOff + i] = w[i] * (x[xOff + i] * a);
        }
    }

    @Override
    public double expSum(float[] x, int off, int n, float shift) {
        double s = 0;
        for (int i = off; i < off + n; i++) {
            float e = (float) Math.exp(x[i] - shift);
            x[i] = e;
            s += e;
        }
        return s;
    }

    @Override
    public void siluMul(float[] gate, float[] up, int off, int n) {
        for (int i = off; i < off + n; i++) {
            float a = gate[i];
            gate[i] = a / (1f + (float) Math.exp(-a)) * up[i];
        }
    }

    @Override
    public void rope(float[] x, int off, int half, float[] cos, float[] sin, int table) {
        for (int i = 0; i < half; i++) {
            float x1 = x[off + i];
            float x2 = x[off + half + i];
            float co = cos[table + i];
            float si = sin[table + i];
            x[off + i] = x1 * co - x2 * si;
            x[off + half + i] = x2 * co + x1 * si;
        }
    }

    @Override
    public void matVec(MemorySegment w, DType type, int cols, float[] x, int xOff, float[] y, int yOff, int r0,
            int r1) {
        checkMatrixType(type);
        float[] row = new float[cols];
        for (int r = r0; r < r1; r++) {
            load(w, type, (long) r * cols, row, 0, cols);
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += (double) row[c] * x[xOff + c];
            }
            y[yOff + r] = (float) s;
        }
    }

    @Override
    public void matMul(MemorySegment w, DType type, int rows, int cols, float[] x, int n, float[] y, int r0,
            int r1) {
        checkMatrixType(type);
        float[] row = new float[cols];
        for (int r = r0; r < r1; r++) {
            load(w, type, (long) r * cols, row, 0, cols);
            for (int t = 0; t < n; t++) {
                double s = 0;
                int base = t * cols;
                for (int c = 0; c < cols; c++) {
                    s += (double) row[c] * x[base + c];
                }
                y[t * rows + r] = (float) s;
            }
        }
    }

    private static void checkMatrixType(DType type) {
        if (type != DType.F32 && type != DType.F16 && type != DType.BF16) {
            throw new IllegalArgumentException("matrix kernels compute on F32, F16 and BF16 weights, not " + type);
        }
    }
}
