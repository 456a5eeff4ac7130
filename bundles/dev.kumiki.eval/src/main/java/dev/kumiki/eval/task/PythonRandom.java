package dev.kumiki.eval.task;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Python's {@code random.Random} (MT19937 seeded from an integer as CPython seeds it) with the few methods
 * lm-evaluation-harness uses: {@code sample} for few-shot examples and {@code choices} and {@code random} for
 * bootstrap standard errors. Reproducing them draw for draw means a task run by Kumiki and by lm-eval with the same
 * seed sees the same few-shot examples in the same order.
 */
public final class PythonRandom {
    private static final int N = 624;
    private static final int M = 397;
    private final int[] mt = new int[N];
    private int mti;

    /** A generator seeded as {@code random.Random(seed)} is, for a seed of any sign (CPython uses its magnitude). */
    public PythonRandom(long seed) {
        long abs = Math.abs(seed);
        // CPython's init_by_array key: the 32-bit words of |seed|, least significant first (one word for 0)
        int[] key = (abs >>> 32) == 0 ? new int[] {(int) abs} : new int[] {(int) abs, (int) (abs >>> 32)};
        initByArray(key);
    }

    private void initGenrand(int s) {
        mt[0] = s;
        for (mti = 1; mti < N; mti++) {
            mt[mti] = 1812433253 * (mt[mti - 1] ^ (mt[mti - 1] >>> 30)) + mti;
        }
    }

    private void initByArray(int[] key) {
        initGenrand(19650218);
        int i = 1;
        int j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
            i++;
            j++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if (j >= key.length) {
                j = 0;
            }
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x80000000;
    }

    /** The next 32 random bits, as an unsigned value. */
    long nextInt32() {
        if (mti >= N) {
            for (int kk = 0; kk < N; kk++) {
                int y = (mt[kk] & 0x80000000) | (mt[(kk + 1) % N] & 0x7fffffff);
                mt[kk] = mt[(kk + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
            }
            mti = 0;
        }
        int y = mt[mti++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    /** {@code random.random()}: a double in [0, 1) from 53 random bits. */
    public double random() {
        long a = nextInt32() >>> 5;
        long b = nextInt32() >>> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /** {@code getrandbits(k)} for 0 < k ≤ 32. */
    private long bits(int k) {
        return nextInt32() >>> (32 - k);
    }

    /** {@code _randbelow(n)}: uniform in [0, n) by rejection on {@code n.bit_length()} bits. */
    int below(int n) {
        int k = 32 - Integer.numberOfLeadingZeros(n);
        long r = bits(k);
        while (r >= n) {
            r = bits(k);
        }
        return (int) r;
    }

    /** {@code random.sample(population, k)}: k distinct items in selection order. */
    public <T> List<T> sample(List<T> population, int k) {
        int n = population.size();
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("sample of " + k + " from " + n + " items");
        }
        List<T> result = new ArrayList<>(k);
        int setsize = 21;
        if (k > 5) {
            setsize += (int) Math.pow(4, Math.ceil(Math.log(k * 3) / Math.log(4)));
        }
        if (n <= setsize) {
            List<T> pool = new ArrayList<>(population);
            for (int i = 0; i < k; i++) {
                int j = below(n - i);
                result.add(pool.get(j));
                pool.set(j, pool.get(n - i - 1));
            }
        } else {
            Set<Integer> selected = new HashSet<>();
            for (int i = 0; i < k; i++) {
                int j = below(n);
                while (!selected.add(j)) {
                    j = below(n);
                }
                result.add(population.get(j));
            }
        }
        return result;
    }

    /** {@code random.choices(population, k=k)}: k items drawn with replacement. */
    public <T> List<T> choices(List<T> population, int k) {
        int n = population.size();
        List<T> result = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            result.add(population.get((int) Math.floor(random() * n)));
        }
        return result;
    }

    /** {@link #choices} for primitive indices: k indices in [0, n) drawn with replacement. */
    public int[] choiceIndices(int n, int k) {
        int[] result = new int[k];
        for (int i = 0; i < k; i++) {
            result[i] = (int) Math.floor(random() * n);
        }
        return result;
    }
}
