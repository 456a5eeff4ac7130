package dev.kumiki.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

import dev.kumiki.nodes.FolderModel;
import dev.kumiki.nodes.ModelHandle;
import dev.kumiki.nodes.ModelSpec;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.ModelFolder;

/**
 * A process for {@link ProcessHardeningTest}: reads every tensor of the model in FOLDER as a pipeline reads a
 * LoadModel's tensors one by one (e.g. the TensorStats node), ROUNDS times (so that the detected vector kernels'
 * loads are JIT-compiled), then truncates FILE (the model's weights) to BYTES, as another program might, and reads them
 * all once more. That read must fail with a message naming the file and the process exit 1 — not die of SIGBUS.
 */
public final class TruncatingRead {
    private TruncatingRead() {
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        Path victim = Path.of(args[1]);
        long bytes = Long.parseLong(args[2]);
        int rounds = Integer.parseInt(args[3]);
        List<TensorInfo> infos;
        try (ModelFolder m = ModelFolder.open(folder)) {
            infos = m.names().stream().map(n -> m.info(n).orElseThrow()).toList();
        }
        ModelSpec spec = new ModelSpec(Optional.empty(), Optional.empty(), infos, Optional.of(folder),
                Optional.empty());
        try (ModelHandle.TensorReader reader = new FolderModel(spec, folder).open()) {
            double sum = 0;
            for (int r = 0; r < rounds; r++) {
                for (TensorInfo t : infos) {
                    sum += reader.read(t.name())[0];
                }
            }
            System.out.println("read " + rounds + " rounds (" + sum + ")");
            try (FileChannel c = FileChannel.open(victim, StandardOpenOption.WRITE)) {
                c.truncate(bytes);
            }
            System.out.println("truncated " + victim + " to " + bytes);
            for (TensorInfo t : infos) {
                reader.read(t.name());
            }
            System.out.println("read after truncation");
            System.exit(0);
        } catch (IOException e) {
            System.out.println("error: " + e.getMessage());
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                System.out.println("cause: " + c); // e.g. the InternalError HotSpot makes of the SIGBUS
            }
            System.exit(1);
        }
    }
}
