package dev.kumiki.engine;

/** Where a node is in a run. */
public enum NodeState {
    /** Waiting for its inputs or for room in the memory budget. */
    QUEUED,
    RUNNING,
    /** Its outputs came from the cache: nothing it depends on changed since they were made. */
    CACHED,
    DONE,
    FAILED,
    /** Not run because a node it depends on failed or the run was cancelled. */
    SKIPPED,
    CANCELLED;

    public boolean finished() {
        return this != QUEUED && this != RUNNING;
    }

    public String label() {
        return name().toLowerCase();
    }
}
