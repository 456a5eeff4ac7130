package dev.kumiki.train.data;

/**
 * One training sequence.
 *
 * @param tokens  token ids, at most the cutoff length
 * @param trained {@code trained[i]} says whether predicting {@code tokens[i]} from the tokens before it counts in
 *                the loss ({@code trained[0]} is always false); the same length as {@code tokens}
 */
public record TokenizedSequence(int[] tokens, boolean[] trained) {
    public TokenizedSequence {
        if (tokens.length != trained.length) {
            throw new IllegalArgumentException(tokens.length + " tokens but " + trained.length + " loss flags");
        }
    }

    /** Number of tokens whose prediction counts. */
    public int trainedCount() {
        int n = 0;
        for (boolean t : trained) {
            n += t ? 1 : 0;
        }
        return n;
    }
}
