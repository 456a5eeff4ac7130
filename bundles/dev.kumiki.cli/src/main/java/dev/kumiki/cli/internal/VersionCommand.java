package dev.kumiki.cli.internal;

import java.util.concurrent.Callable;

import dev.kumiki.cli.Kumiki;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "version", description = "Print the Kumiki version and the Java runtime.", mixinStandardHelpOptions = true)
public final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        for (String line : new BuildInfo().getVersion()) {
            spec.commandLine().getOut().println(line);
        }
        return Kumiki.OK;
    }
}
