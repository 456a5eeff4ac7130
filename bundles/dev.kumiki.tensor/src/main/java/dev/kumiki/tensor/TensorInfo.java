package dev.kumiki.tensor;

import java.util.Objects;

/**
 * A tensor as a header describes it: name, element type and shape.
 *
 * @param name  the tensor's name ({@code model.layers.0.self_attn.q_proj.weight})
 * @param dtype element type
 * @param shape dimensions
 */
public record TensorInfo(String name, DType dtype, Shape shape) {
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
    }

    /** Size of the data in bytes. */
    public long byteSize() {
        return Math.multiplyExact(shape.elements(), dtype.bytes());
    }

    public TensorInfo withDType(DType other) {
        return new TensorInfo(name, other, shape);
    }

    public TensorInfo withName(String other) {
        return new TensorInfo(other, dtype, shape);
    }
}
