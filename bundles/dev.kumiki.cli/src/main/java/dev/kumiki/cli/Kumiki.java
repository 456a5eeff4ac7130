package dev.kumiki.cli;

import java.io.PrintWriter;
import java.util.List;

import dev.kumiki.cli.internal.ApplyAdapterCommand;
import dev.kumiki.cli.internal.BackendsCommand;
import dev.kumiki.cli.internal.BenchCommand;
import dev.kumiki.cli.internal.BuildInfo;
import dev.kumiki.cli.internal.DemoCommand;
import dev.kumiki.cli.internal.EvalCommand;
import dev.kumiki.cli.internal.EvolveCommand;
import dev.kumiki.cli.internal.GenerateCommand;
import dev.kumiki.cli.internal.LogitsCommand;
import dev.kumiki.cli.internal.TasksCommand;
import dev.kumiki.cli.internal.Failures;
import dev.kumiki.cli.internal.NodesCommand;
import dev.kumiki.cli.internal.RunCommand;
import dev.kumiki.cli.internal.RunsCommand;
import dev.kumiki.cli.internal.ServeCommand;
import dev.kumiki.cli.internal.TrainCommand;
import dev.kumiki.cli.internal.ValidateCommand;
import dev.kumiki.cli.internal.MakeModelCommand;
import dev.kumiki.cli.internal.MergeCommand;
import dev.kumiki.cli.internal.VersionCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code kumiki} command: one entry point for the plain {@link Main} and the Equinox application.
 * {@snippet :
 * int exitCode = Kumiki.run(new String[] {"backends", "--json"}, out, err);
 * }
 * Exit codes: {@value #OK} success, {@value #FAILED} the work failed (or Kumiki did: an internal error), {@value #USAGE}
 * invalid input or usage. Nothing escapes {@link #run}: every exception and error becomes a message and an exit code.
 */
@Command(name = "kumiki", mixinStandardHelpOptions = true, versionProvider = BuildInfo.class,
        description = "Kumiki (組木): fine-tune, merge and evaluate language models as pipelines.",
        subcommands = {RunCommand.class, ValidateCommand.class, NodesCommand.class, RunsCommand.class,
                ServeCommand.class, DemoCommand.class, MergeCommand.class, EvalCommand.class, GenerateCommand.class,
                TasksCommand.class, LogitsCommand.class, MakeModelCommand.class, TrainCommand.class,
                ApplyAdapterCommand.class, EvolveCommand.class,
                BackendsCommand.class, BenchCommand.class, VersionCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Start the graphical workbench with: kumiki studio",
                "Exit codes: 0 ok, 1 failed, 2 invalid input or usage."})
public final class Kumiki implements Runnable {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        // `kumiki` alone: the overview, as `kumiki --help` prints it
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the command line {@code args}, writing to {@code out} and {@code err}; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Kumiki());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler(Kumiki::usageError);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> Failures.report(e,
                commandLine.getCommandName(), args, commandLine.getErr()));
        try {
            return cli.execute(args);
        } catch (Throwable e) {
            // picocli hands only Exceptions to the handler above; an Error (StackOverflowError, OutOfMemoryError,
            // a linkage problem) comes out here, and must not reach Equinox, which would log it inside the
            // installation and exit 0
            return Failures.report(e, command(cli), args, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The name of the subcommand given, as far as the command line was parsed. */
    private static String command(CommandLine cli) {
        try {
            CommandLine.ParseResult r = cli.getParseResult();
            while (r != null && r.subcommand() != null) {
                r = r.subcommand();
            }
            return r == null ? "kumiki" : r.commandSpec().name();
        } catch (RuntimeException e) {
            return "kumiki";
        }
    }

    /** A mistake on the command line: what was wrong, what was probably meant, and the usage of the command. */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getColorScheme().errorText("kumiki: " + e.getMessage()));
        if (e instanceof UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            if (!suggestions.isEmpty()) {
                String prefix = cmd.getCommandSpec().qualifiedName() + " ";
                boolean options = unmatched.getUnmatched().stream().anyMatch(a -> a.startsWith("-"));
                err.println("Did you mean: " + String.join(" or ",
                        suggestions.stream().map(s -> options ? s : prefix + s).toList()) + "?");
            }
        }
        err.println();
        cmd.usage(err, cmd.getColorScheme());
        return USAGE;
    }
}
