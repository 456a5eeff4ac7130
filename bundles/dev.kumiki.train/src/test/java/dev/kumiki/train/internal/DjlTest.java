package dev.kumiki.train.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

class DjlTest {

    @Test
    void theEngineIsPyTorchWithTheConfiguredThreadsAndSeededRandomness() {
        Engine engine = Djl.engine();
        assertEquals("PyTorch", engine.getEngineName());
        // the pom sets kumiki.train.threads; libtorch really runs with it
        int threads = Integer.getInteger(Djl.THREADS_PROPERTY, Runtime.getRuntime().availableProcessors());
        assertEquals(threads, Djl.threads());
        assertEquals(threads, JniUtils.getNumThreads());
        assertEquals(1, JniUtils.getNumInteropThreads());
        assertEquals("true", System.getProperty("ai.djl.offline"));
        // a later change of the count is refused rather than silently ignored
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Djl.setThreads(threads + 1));
        assertEquals("DJL's PyTorch engine already runs with " + threads + " threads; the count can be set only "
                + "before the first training in this process", e.getMessage());

        try (NDManager m = Djl.newManager()) {
            Djl.seed(123);
            float[] a = m.randomUniform(0, 1, new ai.djl.ndarray.types.Shape(8)).toFloatArray();
            Djl.seed(123);
            float[] b = m.randomUniform(0, 1, new ai.djl.ndarray.types.Shape(8)).toFloatArray();
            org.junit.jupiter.api.Assertions.assertArrayEquals(a, b);
            NDArray ones = m.ones(new ai.djl.ndarray.types.Shape(2));
            assertEquals(2f, ones.sum().getFloat());
        }
    }
}
