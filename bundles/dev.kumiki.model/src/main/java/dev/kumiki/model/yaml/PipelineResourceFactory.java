package dev.kumiki.model.yaml;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.resource.Resource;

/** Creates {@link PipelineResource}s for {@code *.kumiki} files, reading node kinds through one {@link PipelineYaml}. */
public final class PipelineResourceFactory implements Resource.Factory {
    /** The file extension of pipelines. */
    public static final String EXTENSION = "kumiki";

    private final PipelineYaml yaml;

    public PipelineResourceFactory(PipelineYaml yaml) {
        this.yaml = yaml;
    }

    @Override
    public Resource createResource(URI uri) {
        return new PipelineResource(uri, yaml);
    }
}
