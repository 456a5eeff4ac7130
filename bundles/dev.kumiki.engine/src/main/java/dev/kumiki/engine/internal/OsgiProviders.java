package dev.kumiki.engine.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

import dev.kumiki.engine.NodeKindProvider;

/** Inside OSGi: the providers every bundle names in its META-INF/services file. Only loaded when OSGi is there. */
public final class OsgiProviders {
    static final String SERVICE_FILE = "META-INF/services/" + NodeKindProvider.class.getName();

    private OsgiProviders() {
    }

    /** The providers of all installed bundles, or null when the engine does not run inside OSGi. */
    public static List<NodeKindProvider> find() {
        Bundle self = FrameworkUtil.getBundle(OsgiProviders.class);
        BundleContext context = self == null ? null : self.getBundleContext();
        if (context == null) {
            return null;
        }
        List<NodeKindProvider> providers = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            URL file = b.getEntry(SERVICE_FILE);
            if (file == null) {
                continue;
            }
            for (String name : classNames(file)) {
                try {
                    providers.add((NodeKindProvider) b.loadClass(name).getConstructor().newInstance());
                } catch (ReflectiveOperationException | ClassCastException e) {
                    throw new IllegalStateException("bundle " + b.getSymbolicName() + " names node kind provider "
                            + name + " in " + SERVICE_FILE + ", which cannot be created: " + e, e);
                }
            }
        }
        return providers;
    }

    static List<String> classNames(URL file) {
        List<String> names = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(file.openStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                int hash = line.indexOf('#');
                String name = (hash >= 0 ? line.substring(0, hash) : line).trim();
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return names;
    }
}
