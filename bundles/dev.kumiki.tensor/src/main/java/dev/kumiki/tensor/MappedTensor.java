package dev.kumiki.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A tensor's bytes where they lie: a slice of a memory-mapped file (little-endian, as safetensors stores them), valid
 * while the file it came from is open.
 *
 * @param info what the tensor is
 * @param data exactly {@code info.byteSize()} bytes
 */
public record MappedTensor(TensorInfo info, MemorySegment data) {
    public MappedTensor {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(data, "data");
        if (data.byteSize() != info.byteSize()) {
            throw new IllegalArgumentException("tensor " + info.name() + " needs " + info.byteSize() + " bytes, got "
                    + data.byteSize());
        }
    }
}
