package dev.kumiki.tensor.io;

import java.nio.file.Path;
import java.util.List;

/** A second process for {@link OutputFolderTest}: begins writing to args[0], says so, and waits for stdin to close. */
public final class HoldOutputLock {
    private HoldOutputLock() {
    }

    public static void main(String[] args) throws Exception {
        try (OutputFolder f = OutputFolder.begin(Path.of(args[0]), List.of())) {
            System.out.println("holding " + f.staging());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the test closes our stdin
            }
        }
    }
}
