package dev.kumiki.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

import org.eclipse.emf.ecore.EClass;

import dev.kumiki.model.Settings;
import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.resource.impl.ResourceSetImpl;

import dev.kumiki.model.yaml.PipelineResource;
import dev.kumiki.model.yaml.PipelineResourceFactory;
import dev.kumiki.model.yaml.PipelineYaml;

/** The node kinds known here, by name, and the pipeline file reader that knows them. */
public final class NodeKinds {
    private final Map<String, NodeKind<?>> byName = new LinkedHashMap<>();

    private NodeKinds(Collection<? extends NodeKindProvider> providers) {
        Map<String, String> from = new LinkedHashMap<>();
        for (NodeKindProvider p : providers) {
            for (NodeKind<?> k : p.kinds()) {
                if (!Settings.isNodeKind(k.settingsClass())) {
                    throw new IllegalStateException(p.getClass().getName() + ": the settings of node kind " + k.name()
                            + " must be a concrete EClass extending NodeSettings");
                }
                String earlier = from.putIfAbsent(k.name(), p.getClass().getName());
                if (earlier != null) {
                    throw new IllegalStateException("node kind " + k.name() + " is contributed twice, by " + earlier
                            + " and by " + p.getClass().getName() + "; kind names must be unique");
                }
                byName.put(k.name(), k);
            }
        }
    }

    /** The kinds of the given providers. */
    public static NodeKinds of(Collection<? extends NodeKindProvider> providers) {
        return new NodeKinds(providers);
    }

    /**
     * The kinds of every provider installed: named in META-INF/services/dev.kumiki.engine.NodeKindProvider of any
     * bundle (inside OSGi) or jar on the class path.
     */
    public static NodeKinds discover() {
        List<NodeKindProvider> providers = null;
        try {
            providers = dev.kumiki.engine.internal.OsgiProviders.find();
        } catch (NoClassDefFoundError notOsgi) {
            // a plain class path without OSGi
        }
        if (providers == null) {
            providers = new ArrayList<>();
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            for (NodeKindProvider p : ServiceLoader.load(NodeKindProvider.class,
                    loader != null ? loader : NodeKinds.class.getClassLoader())) {
                providers.add(p);
            }
        }
        return new NodeKinds(providers);
    }

    public Optional<NodeKind<?>> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The kind of a settings object. */
    public Optional<NodeKind<?>> of(EClass settingsClass) {
        return get(settingsClass.getName()).filter(k -> k.settingsClass() == settingsClass);
    }

    /** All kinds, in the order their providers gave them. */
    public Collection<NodeKind<?>> all() {
        return byName.values();
    }

    /** The settings classes by kind name, for reading pipeline files. */
    public Map<String, EClass> settingsClasses() {
        Map<String, EClass> m = new LinkedHashMap<>();
        byName.forEach((n, k) -> m.put(n, k.settingsClass()));
        return m;
    }

    /** A reader and writer of pipeline files that knows these kinds. */
    public PipelineYaml yaml() {
        return new PipelineYaml(settingsClasses(), Migrations.ALL);
    }

    /**
     * Reads a pipeline file into a resource of its own ResourceSet. Problems in the file are in the resource's
     * errors (with line and column); the pipeline is there as far as it could be read.
     */
    public PipelineResource open(java.nio.file.Path file) throws java.io.IOException {
        ResourceSetImpl set = new ResourceSetImpl();
        set.getResourceFactoryRegistry().getExtensionToFactoryMap().put("*", resourceFactory());
        PipelineResource resource = (PipelineResource) set.createResource(URI.createFileURI(file.toAbsolutePath()
                .toString()));
        resource.load(null);
        return resource;
    }

    /** An EMF resource factory for *.kumiki files with these kinds. */
    public PipelineResourceFactory resourceFactory() {
        return new PipelineResourceFactory(yaml());
    }
}
