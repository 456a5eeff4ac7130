package dev.kumiki.train;

import java.util.Optional;

import dev.kumiki.train.internal.Djl;

/** Whether this installation can train. */
public final class Training {
    /** The feature that brings DJL's PyTorch engine, by name and id, as users see it in an installer. */
    public static final String FEATURE_NAME = "Kumiki Training (DJL PyTorch)";
    /** The feature's id. */
    public static final String FEATURE_ID = "dev.kumiki.train.feature";

    private Training() {
    }

    /**
     * Empty when DJL's PyTorch engine loads (starting it if needed); otherwise a message for the user naming the
     * feature to install and why the engine did not load.
     */
    public static Optional<String> availability() {
        try {
            Djl.engine();
            return Optional.empty();
        } catch (IllegalStateException | LinkageError e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return Optional.of("training needs DJL's PyTorch engine, which this installation does not have: install "
                    + "the feature \"" + FEATURE_NAME + "\" (" + FEATURE_ID + ") and start again (" + reason + ")");
        }
    }
}
