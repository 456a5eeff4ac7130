package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.eclipse.equinox.app.IApplication;
import org.eclipse.equinox.app.IApplicationContext;

import dev.kumiki.cli.Kumiki;

/**
 * {@code kumiki} as an Equinox application ({@code -application dev.kumiki.cli.app}); the exit code of the command
 * becomes the process's exit code.
 * <p>
 * The launcher script hands the user's arguments over in a file ({@value #ARGS_FILE} names it, one NUL-terminated
 * argument each) so that none of them is taken by Equinox, which claims options like {@code -data} or
 * {@code -debug} for itself. The launcher owns that file (it passes an already removed file as {@code /dev/fd/N}),
 * so it is only read here.
 */
public final class KumikiApplication implements IApplication {
    public static final String ARGS_FILE = "kumiki.args.file";

    @Override
    public Object start(IApplicationContext context) throws IOException {
        String[] args = arguments(context);
        Charset cs = System.out.charset();
        return Kumiki.run(args, new PrintWriter(System.out, true, cs), new PrintWriter(System.err, true, cs));
    }

    private static String[] arguments(IApplicationContext context) throws IOException {
        String file = System.getProperty(ARGS_FILE);
        if (file != null) {
            // the launcher has already removed the file and hands over an open descriptor (/dev/fd/N)
            String all = Files.readString(Path.of(file), StandardCharsets.UTF_8);
            if (all.isEmpty()) {
                return new String[0];
            }
            String[] parts = all.split("\0", -1);
            return Arrays.copyOf(parts, parts.length - 1);
        }
        Object args = context.getArguments().get(IApplicationContext.APPLICATION_ARGS);
        return args instanceof String[] a ? a : new String[0];
    }

    @Override
    public void stop() {
        // commands are short and run to completion; long ones will observe cancellation themselves
    }
}
