package dev.kumiki.merge;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import dev.kumiki.tensor.kernel.MagnitudeSelection;

/**
 * The sorted magnitudes of task vectors (a model's tensor minus the base model's), kept across merges of the same
 * models: a merge search thresholds the same task vectors at a new density for every candidate (TIES, and the other
 * methods that keep the largest magnitudes), and with a profile each threshold is a binary search instead of two
 * passes over the models. Profiles take 4 bytes an element, up to a budget; past it, merges compute their thresholds
 * as without a cache. Thread-safe; the results are the same with or without it.
 * {@snippet :
 * MagnitudeProfiles profiles = MagnitudeProfiles.ofBytes(256L << 20);
 * for (MergePlan plan : candidates) {
 *     Merger.builder(plan, models).magnitudeProfiles(profiles).build().compute(tensor);
 * }
 * }
 */
public final class MagnitudeProfiles {
    /** A task vector: which tensor of which model folder, minus which tensor of which base folder. */
    record Key(Path base, String baseTensor, Path model, String tensor) {
    }

    private final long budget;
    private final AtomicLong used = new AtomicLong();
    private final Map<Key, MagnitudeSelection.Profile> profiles = new ConcurrentHashMap<>();

    private MagnitudeProfiles(long budget) {
        this.budget = budget;
    }

    /** A cache holding at most {@code bytes} of profiles. */
    public static MagnitudeProfiles ofBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("a budget of " + bytes + " bytes");
        }
        return new MagnitudeProfiles(bytes);
    }

    /** Bytes the profiles hold. */
    public long bytes() {
        return used.get();
    }

    /** Number of task vectors profiled. */
    public int size() {
        return profiles.size();
    }

    /**
     * The profile of {@code key}, made by {@code make} when new and within the budget; null when over budget.
     */
    MagnitudeSelection.Profile profile(Key key, long elements, Supplier<MagnitudeSelection.Profile> make) {
        MagnitudeSelection.Profile known = profiles.get(key);
        if (known != null) {
            return known;
        }
        long bytes = 4 * elements;
        if (used.addAndGet(bytes) > budget) {
            used.addAndGet(-bytes);
            return null;
        }
        MagnitudeSelection.Profile made;
        try {
            made = make.get();
        } catch (RuntimeException e) {
            used.addAndGet(-bytes);
            throw e;
        }
        MagnitudeSelection.Profile raced = profiles.putIfAbsent(key, made);
        if (raced != null) {
            used.addAndGet(-bytes); // another thread profiled it meanwhile
            return raced;
        }
        return made;
    }
}
