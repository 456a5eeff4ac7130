package dev.kumiki.eval.task;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import dev.kumiki.tensor.io.Names;

/**
 * The tasks found in folders of task files, by name and tag — what {@code kumiki tasks} lists and
 * {@code --tasks a,b} selects. Every {@code *.yaml} or {@code *.yml} file is a task, except those whose name starts
 * with {@code _}: as in lm-eval, those are bases that tasks {@code include}.
 */
public final class TaskCatalog {
    /** How deep folders are searched. */
    public static final int MAX_DEPTH = 8;
    private final Map<String, TaskConfig> tasks;

    private TaskCatalog(Map<String, TaskConfig> tasks) {
        this.tasks = Collections.unmodifiableMap(tasks);
    }

    /** Reads every task file under {@code roots} (folders, or single task files). */
    public static TaskCatalog scan(List<Path> roots) throws TaskException {
        Map<String, TaskConfig> found = new LinkedHashMap<>();
        for (Path root : roots) {
            List<Path> files;
            if (Files.isRegularFile(root)) {
                files = List.of(root);
            } else if (Files.isDirectory(root)) {
                try (Stream<Path> s = Files.walk(root, MAX_DEPTH, FileVisitOption.FOLLOW_LINKS)) {
                    files = s.filter(Files::isRegularFile).filter(p -> {
                        String n = p.getFileName().toString();
                        return (n.endsWith(".yaml") || n.endsWith(".yml")) && !n.startsWith("_");
                    }).sorted().toList();
                } catch (IOException | java.io.UncheckedIOException e) {
                    throw new TaskException(root + ": cannot list the task folder: " + e.getMessage());
                }
            } else {
                throw new TaskException(root + ": there is no such task folder or file");
            }
            for (Path f : files) {
                TaskConfig c = TaskReader.read(f);
                TaskConfig before = found.putIfAbsent(c.task(), c);
                if (before != null) {
                    throw new TaskException(f + ": the task name '" + c.task() + "' is also used by " + before.file()
                            + "; task names must be unique");
                }
            }
        }
        return new TaskCatalog(found);
    }

    /** The tasks by name, in the order found. */
    public Map<String, TaskConfig> tasks() {
        return tasks;
    }

    /** Every tag with the tasks that have it. */
    public Map<String, List<String>> tags() {
        Map<String, List<String>> tags = new LinkedHashMap<>();
        tasks.values().forEach(t -> t.tags().forEach(tag -> tags.computeIfAbsent(tag, k -> new ArrayList<>())
                .add(t.task())));
        return tags;
    }

    /**
     * The tasks {@code names} select, each a task name or a tag (all its tasks), in the order named, without
     * repeats.
     *
     * @throws TaskException for a name that is neither, with the nearest one
     */
    public List<TaskConfig> select(List<String> names) throws TaskException {
        Set<String> selected = new LinkedHashSet<>();
        Map<String, List<String>> tags = tags();
        for (String n : names) {
            if (tasks.containsKey(n)) {
                selected.add(n);
            } else if (tags.containsKey(n)) {
                selected.addAll(tags.get(n));
            } else {
                Set<String> known = new TreeSet<>(tasks.keySet());
                known.addAll(tags.keySet());
                throw new TaskException("unknown task '" + n + "'" + Names.nearest(n, known)
                        .map(s -> "; did you mean '" + s + "'?").orElse("") + " (there are " + String.join(", ", known)
                        + ")");
            }
        }
        return selected.stream().map(tasks::get).toList();
    }
}
