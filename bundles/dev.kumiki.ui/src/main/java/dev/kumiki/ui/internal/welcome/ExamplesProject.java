package dev.kumiki.ui.internal.welcome;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IProject;
import org.eclipse.core.resources.IResource;
import org.eclipse.core.resources.ResourcesPlugin;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.Status;
import org.eclipse.core.runtime.SubMonitor;

import dev.kumiki.canvas.Examples;

/**
 * The project {@value #NAME}: Kumiki's example pipelines and the small models they read, as {@code kumiki demo}
 * prepares them on the command line. Made from the copies inside Kumiki, so it works offline.
 */
public final class ExamplesProject {
    /** The project's name. */
    public static final String NAME = "examples";

    private ExamplesProject() {
    }

    /**
     * Creates (or completes) the project: the example pipelines that are missing, and the models in {@code models/}
     * unless they are there already. Files already in the project are left as they are: a user's edits survive.
     *
     * @return the first example, the one to open
     */
    public static IFile create(IProgressMonitor monitor) throws CoreException {
        SubMonitor sub = SubMonitor.convert(monitor, "Preparing the examples", 10);
        IProject project = ResourcesPlugin.getWorkspace().getRoot().getProject(NAME);
        if (!project.exists()) {
            project.create(sub.split(1));
        }
        if (!project.isOpen()) {
            project.open(sub.split(1));
        }
        for (Examples.Example e : Examples.ALL) {
            IFile file = project.getFile(e.file());
            if (!file.exists()) {
                file.create(new ByteArrayInputStream(e.text().getBytes(StandardCharsets.UTF_8)), false, sub.split(1));
            }
        }
        sub.subTask("Writing the example models (" + String.join(", ", Examples.MODELS) + ")");
        try {
            Examples.writeModels(project.getLocation().toPath().resolve("models"));
        } catch (IOException e) {
            throw new CoreException(Status.error("The example models could not be written into "
                    + project.getLocation().append("models") + ": " + e.getMessage(), e));
        }
        sub.worked(5);
        project.refreshLocal(IResource.DEPTH_INFINITE, sub.split(1));
        IFile first = project.getFile(Examples.ALL.get(0).file());
        if (!first.exists()) {
            throw new CoreException(Status.error("there is no " + first.getFullPath() + " after creating it"));
        }
        return first;
    }

    /**
     * Creates (or completes) the project with the Micro EvoLLM-JP example: its pipeline and README in
     * {@code evollm-jp/} and the base model it fine-tunes in {@code train/base}, where they are missing.
     *
     * @return the example's pipeline, the one to open
     */
    public static IFile createEvollmJp(IProgressMonitor monitor) throws CoreException {
        SubMonitor sub = SubMonitor.convert(monitor, "Preparing Micro EvoLLM-JP", 10);
        IProject project = ResourcesPlugin.getWorkspace().getRoot().getProject(NAME);
        if (!project.exists()) {
            project.create(sub.split(1));
        }
        if (!project.isOpen()) {
            project.open(sub.split(1));
        }
        try {
            Examples.writeEvollmJp(project.getLocation().toPath());
        } catch (IOException e) {
            throw new CoreException(Status.error("Micro EvoLLM-JP could not be written into " + project.getLocation()
                    + ": " + e.getMessage(), e));
        }
        sub.worked(7);
        project.refreshLocal(IResource.DEPTH_INFINITE, sub.split(1));
        IFile pipeline = project.getFile(Examples.EVOLLM_JP.file());
        if (!pipeline.exists()) {
            throw new CoreException(Status.error("there is no " + pipeline.getFullPath() + " after creating it"));
        }
        return pipeline;
    }
}
