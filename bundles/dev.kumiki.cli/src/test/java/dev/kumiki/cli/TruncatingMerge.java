package dev.kumiki.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.PlannedTensor;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * A process for {@link ProcessHardeningTest}: merges CONFIG into OUT with the detected (vector) kernels on one thread,
 * and when AFTER tensors are done (default 1) truncates FILE (an input's weights) to BYTES, as another program might
 * (late, the kernels are JIT-compiled: HotSpot must turn the SIGBUS of compiled vector code into an error too). The merge
 * must then fail with a message naming the file, and the process exit 1 — not die of SIGBUS.
 */
public final class TruncatingMerge {
    private TruncatingMerge() {
    }

    public static void main(String[] args) throws Exception {
        Path config = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Path victim = Path.of(args[2]);
        long bytes = Long.parseLong(args[3]);
        int after = args.length > 4 ? Integer.parseInt(args[4]) : 1; // tensors merged before the file shrinks
        Map<String, ModelFolder> models = new HashMap<>();
        try {
            MergePlan plan = MergePlanner.plan(MergeConfigReader.read(config, w -> { }), models);
            Kernels kernels = Kernels.of(HardwareProfile.detect());
            System.out.println("kernels " + kernels.name());
            Merger.builder(plan, models).kernels(kernels).threads(1)
                    .listener((PlannedTensor t, int done, int total, long b, long bt) -> {
                        if (done == after) {
                            try (FileChannel c = FileChannel.open(victim, StandardOpenOption.WRITE)) {
                                c.truncate(bytes);
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                            System.out.println("truncated " + victim + " to " + bytes);
                        }
                    }).build().run(out);
            System.out.println("merged");
            System.exit(0);
        } catch (IOException e) {
            System.out.println("error: " + e.getMessage());
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                System.out.println("cause: " + c); // e.g. the InternalError HotSpot makes of the SIGBUS
            }
            System.exit(1);
        } finally {
            models.values().forEach(ModelFolder::close);
        }
    }
}
