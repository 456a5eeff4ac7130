package dev.kumiki.ui.internal.prefs;

import java.nio.file.Path;

import org.eclipse.core.runtime.preferences.InstanceScope;
import org.eclipse.jface.preference.IPreferenceStore;
import org.eclipse.ui.preferences.ScopedPreferenceStore;

import dev.kumiki.engine.RunOptions;

/** The Studio's preferences for runs: the backend, worker threads, and where the cache is. */
public final class StudioPreferences {
    public static final String BACKEND = "backend";
    public static final String THREADS = "threads";
    public static final String CACHE_FOLDER = "cacheFolder";
    /** The backend value meaning "what the hardware profile picks". */
    public static final String AUTO = "auto";

    private static IPreferenceStore store;

    private StudioPreferences() {
    }

    public static synchronized IPreferenceStore store() {
        if (store == null) {
            store = new ScopedPreferenceStore(InstanceScope.INSTANCE, "dev.kumiki.ui");
            store.setDefault(BACKEND, AUTO);
            store.setDefault(THREADS, 0);
            store.setDefault(CACHE_FOLDER, "");
        }
        return store;
    }

    /** The options of a run of a pipeline in {@code dir}, as the preferences say (backend, threads, cache). */
    public static RunOptions runOptions(Path dir) {
        IPreferenceStore s = store();
        String backend = s.getString(BACKEND);
        RunOptions options = RunOptions.defaults(dir)
                .withBackend(backend.isEmpty() || backend.equals(AUTO) ? null : backend);
        int threads = s.getInt(THREADS);
        if (threads > 0) {
            options = options.withThreads(threads);
        }
        String cache = s.getString(CACHE_FOLDER);
        if (!cache.isBlank()) {
            options = options.withCacheDir(Path.of(cache));
        }
        return options;
    }
}
