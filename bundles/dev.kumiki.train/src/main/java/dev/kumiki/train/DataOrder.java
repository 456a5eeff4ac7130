package dev.kumiki.train;

import java.util.SplittableRandom;

/**
 * The order in which training sequences are visited: one shuffled permutation per epoch, drawn from the seed and the
 * epoch's number, epochs one after another. A position in this stream (sequences consumed so far) is all a checkpoint
 * needs to continue the same order.
 */
final class DataOrder {
    private final int size;
    private final long seed;
    private long epoch = -1;
    private int[] permutation;

    DataOrder(int size, long seed) {
        if (size < 1) {
            throw new IllegalArgumentException("no sequences to order");
        }
        this.size = size;
        this.seed = seed;
    }

    /** The dataset index of the sequence at {@code position} of the stream. */
    int index(long position) {
        long e = position / size;
        if (e != epoch) {
            permutation = permutation(e);
            epoch = e;
        }
        return permutation[(int) (position % size)];
    }

    private int[] permutation(long e) {
        int[] p = new int[size];
        for (int i = 0; i < size; i++) {
            p[i] = i;
        }
        // SplittableRandom's sequence is fixed by its specification: the same on every JVM and platform
        SplittableRandom random = new SplittableRandom(Seeds.mix(seed, 0x0DA7A0DE5L, e));
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
