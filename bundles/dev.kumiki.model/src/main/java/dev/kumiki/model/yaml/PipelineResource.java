package dev.kumiki.model.yaml;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.impl.ResourceImpl;

import dev.kumiki.model.pipeline.Pipeline;

/**
 * An EMF resource holding one pipeline, stored as a {@code *.kumiki} YAML file ({@link PipelineYaml}). Problems found
 * while loading are in {@link #getErrors()} and {@link #getWarnings()} as {@link Problem}s with line and column; the
 * pipeline is still loaded as far as it could be read.
 */
public class PipelineResource extends ResourceImpl {
    private final PipelineYaml yaml;
    private PipelineYaml.Result lastRead;

    public PipelineResource(URI uri, PipelineYaml yaml) {
        super(uri);
        this.yaml = yaml;
    }

    /** The pipeline, if loaded or added. */
    public Optional<Pipeline> pipeline() {
        return getContents().isEmpty() ? Optional.empty() : Optional.of((Pipeline) getContents().get(0));
    }

    /** Where an object (or one of its settings) was written in the loaded file. */
    public Optional<Problem> where(EObject object, String setting) {
        return lastRead == null ? Optional.empty() : lastRead.where(object, setting);
    }

    /**
     * Loads the file; a local file is checked first ({@link YamlInput#readFile}): a folder, named pipe or device is
     * refused at once rather than opened (reading a named pipe would block forever), and so is a file too long to be
     * a pipeline.
     */
    @Override
    public void load(Map<?, ?> options) throws IOException {
        if (!isLoaded() && getURI().isFile()) {
            String text = YamlInput.readFile(Path.of(getURI().toFileString()), "pipeline file");
            load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), options);
            return;
        }
        super.load(options);
    }

    @Override
    protected void doLoad(InputStream in, Map<?, ?> options) throws IOException {
        byte[] bytes = in.readNBytes(4 * YamlInput.MAX_CODE_POINTS + 1);
        if (bytes.length > 4 * YamlInput.MAX_CODE_POINTS) {
            throw new IOException(getURI() + ": too long for a pipeline file (more than " + 4 * YamlInput.MAX_CODE_POINTS
                    + " bytes); is this the right file?");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        String name = getURI().isFile() ? getURI().toFileString() : getURI().toString();
        lastRead = yaml.read(text, name);
        getErrors().addAll(lastRead.errors());
        getWarnings().addAll(lastRead.warnings());
        getContents().add(lastRead.pipeline());
    }

    @Override
    protected void doSave(OutputStream out, Map<?, ?> options) throws IOException {
        out.write(yaml.write(pipeline().orElseThrow(() -> new IOException("no pipeline to save in " + getURI())))
                .getBytes(StandardCharsets.UTF_8));
    }
}
