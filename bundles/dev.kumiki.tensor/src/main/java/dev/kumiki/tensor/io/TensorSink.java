package dev.kumiki.tensor.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** Where computed tensor bytes go: a model being written ({@link ModelWriter}), or memory. */
public interface TensorSink {
    /** Writes {@code bytes} at {@code byteOffset} into tensor {@code name}, in the tensor's own type. */
    void write(String name, long byteOffset, MemorySegment bytes) throws IOException;
}
