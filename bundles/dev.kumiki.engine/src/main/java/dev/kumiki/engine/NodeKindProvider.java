package dev.kumiki.engine;

import java.util.List;

/**
 * Contributes node kinds. This is the one way to add kinds, built-in or third-party: implement it, and name the
 * class in {@code META-INF/services/dev.kumiki.engine.NodeKindProvider} inside the bundle (or jar). The engine finds
 * it there with {@link java.util.ServiceLoader} on a plain class path and by reading that file from every bundle
 * inside OSGi (Eclipse, the kumiki product). See docs/node-sdk.md.
 */
public interface NodeKindProvider {
    List<NodeKind<?>> kinds();
}
