package dev.kumiki.cli.internal;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.tensor.hardware.Backend;
import dev.kumiki.tensor.hardware.HardwareProfile;
import dev.kumiki.tensor.kernel.Kernels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "backends", mixinStandardHelpOptions = true,
        description = {"Show the hardware Kumiki detected and the backend it uses for tensor work.",
                "Override the choice with -Dkumiki.backend=NAME or KUMIKI_BACKEND=NAME (a64fx, vector, scalar)."})
public final class BackendsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the profile as JSON (stable keys, for scripts).")
    boolean json;

    @Option(names = "--training", description = {"Also check that training works in this installation: load DJL's "
            + "PyTorch engine (the first time, libtorch is extracted into DJL_CACHE_DIR, about 450 MB) and compute a "
            + "small gradient with it. Exits 1 when it cannot, saying what to install."})
    boolean training;

    @Override
    public Integer call() throws JsonProcessingException {
        HardwareProfile profile = HardwareProfile.detect();
        PrintWriter out = spec.commandLine().getOut();
        TrainingEngineCheck.Outcome engine = training ? TrainingEngineCheck.run() : null;
        if (json) {
            Map<String, Object> map = new LinkedHashMap<>(profile.toMap());
            map.put("bf16Prefill", Kernels.bf16BatchedProducts(profile));
            if (engine != null) {
                map.put("training", engine.toMap());
            }
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(map));
            return engine == null || engine.works() ? Kumiki.OK : Kumiki.FAILED;
        }
        out.println("Kumiki " + BuildInfo.version() + " on " + BuildInfo.runtime());
        Map<String, String> rows = new LinkedHashMap<>(profile.describe());
        rows.put("BF16 prefill", Kernels.bf16BatchedProducts(profile));
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0);
        rows.forEach((label, value) -> out.printf("  %-" + width + "s  %s%n", label, value));
        out.println();
        out.println("Backends (* = in use):");
        for (Backend b : Backend.values()) {
            out.printf("  %s %-6s  %s%n", b == profile.backend() ? "*" : " ", b.id(), b.description());
        }
        if (engine == null) {
            return Kumiki.OK;
        }
        out.println();
        out.println("Training: " + engine.summary());
        return engine.works() ? Kumiki.OK : Kumiki.FAILED;
    }
}
