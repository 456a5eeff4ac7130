package dev.kumiki.cli.internal;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.kumiki.canvas.CanvasServer;
import dev.kumiki.canvas.CanvasSession;
import dev.kumiki.cli.Kumiki;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Open a pipeline in the canvas in a web browser: the same editor as Kumiki Studio's, against "
                + "the same Java model (edit, connect, undo, run). It listens on this machine only (127.0.0.1) and "
                + "takes commands only from its own page: the address it prints carries a secret token, new at each "
                + "start; requests from other sites, other host names or without the token are refused.",
                "Stop with Ctrl-C; unsaved edits are saved with the canvas's Save (Ctrl+S)."})
public final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the pipeline file")
    Path file;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8765", description = "the port (default 8765; 0 for "
            + "any free one)")
    int port;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PipelineFile p = PipelineFile.read(file, List.of());
        CanvasSession session = new CanvasSession(p.resource, p.kinds);
        try (CanvasServer server = CanvasServer.start(session, port)) {
            // the address carries this start's token: only a page opened with it can edit (see CanvasServer)
            out.println("Kumiki canvas for " + file + " at " + server.uri() + " (Ctrl-C stops it)");
            out.println("Open that address, token included; it answers on this machine only, to its own page.");
            out.flush();
            new CountDownLatch(1).await();
        } catch (java.net.BindException e) {
            throw new IllegalArgumentException("port " + port + " is taken; choose another with --port N (or 0)");
        }
        return Kumiki.OK;
    }
}
