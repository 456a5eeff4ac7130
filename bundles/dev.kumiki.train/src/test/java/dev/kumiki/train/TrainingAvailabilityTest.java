package dev.kumiki.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With DJL's PyTorch engine on the classpath (as the test dependencies put it), training is available. */
class TrainingAvailabilityTest {

    @Test
    void availableWithThePyTorchEngine() {
        assertEquals(Optional.empty(), Training.availability());
        assertEquals("Kumiki Training (DJL PyTorch)", Training.FEATURE_NAME);
        assertEquals("dev.kumiki.train.feature", Training.FEATURE_ID);
    }

    @Test
    void withoutTheEngineTheMessageNamesTheFeature(@TempDir Path dir) throws Exception {
        Process child = new ProcessBuilder(ChildJvm.command(e -> !e.contains("pytorch"),
                AvailabilityChild.class.getName())).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS));
        String out = Files.readString(dir.resolve("child.log"));
        assertEquals(0, child.exitValue(), out);
        assertTrue(out.contains("availability: training needs DJL's PyTorch engine, which this installation does not "
                + "have: install the feature \"Kumiki Training (DJL PyTorch)\" (dev.kumiki.train.feature) and start "
                + "again ("), out);
    }
}
