package dev.kumiki.cli.internal;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.eval.tasks.ShippedTasks;
import dev.kumiki.nodes.EvaluationTasks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "tasks", mixinStandardHelpOptions = true,
        description = {"List the evaluation tasks Kumiki ships: their output type (lm-evaluation-harness's "
                + "output_type), metrics and number of test items.",
                "They run offline on data generated with a fixed seed. Name them in kumiki eval --tasks or in an "
                        + "Evaluate node; their YAML files (lm-evaluation-harness format) are written into the "
                        + "folder shown, a starting point for tasks of your own."})
public final class TasksCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "print the list as JSON")
    boolean json;

    /** The test documents of a shipped task: the lines of its test split, counted without reading the task. */
    static int items(String task) {
        byte[] data = ShippedTasks.files().get(task + "/test.jsonl");
        if (data == null) {
            return 0;
        }
        int lines = 0;
        for (byte b : data) {
            if (b == '\n') {
                lines++;
            }
        }
        return lines;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"task", "output type", "metrics", "items", "what it measures"});
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ArrayNode list = mapper.createArrayNode();
        // the files a name in --tasks stands for, so that a listed path is there to read
        EvaluationTasks.file(ShippedTasks.list().get(0).name(), EvaluationTasks.shippedDir());
        for (ShippedTasks.Task t : ShippedTasks.list()) {
            int items = items(t.name());
            rows.add(new String[] {t.name(), t.outputType(), String.join(", ", t.metrics()), String.valueOf(items),
                t.summary()});
            ObjectNode o = list.addObject().put("task", t.name()).put("output_type", t.outputType());
            t.metrics().forEach(o.putArray("metrics")::add);
            o.put("items", items).put("summary", t.summary())
                    .put("file", EvaluationTasks.shippedDir().resolve(t.name() + ".yaml").toString());
        }
        if (json) {
            out.println(mapper.writeValueAsString(list));
            return Kumiki.OK;
        }
        int[] w = new int[4];
        for (String[] r : rows) {
            for (int i = 0; i < 4; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            out.printf("%-" + w[0] + "s  %-" + w[1] + "s  %-" + w[2] + "s  %" + w[3] + "s  %s%n", (Object[]) r);
        }
        out.println();
        out.println("Task files: " + EvaluationTasks.shippedDir() + " (lm-evaluation-harness YAML; a copy of one, "
                + "edited, is a task of your own: kumiki eval MODEL --tasks my_task.yaml)");
        return Kumiki.OK;
    }
}
