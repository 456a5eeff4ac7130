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
 * {@code -debug} for itself.
 * <p>
 * Nothing is thrown out of {@link #start}: Equinox would write it to a log file in the installation's
 * {@code configuration} folder and end the process with exit code 0, telling scripts that all went well.
 */
public final class KumikiApplication implements IApplication {
    public static final String ARGS_FILE = "kumiki.args.file";

    @Override
    public Object start(IApplicationContext context) {
        Charset cs = System.out.charset();
        PrintWriter err = new PrintWriter(System.err, true, cs);
        String[] args = new String[0];
        try {
            args = arguments(context);
            return Kumiki.run(args, new PrintWriter(System.out, true, cs), err);
        } catch (Throwable e) {
            // whatever escapes is reported here: Equinox would log it inside the installation and exit 0
            return Failures.report(e, "kumiki", args, err);
        }
    }

    private static String[] arguments(IApplicationContext context) throws IOException {
        String file = System.getProperty(ARGS_FILE);
        if (file != null) {
            Path path = Path.of(file);
            String all = Files.readString(path, StandardCharsets.UTF_8);
            Files.deleteIfExists(path);
            return all.isEmpty() ? new String[0] : Arrays.copyOf(all.split("\0", -1), all.split("\0", -1).length - 1);
        }
        Object args = context.getArguments().get(IApplicationContext.APPLICATION_ARGS);
        return args instanceof String[] a ? a : new String[0];
    }

    @Override
    public void stop() {
        // commands are short and run to completion; long ones will observe cancellation themselves
    }
}
