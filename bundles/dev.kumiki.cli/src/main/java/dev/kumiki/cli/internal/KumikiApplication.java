package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
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
 * <p>
 * Nothing is thrown out of {@link #start}: Equinox would write it to a log file in the installation's
 * {@code configuration} folder and end the process with exit code 0, telling scripts that all went well.
 */
public final class KumikiApplication implements IApplication {
    public static final String ARGS_FILE = "kumiki.args.file";

    /**
     * The launcher's copy of the original stderr ({@code -Dkumiki.stderr.fd=N}). The JVM starts with stderr going
     * through a filter that drops its incubator-module warning; once started, Kumiki writes to the original again.
     */
    public static final String STDERR_FD = "kumiki.stderr.fd";

    @Override
    public Object start(IApplicationContext context) {
        restoreStderr();
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

    /**
     * Points file descriptor 2 back at the launcher's original stderr (dup2), so that what Kumiki writes reaches it
     * directly and in order, not through the filter process, which then ends. Without the property, or where the
     * C library cannot be called, stderr stays as it is.
     */
    static void restoreStderr() {
        String fd = System.getProperty(STDERR_FD);
        if (fd == null || !fd.matches("\\d{1,4}")) {
            return;
        }
        int saved = Integer.parseInt(fd);
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle dup2 = linker.downcallHandle(linker.defaultLookup().find("dup2").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            MethodHandle close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            System.err.flush();
            if ((int) dup2.invokeExact(saved, 2) == 2) {
                int ignored = (int) close.invokeExact(saved);
            }
        } catch (Throwable e) {
            // stderr keeps going through the launcher's filter: everything still arrives
        }
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
