package dev.kumiki.cli;

import java.io.PrintWriter;
import java.nio.charset.Charset;

/** {@code kumiki} on a plain class path (the launcher runs the Equinox application instead). */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Charset cs = System.out.charset();
        int code = Kumiki.run(args, new PrintWriter(System.out, true, cs), new PrintWriter(System.err, true, cs));
        System.exit(code);
    }
}
