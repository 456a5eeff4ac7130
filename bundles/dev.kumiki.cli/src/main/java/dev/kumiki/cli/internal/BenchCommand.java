package dev.kumiki.cli.internal;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {BenchMergeCommand.class,
        BenchGenerateCommand.class, BenchTrainCommand.class, BenchEvolveCommand.class},
        description = "Benchmarks that print ratios against baselines measured in the same run.")
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
