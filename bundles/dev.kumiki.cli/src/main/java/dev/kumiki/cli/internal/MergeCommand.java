package dev.kumiki.cli.internal;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.merge.MergePlan;
import dev.kumiki.merge.MergePlanner;
import dev.kumiki.merge.Merger;
import dev.kumiki.merge.PlannedTensor;
import dev.kumiki.merge.config.ConfigException;
import dev.kumiki.merge.config.MergeConfig;
import dev.kumiki.merge.config.MergeConfigReader;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.io.ModelFolder;
import dev.kumiki.tensor.io.ModelWriter;
import dev.kumiki.tensor.kernel.Kernels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merge models as a mergekit YAML configuration describes, unchanged (mergekit-yaml CONFIG OUT).",
                "Models are local Hugging Face folders (paths relative to the configuration's folder). Tensors stream "
                        + "from the memory-mapped inputs to the output shards, so memory stays small whatever the "
                        + "model size. The output gets config.json, the tokenizer files, a README model card and "
                        + "the recipe (mergekit_config.yml).",
                "OUT_DIR is replaced as a whole: the new model is written into a hidden folder beside it and "
                        + "swapped in when complete, so OUT_DIR always holds the complete old or the complete new "
                        + "model. OUT_DIR must be new, empty, or a model Kumiki wrote, and none of the inputs."})
public final class MergeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONFIG.yml", description = "mergekit merge "
            + "configuration, or a Kumiki layer path (kind: layer-path, a data-flow search's best recipe), written "
            + "as a model folder")
    Path config;

    @Parameters(index = "1", paramLabel = "OUT_DIR", arity = "0..1",
            description = "folder for the merged model (required unless --dry-run)")
    Path out;

    @Option(names = "--dry-run", description = "check the configuration against the models' headers and print the "
            + "plan; reads no weights and writes nothing")
    boolean dryRun;

    @Option(names = {"--shard-size", "--out-shard-size"}, paramLabel = "SIZE", defaultValue = "5GB",
            description = "largest output shard, e.g. 5GB (default), 500MB, 2GiB, or mergekit's 5B")
    String shardSize;

    @Option(names = {"--seed", "--random-seed"}, paramLabel = "N", defaultValue = "0",
            description = "seed of the random methods (DARE, DELLA); the same seed gives the same model")
    long seed;

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: the available cores)")
    Integer threads;

    @Option(names = "--allow-nonfinite", description = "write the model even when tensors of the result hold NaN or "
            + "infinite values (listed as warnings and in the model card); by default such a merge is refused")
    boolean allowNonFinite;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!dryRun && this.out == null) {
            throw new IllegalArgumentException("give the output folder (OUT_DIR), or --dry-run to check only");
        }
        long shardBytes = parseSize(shardSize);
        if (dev.kumiki.evolve.space.PathRecipe.isPathRecipe(config)) {
            return layerPath(out);
        }
        Map<String, ModelFolder> models = new HashMap<>();
        try {
            MergeConfig parsed;
            MergePlan plan;
            try {
                parsed = MergeConfigReader.read(config, w -> err.println("kumiki merge: warning: " + w));
                plan = MergePlanner.plan(parsed, models);
            } catch (ConfigException e) {
                throw new IllegalArgumentException(e.getMessage());
            } catch (java.nio.file.FileSystemException e) {
                // the recipe given on the command line is the user's input: missing, a folder or a special file is a
                // usage error (exit 2); a file of a model that cannot be read is a failure and says which file
                if (e.getFile() == null || !Path.of(e.getFile()).toAbsolutePath().normalize()
                        .equals(config.toAbsolutePath().normalize())) {
                    throw e;
                }
                throw new IllegalArgumentException(e instanceof java.nio.file.NoSuchFileException
                        ? "no such configuration file: " + config : Failures.message(e), e);
            }
            plan.warnings().forEach(w -> err.println("kumiki merge: warning: " + w));
            printPlan(out, plan, shardBytes);
            if (this.out != null) {
                java.util.Optional<String> problem = dev.kumiki.tensor.io.OutputFolder.problem(this.out,
                        plan.inputFolders());
                if (problem.isPresent()) {
                    throw new IllegalArgumentException(problem.get());
                }
            }
            if (dryRun) {
                out.println("Dry run: the configuration and the models agree; nothing was written.");
                return Kumiki.OK;
            }
            HardwareProfile profile = HardwareProfile.detect();
            Kernels kernels = Kernels.of(profile);
            Progress progress = new Progress(out, Progress.isTerminal(), "merging");
            long start = System.nanoTime();
            List<String> warnings = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            Merger.builder(plan, models).kernels(kernels).shardBytes(shardBytes).seed(seed)
                    .threads(threads != null ? threads : profile.availableProcessors())
                    .allowNonFinite(allowNonFinite)
                    .listener(new dev.kumiki.merge.MergeListener() {
                        @Override
                        public void tensorDone(PlannedTensor t, int done, int total, long bytes, long totalBytes) {
                            progress.update(bytes, totalBytes, done + "/" + total + " tensors");
                        }

                        @Override
                        public void warning(String message) {
                            warnings.add(message);
                        }
                    })
                    .build().run(this.out);
            progress.finish();
            warnings.forEach(w -> err.println("kumiki merge: warning: " + w));
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf(Locale.ROOT, "Merged %d tensors (%s) into %s in %.1f s with the %s kernels.%n",
                    plan.tensors().size(), Progress.gb(plan.outputBytes()), this.out, seconds, kernels.name());
            return Kumiki.OK;
        } finally {
            models.values().forEach(ModelFolder::close);
        }
    }

    private void printPlan(PrintWriter out, MergePlan plan, long shardBytes) {
        MergeConfig c = plan.config();
        out.println("Method   " + plan.method().name() + " — " + plan.method().description());
        for (Map.Entry<String, Path> m : plan.folders().entrySet()) {
            boolean base = c.baseModel().map(m.getKey()::equals).orElse(false);
            out.println("Model    " + m.getKey() + (base ? " (base)" : "") + "  " + m.getValue());
        }
        int shards = ModelWriter.plan(plan.tensors().stream()
                .map(t -> new dev.kumiki.tensor.TensorInfo(t.output(), t.type(), t.shape())).toList(), shardBytes).size();
        out.println("Output   " + plan.tensors().size() + " tensors, " + plan.outputLayers().map(n -> n + " layers, ")
                .orElse("") + Progress.gb(plan.outputBytes()) + " in " + shards + " shard" + (shards == 1 ? "" : "s")
                + ", " + plan.tensors().stream().map(t -> t.type().safetensorsName()).distinct()
                        .collect(Collectors.joining("/")));
        if (dryRun) {
            out.println("Tensors:");
            for (PlannedTensor t : plan.tensors()) {
                out.println("  " + t.output() + " " + t.shape() + " " + t.type().safetensorsName() + " <- "
                        + describeInputs(t) + describeParameters(t));
            }
        }
    }

    private static String describeInputs(PlannedTensor t) {
        List<String> parts = new java.util.ArrayList<>();
        t.base().ifPresent(b -> parts.add(b.model() + " (base)"));
        for (PlannedTensor.Input i : t.inputs()) {
            parts.add(i.tensor().equals(t.output()) ? i.model() : i.model() + ":" + i.tensor());
        }
        return String.join(", ", parts);
    }

    private static String describeParameters(PlannedTensor t) {
        StringBuilder b = new StringBuilder();
        t.parameters().forEach((k, v) -> b.append(' ').append(k).append('=').append(format(v)));
        if (!t.modelParameters().isEmpty()) {
            for (String name : t.modelParameters().get(0).keySet()) {
                b.append(' ').append(name).append("=[").append(t.modelParameters().stream()
                        .map(m -> format(m.get(name))).collect(Collectors.joining(", "))).append(']');
            }
        }
        return b.toString();
    }

    private static String format(Object v) {
        if (v instanceof Double d) {
            if (d.isNaN()) {
                return "none";
            }
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                return String.valueOf(d.longValue());
            }
            String s = String.format(Locale.ROOT, "%.4g", d);
            return s.contains("e") ? s : s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return String.valueOf(v);
    }

    /**
     * A layer path (Kumiki's data-flow merge YAML, {@code kind: layer-path}) written as a model folder: see
     * {@link dev.kumiki.evolve.space.PathRecipe#save}.
     */
    private Integer layerPath(PrintWriter out) throws IOException {
        dev.kumiki.evolve.space.PathRecipe recipe;
        try {
            recipe = dev.kumiki.evolve.space.PathRecipe.read(config);
            recipe.check();
        } catch (dev.kumiki.evolve.space.PathRecipe.InvalidPathRecipeException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        out.printf(Locale.ROOT, "Layer path: %d steps through %s (embeddings and head of %s).%n",
                recipe.steps().size(), recipe.models().stream().map(dev.kumiki.evolve.space.PathRecipe.Model::name)
                        .collect(Collectors.joining(", ")), recipe.models().get(0).name());
        if (dryRun) {
            out.println("Dry run: the path and the models agree; nothing was written.");
            return Kumiki.OK;
        }
        long start = System.nanoTime();
        recipe.save(this.out, Kernels.of(HardwareProfile.detect()));
        out.printf(Locale.ROOT, "Wrote the path into %s in %.1f s.%n", this.out, (System.nanoTime() - start) / 1e9);
        return Kumiki.OK;
    }

    /** {@code 5GB}, {@code 500MB}, {@code 2GiB}, mergekit's {@code 5B} (billion), or plain bytes. */
    static long parseSize(String text) {
        try {
            return dev.kumiki.tensor.io.ByteSizes.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--shard-size " + e.getMessage());
        }
    }
}
