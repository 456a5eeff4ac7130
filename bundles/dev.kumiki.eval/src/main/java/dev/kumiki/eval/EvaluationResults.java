package dev.kumiki.eval;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One model's scores on some tasks: what {@code results.json} holds.
 *
 * @param model         the model's name
 * @param date          when the evaluation started
 * @param kumikiVersion the Kumiki version that ran it
 * @param settings      how it ran: {@code limit}, {@code fewshot_seed}, {@code bootstrap_iters}
 * @param tasks         the tasks' scores, in the order they ran
 */
public record EvaluationResults(String model, Instant date, String kumikiVersion, Map<String, Object> settings,
        List<TaskResult> tasks) {

    public EvaluationResults {
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        tasks = List.copyOf(tasks);
    }

    /** The scores of {@code task}. */
    public Optional<TaskResult> task(String task) {
        return tasks.stream().filter(t -> t.task().equals(task)).findFirst();
    }
}
