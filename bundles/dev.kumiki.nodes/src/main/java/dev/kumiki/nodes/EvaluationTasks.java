package dev.kumiki.nodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.kumiki.eval.task.Task;
import dev.kumiki.eval.task.TaskConfig;
import dev.kumiki.eval.task.TaskException;
import dev.kumiki.eval.tasks.ShippedTasks;
import dev.kumiki.tensor.io.Names;

/**
 * Finds the tasks an evaluation names: a task Kumiki ships ({@link ShippedTasks}, by name) or a task YAML file. The
 * shipped tasks are written once into a folder of their own ({@link #shippedDir()}), so that they are files like any
 * other and their samples name a file and line.
 */
public final class EvaluationTasks {
    /** A system property naming the folder shipped tasks are written into (tests, read-only homes). */
    public static final String DIR_PROPERTY = "kumiki.tasks.dir";
    /** The same as an environment variable. */
    public static final String DIR_ENVIRONMENT = "KUMIKI_TASKS_DIR";

    private EvaluationTasks() {
    }

    /**
     * Where the shipped tasks are written: {@code kumiki.tasks.dir}, {@code KUMIKI_TASKS_DIR}, else
     * {@code $XDG_CACHE_HOME/kumiki/tasks} ({@code ~/.cache/kumiki/tasks}).
     */
    public static Path shippedDir() {
        return CacheFolders.of(DIR_PROPERTY, DIR_ENVIRONMENT, "tasks");
    }

    /** The names of the shipped tasks, in their order. */
    public static List<String> shippedNames() {
        return ShippedTasks.list().stream().map(ShippedTasks.Task::name).toList();
    }

    /** Whether {@code name} is a task file rather than a shipped task's name. */
    static boolean isFile(String name) {
        return name.endsWith(".yaml") || name.endsWith(".yml") || name.contains("/") || name.contains("\\");
    }

    /**
     * The task file {@code name} stands for: a shipped task (written now if it is not yet in {@link #shippedDir()}),
     * or a YAML file resolved against {@code baseDir}.
     *
     * @throws TaskException naming the task and the nearest shipped name when there is no such task or file
     */
    public static Path file(String name, Path baseDir) throws TaskException {
        String n = name.strip();
        if (n.isEmpty()) {
            throw new TaskException("a task name is empty; name a shipped task (" + String.join(", ", shippedNames())
                    + ") or a task YAML file");
        }
        if (isFile(n)) {
            Path p = baseDir.resolve(n).normalize();
            if (!Files.isRegularFile(p)) {
                throw new TaskException(p + ": there is no such task file" + (Path.of(n).isAbsolute() ? ""
                        : " (the path is relative to " + baseDir + ")"));
            }
            return p;
        }
        if (!shippedNames().contains(n)) {
            throw new TaskException("there is no task '" + n + "'" + Names.suggestion(n, shippedNames())
                    + "; the shipped tasks are " + String.join(", ", shippedNames()) + " (kumiki tasks lists them), "
                    + "and a task YAML file is named by its path ending in .yaml");
        }
        Path dir = shippedDir();
        Path file = dir.resolve(n + ".yaml");
        try {
            // idempotent and atomic per file: files already there with the same bytes are left alone
            ShippedTasks.write(dir);
        } catch (IOException e) {
            throw new TaskException("the shipped task " + n + " cannot be written into " + dir + ": " + e.getMessage()
                    + "; set " + DIR_ENVIRONMENT + " to a folder Kumiki may write", e);
        }
        return file;
    }

    /**
     * Loads the tasks, each with {@code numFewshot} solved examples when it is given (else its own).
     *
     * @throws TaskException the first problem, naming its file and line
     */
    public static List<Task> load(List<String> names, Path baseDir, Optional<Integer> numFewshot)
            throws TaskException {
        if (names.isEmpty()) {
            throw new TaskException("no task is given; name a shipped task (" + String.join(", ", shippedNames())
                    + ") or a task YAML file");
        }
        List<Task> tasks = new ArrayList<>();
        for (String name : names) {
            TaskConfig config = dev.kumiki.eval.task.TaskReader.read(file(name, baseDir));
            if (numFewshot.isPresent()) {
                config = config.toBuilder().setNumFewshot(numFewshot.get()).build();
            }
            tasks.add(Task.of(config));
        }
        return tasks;
    }
}
