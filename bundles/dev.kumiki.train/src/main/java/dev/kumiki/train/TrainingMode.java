package dev.kumiki.train;

/** What a training run starts from and which weights it changes. */
public enum TrainingMode {
    /** A new model from a config.json, weights initialised from the seed (small models). */
    SCRATCH,
    /** Every weight of an existing model. */
    FULL,
    /** Low-rank adapters on the named modules of an existing, frozen model; the output is a PEFT adapter. */
    LORA;

    /** The name users write in a settings file or node: {@code scratch}, {@code full}, {@code lora}. */
    public String userName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
