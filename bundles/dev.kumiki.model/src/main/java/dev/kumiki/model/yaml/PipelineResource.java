package dev.kumiki.model.yaml;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.resource.impl.ResourceImpl;

import dev.kumiki.model.pipeline.Pipeline;
import dev.kumiki.tensor.io.YamlInput;

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

    /**
     * Saves the pipeline. A file is replaced whole or not at all: the text is made first (when that fails, nothing
     * is written), then written to a temporary file beside it, which is renamed over the file. So a failed save
     * leaves the file as it was, never empty or cut short.
     */
    @Override
    public void save(Map<?, ?> options) throws IOException {
        if (!getURI().isFile()) {
            super.save(options);
            return;
        }
        Path file = Path.of(getURI().toFileString()).toAbsolutePath();
        byte[] text;
        try {
            text = yaml.write(pipeline().orElseThrow(() -> new IOException("no pipeline to save in " + file)))
                    .getBytes(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw new IOException("cannot write the pipeline as YAML (" + e + "); " + file + " is as it was", e);
        }
        if (text.length == 0) {
            throw new IOException("the pipeline came out empty; " + file + " is as it was");
        }
        Path target = Files.exists(file) ? file.toRealPath() : file; // a link stays a link to the saved file
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".saving");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(text);
                while (b.hasRemaining()) {
                    out.write(b);
                }
                out.force(true); // on disk before it takes the file's name
            }
            if (Files.exists(target)) {
                try {
                    Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(target));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: the temporary file's permissions stay
                }
            } else {
                try {
                    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
                } catch (UnsupportedOperationException e) {
                    // as above
                }
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IOException("cannot write " + target + " (" + e.getMessage() + "); it is as it was", e);
        } finally {
            Files.deleteIfExists(temp);
        }
        setModified(false);
    }

    @Override
    protected void doSave(OutputStream out, Map<?, ?> options) throws IOException {
        out.write(yaml.write(pipeline().orElseThrow(() -> new IOException("no pipeline to save in " + getURI())))
                .getBytes(StandardCharsets.UTF_8));
    }
}
