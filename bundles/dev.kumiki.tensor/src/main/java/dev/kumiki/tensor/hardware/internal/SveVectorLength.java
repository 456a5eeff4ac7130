package dev.kumiki.tensor.hardware.internal;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.OptionalInt;

/**
 * The SVE vector length the Linux kernel gives this process, asked with {@code prctl(PR_SVE_GET_VL)} through the
 * foreign function API. Only meaningful on aarch64 Linux.
 */
public final class SveVectorLength {
    private static final int PR_SVE_GET_VL = 51;
    private static final int PR_SVE_VL_LEN_MASK = 0xffff;

    private SveVectorLength() {
    }

    /** The vector length in bits, or empty when the kernel or CPU has no SVE, or the call is not possible. */
    public static OptionalInt ofThisProcess() {
        try {
            Linker linker = Linker.nativeLinker();
            var prctl = linker.defaultLookup().find("prctl");
            if (prctl.isEmpty()) {
                return OptionalInt.empty();
            }
            // int prctl(int option, ...): the four unsigned long arguments are variadic
            MethodHandle handle = linker.downcallHandle(prctl.get(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                    Linker.Option.firstVariadicArg(1));
            int result = (int) handle.invokeExact(PR_SVE_GET_VL, 0L, 0L, 0L, 0L);
            if (result < 0) {
                return OptionalInt.empty(); // EINVAL: no SVE
            }
            return OptionalInt.of((result & PR_SVE_VL_LEN_MASK) * 8);
        } catch (Throwable e) {
            // native access refused or not supported on this platform: fall back to the files
            return OptionalInt.empty();
        }
    }
}
