package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Execution;
import dev.kumiki.engine.RunListener;
import dev.kumiki.engine.RunOptions;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.io.SyntheticModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Prepare the example models and run the example pipelines: a SLERP of two models and a TIES "
                + "merge of three, in seconds, with nothing downloaded.",
                "The models are small Llama-shaped models with seeded weights (the same bytes on every machine), "
                        + "written once into DIR/models; the merged models go to DIR/out."})
public final class DemoCommand implements Callable<Integer> {
    /** The example pipelines, run in this order. */
    static final List<String> PIPELINES = List.of("slerp.kumiki", "ties.kumiki");
    /** The example models: name and variant of one base (variant 0 is the base itself). */
    static final List<String> MODELS = List.of("base", "chat", "code", "math");
    static final String STAMP = "layers 4, hidden 64, intermediate 176, vocab 320, bf16, base seed 1234";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "where the examples are: default "
            + "./examples when it holds them (a clone of Kumiki), else ./kumiki-examples, created from the copies "
            + "inside Kumiki")
    Path dir;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path examples = dir != null ? dir : Files.isRegularFile(Path.of("examples", PIPELINES.get(0)))
                ? Path.of("examples") : Path.of("kumiki-examples");
        for (String p : PIPELINES) {
            Path file = examples.resolve(p);
            if (!Files.exists(file)) {
                Files.createDirectories(examples);
                try (InputStream in = DemoCommand.class.getResourceAsStream("/examples/" + p)) {
                    if (in == null) {
                        throw new IOException("this Kumiki has no copy of the example " + p);
                    }
                    Files.copy(in, file);
                }
                out.println("Wrote " + file);
            }
        }
        models(examples.resolve("models"), out);
        int status = Kumiki.OK;
        for (String p : PIPELINES) {
            Path file = examples.resolve(p);
            out.println();
            out.println("== " + file + " ==");
            PipelineFile pipeline = PipelineFile.read(file, List.of());
            Configuration c = pipeline.configure();
            if (pipeline.print(c, spec.commandLine().getErr())) {
                return Kumiki.USAGE;
            }
            Execution.Result r = pipeline.engine.execute(c, RunOptions.defaults(pipeline.baseDir()), RunListener.NONE)
                    .run();
            RunCommand.table(out, r, c);
            if (r.status() != Execution.Status.SUCCEEDED) {
                status = Kumiki.FAILED;
            }
        }
        out.println();
        out.println("Next: change a setting and run again (only what changed runs), e.g.");
        out.println("  kumiki run " + examples.resolve("ties.kumiki") + " --set merge.method=dare_ties");
        out.println("  kumiki nodes Merge      the settings of every node kind");
        out.println("  kumiki runs " + examples + "   the runs recorded so far");
        return status;
    }

    /** Writes the example models unless they are there already, as this version of the demo makes them. */
    static void models(Path dir, PrintWriter out) throws IOException {
        Path stamp = dir.resolve(".demo-models");
        if (Files.isRegularFile(stamp) && Files.readString(stamp).equals(STAMP)) {
            return;
        }
        for (int i = 0; i < MODELS.size(); i++) {
            SyntheticModel.llama().layers(4).hidden(64).intermediate(176).vocab(320).dtype(DType.BF16).baseSeed(1234)
                    .variant(i).write(dir.resolve(MODELS.get(i)));
        }
        Files.writeString(stamp, STAMP);
        out.println("Wrote the example models " + String.join(", ", MODELS) + " into " + dir + " (" + STAMP + ")");
    }
}
