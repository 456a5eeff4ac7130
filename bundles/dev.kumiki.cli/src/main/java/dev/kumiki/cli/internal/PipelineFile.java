package dev.kumiki.cli.internal;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.emf.ecore.EObject;
import org.eclipse.emf.ecore.EStructuralFeature;
import org.eclipse.emf.ecore.resource.Resource;

import dev.kumiki.canvas.Examples;
import dev.kumiki.engine.Configuration;
import dev.kumiki.engine.Diagnostic;
import dev.kumiki.engine.Engine;
import dev.kumiki.engine.NodeKinds;
import dev.kumiki.engine.Severity;
import dev.kumiki.model.pipeline.Node;
import dev.kumiki.model.pipeline.Pipeline;
import dev.kumiki.model.yaml.PipelineResource;
import dev.kumiki.model.yaml.Problem;
import dev.kumiki.tensor.io.Names;

/**
 * A pipeline file as the commands use it: read, with {@code --set} values applied, configured, and its problems
 * printed as {@code FILE:LINE:COLUMN: error: …} so editors and terminals can jump to them.
 */
final class PipelineFile {
    final Path file;
    final NodeKinds kinds;
    final Engine engine;
    final PipelineResource resource;
    final Pipeline pipeline;

    private PipelineFile(Path file, NodeKinds kinds, PipelineResource resource) {
        this.file = file;
        this.kinds = kinds;
        this.engine = new Engine(kinds);
        this.resource = resource;
        this.pipeline = resource.pipeline().orElseThrow();
    }

    /**
     * Reads {@code file} and applies {@code sets} ({@code NODE.SETTING=VALUE} or {@code PARAMETER=VALUE}).
     *
     * @throws IllegalArgumentException with every problem found, each at its place
     */
    static PipelineFile read(Path file, List<String> sets) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("there is no pipeline file " + file);
        }
        NodeKinds kinds = NodeKinds.discover();
        PipelineResource resource;
        try {
            // a folder, a named pipe or a device is refused by the resource before it is opened
            resource = kinds.open(file);
        } catch (java.nio.file.FileSystemException e) {
            throw new IllegalArgumentException(Failures.message(e));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + Failures.message(e));
        }
        List<String> problems = new ArrayList<>();
        for (Resource.Diagnostic d : resource.getErrors()) {
            problems.add(d.toString().replaceFirst("^(\\S+?:(\\d+:\\d+:)?) ", "$1 error: "));
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        PipelineFile p = new PipelineFile(file, kinds, resource);
        p.apply(sets);
        return p;
    }

    private void apply(List<String> sets) {
        Map<String, String> parameters = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<String[]> settings = new ArrayList<>();
        for (String s : sets) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                problems.add("--set " + s + ": write NODE.SETTING=VALUE or PARAMETER=VALUE");
                continue;
            }
            String key = s.substring(0, eq);
            if (key.contains(".")) {
                settings.add(new String[] {key, s.substring(eq + 1)});
            } else {
                parameters.put(key, s.substring(eq + 1));
            }
        }
        kinds.yaml().applyParameters(pipeline, parameters).forEach(m -> problems.add("--set: " + m));
        for (String[] s : settings) {
            String id = s[0].substring(0, s[0].indexOf('.'));
            Optional<Node> node = pipeline.getNodes().stream().filter(n -> n.getId().equals(id)).findFirst();
            if (node.isEmpty()) {
                List<String> ids = pipeline.getNodes().stream().map(Node::getId).toList();
                problems.add("--set " + s[0] + ": there is no node '" + id + "'" + Names.suggestion(id, ids));
                continue;
            }
            kinds.yaml().set(node.get(), s[0].substring(id.length() + 1), s[1])
                    .ifPresent(m -> problems.add("--set " + s[0] + ": " + m));
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
    }

    Path baseDir() {
        Path dir = file.toAbsolutePath().getParent();
        return dir == null ? Path.of("").toAbsolutePath() : dir;
    }

    Configuration configure() {
        return engine.configure(pipeline, baseDir());
    }

    /** Where a diagnostic points in the file: the setting, else the node, else the file. */
    String where(Diagnostic d) {
        Optional<Node> node = pipeline.getNodes().stream().filter(n -> n.getId().equals(d.node())).findFirst();
        Optional<Problem> at = node.flatMap(n -> {
            EObject settings = n.getSettings();
            return d.settingName().flatMap(s -> resource.where(settings, s).filter(p -> p.line() > 0))
                    .or(() -> resource.where(n, null));
        });
        return at.map(p -> p.file() + ":" + p.line() + ":" + p.column()).orElse(file.toString());
    }

    /** Prints every diagnostic, errors first; returns whether there were errors. */
    boolean print(Configuration c, PrintWriter err) {
        for (Severity s : Severity.values()) {
            for (Diagnostic d : c.diagnostics()) {
                if (d.severity() == s) {
                    err.println(where(d) + ": " + (s == Severity.ERROR ? "error" : "warning") + ": "
                            + (d.node() == null ? "" : "node '" + d.node() + "'"
                                    + (d.setting() == null ? "" : " (" + d.setting() + ")") + ": ") + d.message());
                }
            }
        }
        exampleModelsHint(c).ifPresent(h -> err.println("hint: " + h));
        err.flush();
        return c.hasErrors();
    }

    /**
     * A hint when the pipeline reads example models that are not made yet (an example run before {@code kumiki demo}):
     * a model folder that is missing and is one of {@link Examples#MODELS} in the {@code models} folder beside the
     * pipeline, which is where {@code kumiki demo} writes them. Users otherwise look for a download.
     */
    Optional<String> exampleModelsHint(Configuration c) {
        Path models = baseDir().resolve("models").normalize();
        for (Diagnostic d : c.errors()) {
            Optional<Node> node = pipeline.getNodes().stream().filter(n -> n.getId().equals(d.node())).findFirst();
            Optional<EStructuralFeature> path = node.flatMap(n -> d.settingName()
                    .flatMap(s -> dev.kumiki.model.Settings.feature(n.getSettings().eClass(), s)))
                    .filter(f -> f.getName().equals("path"));
            if (path.isEmpty()) {
                continue;
            }
            Object value = node.get().getSettings().eGet(path.get());
            if (!(value instanceof String text) || text.isBlank()) {
                continue;
            }
            Path folder;
            try {
                folder = baseDir().resolve(text).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                continue;
            }
            if (!Files.exists(folder) && models.equals(folder.getParent())
                    && Examples.MODELS.contains(folder.getFileName().toString())) {
                Path dir = file.getParent() == null ? Path.of(".") : file.getParent();
                return Optional.of("the example models (" + String.join(", ", Examples.MODELS) + ") are made, not "
                        + "downloaded: `kumiki demo " + dir + "` writes them into " + dir.resolve("models")
                        + " and runs the examples; `kumiki make-model FOLDER` makes one small model.");
            }
        }
        return Optional.empty();
    }
}
