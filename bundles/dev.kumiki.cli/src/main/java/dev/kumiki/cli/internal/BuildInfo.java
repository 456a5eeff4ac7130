package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.jar.Manifest;

import picocli.CommandLine.IVersionProvider;

/** The version users see: the bundle version of this build (with its build qualifier), and the Java it runs on. */
public final class BuildInfo implements IVersionProvider {

    /** e.g. {@code 0.1.0.v20261123-0500}; {@code 0.1.0.qualifier} when run from an IDE's class folder. */
    public static String version() {
        try {
            org.osgi.framework.Bundle bundle = org.osgi.framework.FrameworkUtil.getBundle(BuildInfo.class);
            if (bundle != null) {
                return bundle.getVersion().toString();
            }
        } catch (NoClassDefFoundError plainClassPath) {
            // not inside OSGi: read our own manifest below
        }
        URL self = BuildInfo.class.getResource("BuildInfo.class");
        if (self != null) {
            String s = self.toString();
            String base = s.substring(0, s.length() - "dev/kumiki/cli/internal/BuildInfo.class".length());
            try (InputStream in = new URL(base + "META-INF/MANIFEST.MF").openStream()) {
                String v = new Manifest(in).getMainAttributes().getValue("Bundle-Version");
                if (v != null) {
                    return v;
                }
            } catch (IOException e) {
                // class folder without a manifest next to it
            }
        }
        return "unknown";
    }

    public static String runtime() {
        return "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "?") + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch");
    }

    @Override
    public String[] getVersion() {
        return new String[] {"Kumiki " + version(), runtime()};
    }
}
