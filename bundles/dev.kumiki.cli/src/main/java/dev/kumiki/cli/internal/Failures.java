package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Instant;

import dev.kumiki.cli.Kumiki;

/**
 * What the user sees when a command ends with an exception or an error: one short message, and an exit code that is
 * never 0. A mistake in the input ({@link IllegalArgumentException}) exits {@value Kumiki#USAGE}; a failure of the
 * work (a file that cannot be read or written, a merge that cannot be done) exits {@value Kumiki#FAILED} with its
 * message; anything else is an internal error — a bug in Kumiki — whose stack trace is written to a file in the
 * temporary folder (outside the installation, which may be read-only or shared) and named in the message.
 */
public final class Failures {
    /** Set (to anything) to print stack traces on stderr as well. */
    public static final String DEBUG = "KUMIKI_DEBUG";

    private Failures() {
    }

    /**
     * Prints what went wrong in {@code command} ({@code run}; {@code kumiki} or null when no subcommand was reached)
     * to {@code err}; returns the exit code.
     */
    public static int report(Throwable e, String command, String[] args, PrintWriter err) {
        String prefix = command == null || command.equals("kumiki") ? "kumiki: " : "kumiki " + command + ": ";
        try {
            if (e instanceof IllegalArgumentException) {
                err.println(prefix + message(e));
                return Kumiki.USAGE;
            }
            if (e instanceof OutOfMemoryError) {
                err.println(prefix + "out of memory (" + message(e) + "); give Kumiki more memory, e.g. "
                        + "KUMIKI_JAVA_OPTS=-Xmx16g, or let it do less at once (--threads)");
                return Kumiki.FAILED;
            }
            if (!internal(e)) {
                err.println(prefix + message(e));
                debug(e, err);
                return Kumiki.FAILED;
            }
            String what = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            Path details = details(e, args);
            err.println(prefix + "internal error (a bug in Kumiki, not a problem with your input): "
                    + firstLine(what));
            if (details != null) {
                err.println("The details are in " + details + "; please attach that file to a bug report.");
            } else {
                e.printStackTrace(err);
            }
            debug(e, err);
            return Kumiki.FAILED;
        } catch (Throwable reporting) {
            // even the report failed (out of memory, a closed stream): the exit code still says so
            return Kumiki.FAILED;
        } finally {
            err.flush();
        }
    }

    /** Whether {@code e} is a bug rather than a failure with a message meant for users. */
    static boolean internal(Throwable e) {
        if (e instanceof Error) {
            return true;
        }
        if (e instanceof IOException || e instanceof UncheckedIOException || e instanceof IllegalStateException
                || e instanceof java.util.concurrent.CancellationException) {
            return false;
        }
        return e instanceof RuntimeException || e.getMessage() == null;
    }

    /** The message of {@code e}, naming the file an I/O error is about. */
    public static String message(Throwable e) {
        if (e instanceof UncheckedIOException u && u.getCause() != null && (u.getMessage() == null
                || u.getMessage().equals(u.getCause().toString()))) {
            return message(u.getCause());
        }
        if (e instanceof FileSystemException f) {
            return describe(f);
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** A file system error as {@code PATH: what happened}, also when the JDK gave only the path. */
    static String describe(FileSystemException f) {
        if (f.getReason() != null || f.getFile() == null) {
            return f.getMessage();
        }
        String file = f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
        String what = f instanceof NoSuchFileException ? "no such file or folder"
                : f instanceof AccessDeniedException ? "permission denied"
                : f instanceof FileAlreadyExistsException ? "already exists"
                : f instanceof DirectoryNotEmptyException ? "the folder is not empty"
                : f instanceof NotDirectoryException ? "not a folder"
                : f.getClass().getSimpleName();
        return file + ": " + what;
    }

    private static void debug(Throwable e, PrintWriter err) {
        if (System.getenv(DEBUG) != null) {
            e.printStackTrace(err);
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Writes the stack trace of an internal error to a new file in the temporary folder; null if it cannot. */
    private static Path details(Throwable e, String[] args) {
        try {
            StringWriter trace = new StringWriter();
            PrintWriter w = new PrintWriter(trace);
            w.println("Kumiki internal error, " + Instant.now());
            w.println("command: kumiki " + String.join(" ", args));
            w.println("java: " + System.getProperty("java.vendor") + " " + System.getProperty("java.version") + " on "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
            w.println();
            if (e instanceof StackOverflowError) {
                // thousands of repeated frames say nothing more than the first hundred
                StackTraceElement[] frames = e.getStackTrace();
                w.println(e);
                for (int i = 0; i < Math.min(200, frames.length); i++) {
                    w.println("\tat " + frames[i]);
                }
                w.println("\t... " + Math.max(0, frames.length - 200) + " more");
            } else {
                e.printStackTrace(w);
            }
            w.flush();
            Path file = Files.createTempFile("kumiki-internal-error-", ".txt");
            Files.writeString(file, trace.toString(), StandardCharsets.UTF_8);
            return file;
        } catch (IOException | RuntimeException | Error failed) {
            return null;
        }
    }
}
