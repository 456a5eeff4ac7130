package dev.kumiki.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the kumiki command line in-process and captures what a user would see. */
final class Cli {
    private Cli() {
    }

    record Result(int code, String out, String err) {
    }

    static Result kumiki(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Kumiki.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }
}
