package dev.kumiki.eval.metrics;

import java.util.ArrayList;
import java.util.List;

import com.atilika.kuromoji.ipadic.Token;
import com.atilika.kuromoji.ipadic.Tokenizer;

/**
 * Morphemes of a text by Kuromoji with the IPADIC dictionary (kuromoji-ipadic 0.9.0, the same dictionary as
 * MeCab's mecab-ipadic 2.7.0-20070801), in Kuromoji's normal mode: the surface forms of the best segmentation.
 * Tokens that are only whitespace are dropped (MeCab never emits them; Kuromoji does).
 * <p>
 * One {@link Tokenizer} is built on first use (it loads the dictionary, about a second) and shared:
 * Kuromoji documents {@code tokenize} as thread-safe (each call builds its own lattice; the dictionaries are
 * read-only), and {@code JapaneseMorphemesTest} checks that concurrent calls give the sequential results.
 */
public final class JapaneseMorphemes {

    private JapaneseMorphemes() {
    }

    private static final class Shared {
        static final Tokenizer TOKENIZER = new Tokenizer();
    }

    /** The surface forms of {@code text}'s morphemes, in order, as they are (no normalisation here). */
    public static List<String> surfaces(String text) {
        List<Token> tokens = Shared.TOKENIZER.tokenize(text);
        List<String> out = new ArrayList<>(tokens.size());
        for (Token t : tokens) {
            String s = t.getSurface();
            if (!PythonText.strip(s).isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /** Whether every code point of {@code token} is punctuation (P*) or a symbol (S*). */
    static boolean isPunctuation(String token) {
        return !token.isEmpty() && token.codePoints().allMatch(cp -> switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL,
                    Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        });
    }
}
