package dev.kumiki.llm.runtime;

import java.util.Arrays;

import dev.kumiki.llm.LanguageModel.ContextTooLongException;
import dev.kumiki.tensor.kernel.MatrixOps;

/**
 * One token sequence running through a {@link Transformer}: its KV cache and activation buffers. Tokens are appended;
 * prompts are processed in batches of {@link RuntimeOptions#prefillBatch()} tokens with the matrix-matrix kernels,
 * single tokens (decoding) with the matrix-vector kernels. The cache grows as the sequence does, up to the model's
 * context length. Not thread-safe.
 * {@snippet :
 * Session s = model.newSession();
 * float[] next = s.append(promptTokens);        // the logits after the prompt
 * next = s.append(Sampler.argmax(next));          // one decode step
 * }
 */
public final class Session {

    /** Receives the logits of one position: {@code logits[offset, offset + vocab)}; valid only during the call. */
    @FunctionalInterface
    public interface LogitsSink {
        /**
         * @param index  the position's index in the token array passed to {@link #append(int[], int, LogitsSink)}
         * @param logits a buffer holding the row
         * @param offset where the row starts
         */
        void accept(int index, float[] logits, int offset);
    }

    private final Transformer model;
    private final DecoderConfig c;
    private final int batch;
    /** A layer path's scales of the hidden state before each layer; null for an ordinary model. */
    private final float[] scales;
    private int length;
    private int capacity;
    private float[][] keys;
    private float[][] values;

    // activations of one batch, row-major (token × width)
    private float[] x;
    private float[] xn;
    private float[] q;
    private float[] k;
    private float[] v;
    private float[] att;
    private float[] out;
    private float[] gate;
    private float[] up;
    private float[] logits;

    Session(Transformer model) {
        this.model = model;
        this.c = model.config();
        this.batch = Math.min(model.options().prefillBatch(), c.maxPositions());
        this.scales = model.scales();
        this.keys = new float[c.layers()][0];
        this.values = new float[c.layers()][0];
    }

    /** The most tokens the session holds: the model's context length. */
    public int contextLength() {
        return c.maxPositions();
    }

    /** Tokens in the cache. */
    public int length() {
        return length;
    }

    /** Forgets every token (the cache's memory is kept for the next sequence). */
    public void reset() {
        length = 0;
    }

    /**
     * Keeps only the first {@code n} tokens, so that a sequence sharing a prefix with the last one need not compute
     * the prefix again.
     */
    public void truncate(int n) {
        if (n < 0 || n > length) {
            throw new IllegalArgumentException("cannot keep " + n + " of " + length + " tokens");
        }
        length = n;
    }

    /**
     * Appends {@code tokens} and returns the logits after the last of them (a fresh array).
     *
     * @throws ContextTooLongException when the sequence would exceed the model's context length
     * @throws IllegalArgumentException for an empty array or a token id outside the vocabulary
     */
    public float[] append(int... tokens) {
        float[] last = new float[c.vocabSize()];
        append(tokens, tokens.length - 1, (i, l, off) -> System.arraycopy(l, off, last, 0, last.length));
        return last;
    }

    /**
     * Appends {@code tokens}, handing {@code sink} the logits of every position from index {@code logitsFrom} on
     * (the output projection is computed only for those).
     *
     * @throws ContextTooLongException when the sequence would exceed the model's context length
     * @throws IllegalArgumentException for an empty array or a token id outside the vocabulary
     * @throws java.io.UncheckedIOException naming the file when a weight file changed on disk since the model was
     *         opened (truncated or rewritten by another program)
     */
    public void append(int[] tokens, int logitsFrom, LogitsSink sink) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no tokens to append");
        }
        if ((long) length + tokens.length > c.maxPositions()) {
            throw new ContextTooLongException((length + tokens.length) + " tokens do not fit in the context of "
                    + model.name() + ": at most " + c.maxPositions() + " (max_position_embeddings)"
                    + (length > 0 ? "; " + length + " were already in the sequence" : ""));
        }
        for (int t : tokens) {
            if (t < 0 || t >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary of " + model.name()
                        + " [0, " + c.vocabSize() + ")");
            }
        }
        model.requireWeightsUnchanged();
        ensureCapacity(length + tokens.length);
        model.ensureRope(length + tokens.length);
        try {
            for (int from = 0; from < tokens.length; from += batch) {
                int n = Math.min(batch, tokens.length - from);
                step(tokens, from, n, logitsFrom, sink);
            }
        } catch (InternalError e) {
            throw model.faulted(e);
        }
    }

    private void ensureCapacity(int n) {
        if (n > capacity) {
            int grown = Math.min(c.maxPositions(), Math.max(n, Math.max(16, capacity * 2)));
            for (int l = 0; l < c.layers(); l++) {
                keys[l] = Arrays.copyOf(keys[l], grown * c.kvWidth());
                values[l] = Arrays.copyOf(values[l], grown * c.kvWidth());
            }
            capacity = grown;
        }
        if (x == null) {
            int b = batch;
            x = new float[b * c.hiddenSize()];
            xn = new float[b * c.hiddenSize()];
            q = new float[b * c.queryWidth()];
            k = new float[b * c.kvWidth()];
            v = new float[b * c.kvWidth()];
            att = new float[b * c.queryWidth()];
            out = new float[b * c.hiddenSize()];
            gate = new float[b * c.intermediateSize()];
            up = new float[b * c.intermediateSize()];
        }
    }

    /** Runs tokens {@code [from, from + n)} through every layer, then the output projection where asked. */
    private void step(int[] tokens, int from, int n, int logitsFrom, LogitsSink sink) {
        int h = c.hiddenSize();
        for (int t = 0; t < n; t++) {
            model.embed(tokens[from + t], x, t * h);
        }
        for (int l = 0; l < c.layers(); l++) {
            if (scales != null && scales[l] != 1f) {
                scale(x, n * h, scales[l]);
            }
            layer(l, n);
        }
        length += n;
        int first = Math.max(from, logitsFrom);
        int m = from + n - first;
        if (m <= 0) {
            return;
        }
        float[] norm = model.finalNorm();
        for (int t = 0; t < m; t++) {
            rmsNorm(x, (first - from + t) * h, norm, xn, t * h, h, (float) c.rmsNormEps());
        }
        int vocab = c.vocabSize();
        if (logits == null || logits.length < m * vocab) {
            logits = new float[m * vocab];
        }
        matMul(model.lmHead(), xn, m, logits);
        for (int t = 0; t < m; t++) {
            sink.accept(first + t, logits, t * vocab);
        }
    }

    private void layer(int l, int n) {
        Transformer.Layer w = model.layer(l);
        int h = c.hiddenSize();
        int hd = c.headDim();
        float eps = (float) c.rmsNormEps();
        int pos0 = length;
        for (int t = 0; t < n; t++) {
            rmsNorm(x, t * h, w.attnNorm(), xn, t * h, h, eps);
        }
        matMul(w.q(), xn, n, q);
        matMul(w.k(), xn, n, k);
        matMul(w.v(), xn, n, v);
        float[] cos = model.cosTable();
        float[] sin = model.sinTable();
        int half = hd / 2;
        for (int t = 0; t < n; t++) {
            int ropeOff = (pos0 + t) * half;
            for (int head = 0; head < c.heads(); head++) {
                int off = t * c.queryWidth() + head * hd;
                if (w.qNorm() != null) {
                    rmsNorm(q, off, w.qNorm(), q, off, hd, eps);
                }
                rope(q, off, half, cos, sin, ropeOff);
            }
            for (int g = 0; g < c.kvHeads(); g++) {
                int off = t * c.kvWidth() + g * hd;
                if (w.kNorm() != null) {
                    rmsNorm(k, off, w.kNorm(), k, off, hd, eps);
                }
                rope(k, off, half, cos, sin, ropeOff);
            }
        }
        int kvw = c.kvWidth();
        System.arraycopy(k, 0, keys[l], pos0 * kvw, n * kvw);
        System.arraycopy(v, 0, values[l], pos0 * kvw, n * kvw);
        attention(keys[l], values[l], n, pos0);
        matMul(w.o(), att, n, out);
        add(out, x, n * h);
        for (int t = 0; t < n; t++) {
            rmsNorm(x, t * h, w.mlpNorm(), xn, t * h, h, eps);
        }
        matMul(w.gate(), xn, n, gate);
        matMul(w.up(), xn, n, up);
        swiGlu(gate, up, n * c.intermediateSize());
        matMul(w.down(), gate, n, out);
        add(out, x, n * h);
    }

    /** {@code y = X · Wᵀ (+ bias)} for {@code n} rows of X. */
    private void matMul(Transformer.Linear w, float[] in, int n, float[] y) {
        MatrixOps ops = model.ops();
        ops.matMul(w.w(), w.type(), w.rows(), w.cols(), in, n, y);
        if (w.bias() != null) {
            for (int t = 0; t < n; t++) {
                add(w.bias(), 0, y, t * w.rows(), w.rows());
            }
        }
    }

    /** Causal attention of the batch's queries over the cache, every (token, head) pair a unit of parallel work. */
    private void attention(float[] kc, float[] vc, int n, int pos0) {
        int heads = c.heads();
        model.ops().split(n * heads, 1, (a, b) -> {
            float[] scores = new float[pos0 + n];
            for (int i = a; i < b; i++) {
                int t = i / heads;
                int head = i % heads;
                attendOne(kc, vc, t * c.queryWidth() + head * c.headDim(), head / c.groupSize(), pos0 + t + 1,
                        scores);
            }
        });
    }

    private void attendOne(float[] kc, float[] vc, int qOff, int g, int visible, float[] scores) {
        int hd = c.headDim();
        int kvw = c.kvWidth();
        float scale = (float) (1 / Math.sqrt(hd));
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < visible; j++) {
            float s = dot(q, qOff, kc, j * kvw + g * hd, hd) * scale;
            scores[j] = s;
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int j = 0; j < visible; j++) {
            float e = (float) Math.exp(scores[j] - max);
            scores[j] = e;
            sum += e;
        }
        float inv = (float) (1 / sum);
        Arrays.fill(att, qOff, qOff + hd, 0f);
        for (int j = 0; j < visible; j++) {
            axpy(scores[j] * inv, vc, j * kvw + g * hd, att, qOff, hd);
        }
    }

    private static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    private static void axpy(float alpha, float[] xs, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * xs[xOff + i];
        }
    }

    /** Hugging Face's LlamaRMSNorm: {@code weight · x / sqrt(mean(x²) + eps)}; {@code in} and {@code out} may alias. */
    static void rmsNorm(float[] in, int inOff, float[] weight, float[] outBuf, int outOff, int n, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            float e = in[inOff + i];
            ss += e * e;
        }
        float r = (float) (1 / Math.sqrt((float) (ss / n) + eps));
        for (int i = 0; i < n; i++) {
            outBuf[outOff + i] = weight[i] * (in[inOff + i] * r);
        }
    }

    /** RoPE in the rotate-half convention: element i pairs with element i + d/2. */
    private static void rope(float[] a, int off, int half, float[] cos, float[] sin, int ropeOff) {
        for (int i = 0; i < half; i++) {
            float x1 = a[off + i];
            float x2 = a[off + half + i];
            float co = cos[ropeOff + i];
            float si = sin[ropeOff + i];
            a[off + i] = x1 * co - x2 * si;
            a[off + half + i] = x2 * co + x1 * si;
        }
    }

    /** {@code gate = silu(gate) · up}. */
    private static void swiGlu(float[] g, float[] u, int n) {
        for (int i = 0; i < n; i++) {
            float a = g[i];
            g[i] = a / (1f + (float) Math.exp(-a)) * u[i];
        }
    }

    private static void scale(float[] a, int n, float s) {
        for (int i = 0; i < n; i++) {
            a[i] *= s;
        }
    }

    private static void add(float[] a, float[] into, int n) {
        add(a, 0, into, 0, n);
    }

    private static void add(float[] a, int aOff, float[] into, int off, int n) {
        for (int i = 0; i < n; i++) {
            into[off + i] += a[aOff + i];
        }
    }
}
