package dev.kumiki.nodes;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.eclipse.emf.ecore.EClass;

import dev.kumiki.engine.ConfigureContext;
import dev.kumiki.engine.ExecuteContext;
import dev.kumiki.engine.Inputs;
import dev.kumiki.engine.NodeKind;
import dev.kumiki.engine.Port;
import dev.kumiki.engine.PortSpec;
import dev.kumiki.engine.PortValue;
import dev.kumiki.eval.MetricResult;
import dev.kumiki.eval.TaskResult;
import dev.kumiki.nodes.settings.Check;
import dev.kumiki.nodes.settings.CheckCondition;
import dev.kumiki.nodes.settings.NodesPackage;

/**
 * Check: whether a score holds up before the work that relies on it — a source model does something on the target
 * task ({@code above}), a task vector at half strength keeps most of its skill ({@code keeps}). Reports its outcome
 * (to a Report, the log and its summary); fails only when told to stop.
 */
public final class CheckKind implements NodeKind<Check> {
    @Override
    public EClass settingsClass() {
        return NodesPackage.Literals.CHECK;
    }

    @Override
    public List<Port> inputs() {
        return List.of(Port.of("scores", ModelPorts.SCORES, "the scores checked"),
                new Port("reference", ModelPorts.SCORES, "keeps: the scores whose gain is to be kept (the model at "
                        + "full strength)", true, false),
                new Port("baseline", ModelPorts.SCORES, "keeps: what the gain is measured from (the base model); "
                        + "unconnected: 0", true, false),
                new Port("model", ModelPorts.MODEL, "a model to pass on once the check is made (with stop: only when "
                        + "it holds): connect the model the scores are of, and the merges to the output", true,
                        false));
    }

    @Override
    public List<Port> outputs() {
        return List.of(Port.of("check", ModelPorts.CHECK, "whether it held and what was compared, for a Report"),
                Port.of("model", ModelPorts.MODEL, "the model at the model input, under its own name, once the "
                        + "check is made"));
    }

    @Override
    public Optional<String> passesOn(String port) {
        return port.equals("model") ? Optional.of("model") : Optional.empty();
    }

    static String label(Check s, String node) {
        return s.getLabel() == null || s.getLabel().isBlank() ? node : s.getLabel();
    }

    @Override
    public Map<String, PortSpec> configure(Check s, Inputs<PortSpec> inputs, ConfigureContext c) {
        if (s.getTask() == null || s.getTask().isBlank()) {
            c.error("task", "no task is given; name the task whose score is checked, e.g. task: mult_ja");
            return Map.of();
        }
        boolean ok = true;
        for (String port : List.of("scores", "reference", "baseline")) {
            for (Inputs.Connected<PortSpec> in : inputs.all(port)) {
                Optional<String> problem = problem(in.value(), s.getTask(), metric(s), in.fromNode());
                if (problem.isPresent()) {
                    c.error(port, problem.get());
                    ok = false;
                }
            }
        }
        if (s.getCondition() == CheckCondition.KEEPS) {
            if (inputs.all("reference").isEmpty()) {
                c.error("reference", "condition keeps compares with a reference: connect the scores of the model at "
                        + "full strength to reference (the gain kept is (scores - baseline) / (reference - baseline))");
                ok = false;
            }
            if (!(s.getThreshold() > 0 && s.getThreshold() <= 1)) {
                c.error("threshold", "condition keeps needs a share of the gain between 0 (exclusive) and 1, e.g. "
                        + "0.5 for half; it is " + s.getThreshold());
                ok = false;
            }
        } else if (!inputs.all("reference").isEmpty() || !inputs.all("baseline").isEmpty()) {
            c.warning("condition", "condition above reads only scores; reference and baseline are not used");
        }
        if (!ok) {
            return Map.of();
        }
        Map<String, PortSpec> out = new java.util.LinkedHashMap<>();
        out.put("check", new CheckValue.Spec(label(s, c.node())));
        inputs.optional("model").ifPresent(m -> out.put("model", m));
        return out;
    }

    private static String metric(Check s) {
        return s.getMetric() == null ? "" : s.getMetric().trim();
    }

    /** Why {@code spec} cannot give the score {@code task} {@code metric}, naming the node it comes from. */
    static Optional<String> problem(PortSpec spec, String task, String metric, String from) {
        if (!(spec instanceof Scores.Spec scores)) {
            return Optional.empty();
        }
        Optional<Scores.Spec.TaskMetrics> t = scores.tasks().stream().filter(x -> x.task().equals(task)).findFirst();
        if (t.isEmpty()) {
            return Optional.of(from + " does not evaluate " + task + " (it evaluates " + String.join(", ",
                    scores.tasks().stream().map(Scores.Spec.TaskMetrics::task).toList()) + "); add " + task
                    + " to its tasks");
        }
        if (!metric.isEmpty() && !t.get().metrics().contains(metric)) {
            return Optional.of(task + " has no score " + metric + "; it has " + String.join(", ", t.get().metrics())
                    + " (metric,filter)");
        }
        return Optional.empty();
    }

    /** The score {@code task} {@code metric} (empty: the task's headline) of {@code scores}. */
    static MetricResult score(Scores scores, String task, String metric) throws IOException {
        TaskResult t = scores.results().task(task).orElseThrow(() -> new IOException("the scores of "
                + scores.results().model() + " have no task " + task));
        if (metric.isEmpty()) {
            if (t.metrics().isEmpty()) {
                throw new IOException("the scores of " + scores.results().model() + " have no score for " + task);
            }
            return t.primary();
        }
        return t.metrics().stream().filter(m -> m.key().equals(metric)).findFirst().orElseThrow(() ->
                new IOException("the scores of " + scores.results().model() + " have no " + task + " " + metric));
    }

    @Override
    public Map<String, PortValue> execute(Check s, Inputs<PortValue> inputs, ExecuteContext c) throws IOException {
        String name = label(s, c.node());
        Scores scores = (Scores) inputs.one("scores");
        MetricResult v = score(scores, s.getTask(), metric(s));
        String what = s.getTask() + " " + v.key();
        boolean met;
        String text;
        if (s.getCondition() == CheckCondition.KEEPS) {
            Scores reference = (Scores) inputs.one("reference");
            MetricResult r = score(reference, s.getTask(), metric(s));
            Optional<Scores> baseline = inputs.optional("baseline").map(Scores.class::cast);
            double b = baseline.isPresent() ? score(baseline.get(), s.getTask(), metric(s)).value() : 0;
            double gain = r.value() - b;
            double kept = (v.value() - b) / gain;
            met = gain != 0 && Double.isFinite(kept) && kept >= s.getThreshold();
            text = String.format(Locale.ROOT, "%s keeps %s of the gain %s made over %s on %s (%s, against %s and %s); "
                    + "at least %s is wanted", scores.results().model(), gain == 0 ? "none" : percent(kept),
                    reference.results().model(), baseline.map(x -> x.results().model()).orElse("0"), what,
                    Scores.number(v.value()), Scores.number(r.value()), Scores.number(b), percent(s.getThreshold()));
            if (gain == 0) {
                text += ": the reference gained nothing over the baseline, so there is nothing to keep";
            }
        } else {
            met = v.value() > s.getThreshold();
            text = scores.results().model() + " scores " + Scores.number(v.value()) + " on " + what + (met ? " > "
                    : " \u2264 ") + plain(s.getThreshold());
        }
        c.log((met ? "met: " : "not met: ") + name + ": " + text);
        if (!met && s.isStop()) {
            throw new IOException("the check '" + name + "' is not met: " + text + ". The run fails here; set stop: "
                    + "false to report it and go on");
        }
        Map<String, PortValue> out = new java.util.LinkedHashMap<>();
        out.put("check", new CheckValue(name, met, text));
        inputs.optional("model").ifPresent(m -> out.put("model", m));
        return out;
    }

    /** A threshold as it was written: {@code 0}, {@code 0.05}, {@code 1.0E9}. */
    static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e6 ? Long.toString((long) v) : Double.toString(v);
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.0f %%", share * 100);
    }
}
