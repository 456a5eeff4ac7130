package dev.kumiki.cli.internal;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.merge.lora.AdaptedModel;
import dev.kumiki.merge.lora.PeftAdapter;
import dev.kumiki.tensor.TensorFormatException;
import dev.kumiki.tensor.TensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "apply-adapter", mixinStandardHelpOptions = true,
        description = {"Apply a LoRA adapter in PEFT's layout (adapter_config.json, adapter_model.safetensors) to a "
                + "model and write the merged model (PEFT's merge_and_unload): every adapted weight becomes "
                + "W + scaling·B·A, in the model's own dtype; the other tensors and files are copied, with a model "
                + "card saying which adapter was applied.",
                "The adapter is checked against the model first (its modules exist, shapes and rank fit). OUT_DIR is "
                        + "written whole under a temporary name and renamed when complete; it must be new, empty or "
                        + "a model Kumiki wrote, and none of the inputs."})
public final class ApplyAdapterCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "the base model folder")
    Path model;

    @Parameters(index = "1", paramLabel = "ADAPTER", description = "the PEFT adapter folder")
    Path adapter;

    @Parameters(index = "2", paramLabel = "OUT_DIR", description = "the folder for the merged model")
    Path out;

    @Option(names = "--threads", paramLabel = "N", description = "tensors computed at once (default: every core)")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        if (!Files.isRegularFile(model.resolve("config.json"))) {
            throw new IllegalArgumentException(model + " is not a Hugging Face model folder (it has no config.json)");
        }
        if (!Files.isRegularFile(adapter.resolve(PeftAdapter.CONFIG))) {
            throw new IllegalArgumentException(adapter + " is not a PEFT adapter folder (it has no "
                    + PeftAdapter.CONFIG + ")");
        }
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1");
        }
        long start = System.nanoTime();
        AdaptedModel m;
        try {
            m = AdaptedModel.open(model, adapter);
        } catch (TensorFormatException e) {
            // the adapter does not fit the model, or a file is not what it says: the user's input
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        try (m) {
            m.write(out, threads != null ? threads : Runtime.getRuntime().availableProcessors());
            long bytes = m.tensors().stream().mapToLong(TensorInfo::byteSize).sum();
            o.println(String.format(Locale.ROOT, "Applied %s (%d modules, r %d, scaling %s) to %s: %d tensors, %s "
                    + "written to %s in %.1f s.", adapter, m.adapter().modules().size(), m.adapter().config().rank(),
                    trim(m.adapter().config().scaling()), model, m.tensors().size(), Progress.gb(bytes), out,
                    (System.nanoTime() - start) / 1e9));
        }
        return Kumiki.OK;
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }
}
