package dev.kumiki.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** kumiki demo, run, validate, nodes and runs, as a user types them, with their exit codes. */
class PipelineCommandsTest {
    @TempDir
    static Path dir;
    static Path examples;

    @BeforeAll
    static void demo() throws IOException {
        examples = dir.resolve("examples");
        Files.createDirectories(examples);
        for (String p : List.of("slerp.kumiki", "ties.kumiki")) {
            Files.copy(Path.of("../../examples", p), examples.resolve(p));
        }
        Cli.Result r = Cli.kumiki("demo", examples.toString(), "--untrained");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Wrote the example models base, chat, code, math"), r.out());
        assertTrue(r.out().matches("(?s).*save\\s+SaveModel\\s+done.*Succeeded in .*"), r.out());
        // the evaluation example: a merge never saved, scored beside its parents, in one table
        assertTrue(r.out().matches("(?s).*== .*evaluate.kumiki ==.*eval_merge\\s+Evaluate\\s+done.*ppl_en "
                + "word_perplexity.*"), r.out());
        List<String> scores = r.out().lines().dropWhile(l -> !l.startsWith("Scores (random weights")).toList();
        assertTrue(scores.get(1).matches("model +task +metric +filter +value +stderr +items +better"), r.out());
        for (String model : List.of("slerp of chat \\(base\\), code", "chat", "code")) {
            assertTrue(scores.stream().anyMatch(l -> l.matches(model + " +ppl_en +byte_perplexity +none +[0-9.]+ "
                    + "+[0-9.]+ +40/40 +lower")), model + " in\n" + r.out());
        }
        assertFalse(Files.exists(examples.resolve("out/evaluate")), "the evaluated merge is never saved");
        assertTrue(r.out().contains("Report with the models side by side: "), r.out());
        Cli.Result again = Cli.kumiki("run", examples.resolve("evaluate.kumiki").toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().matches("(?s).*eval_merge\\s+Evaluate\\s+cached.*\nScores\n.*"), again.out());
    }

    @Test
    void theExamplesAreWrittenTheWayKumikiWritesThem() throws IOException {
        for (String p : List.of("slerp.kumiki", "ties.kumiki", "evaluate.kumiki")) {
            String text = Files.readString(Path.of("../../examples", p));
            var kinds = dev.kumiki.engine.NodeKinds.discover();
            var read = kinds.yaml().read(text, p);
            assertEquals(List.of(), read.errors());
            assertEquals(text, kinds.yaml().write(read.pipeline()), p + " is in the canonical form");
        }
    }

    @Test
    void aSecondRunTakesTheSavedModelFromTheCacheAndSetChangesIt() throws IOException {
        Path ties = examples.resolve("ties.kumiki");
        Cli.Result again = Cli.kumiki("run", ties.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().matches("(?s).*save\\s+SaveModel\\s+cached.*"), again.out());

        Cli.Result changed = Cli.kumiki("run", ties.toString(), "--set", "merge.models.math.weight=0.25", "--json");
        assertEquals(0, changed.code(), changed.err());
        JsonNode json = new ObjectMapper().readTree(changed.out());
        assertEquals("succeeded", json.get("status").asText());
        JsonNode save = json.get("nodes").get(5);
        assertEquals("save", save.get("node").asText());
        assertEquals("done", save.get("status").asText());
        assertTrue(Files.readString(examples.resolve("out/ties.yml")).contains("weight: 0.25"));
        assertTrue(Files.isRegularFile(Path.of(json.get("record").asText()).resolve("run.json")));

        Cli.Result runs = Cli.kumiki("runs", ties.toString());
        assertEquals(0, runs.code());
        assertTrue(runs.out().contains("succeeded"), runs.out());
        assertTrue(runs.out().contains("save cached"), runs.out());
    }

    @Test
    void pipelineParametersAreSetByName() {
        Cli.Result r = Cli.kumiki("validate", examples.resolve("slerp.kumiki").toString(), "--set", "t=0.3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("ready to run"), r.out());
        Cli.Result bad = Cli.kumiki("validate", examples.resolve("slerp.kumiki").toString(), "--set", "tt=0.3");
        assertEquals(2, bad.code());
        assertEquals("kumiki validate: --set: the pipeline has no parameter 'tt' (did you mean 't'?); it has t\n",
                bad.err());
    }

    @Test
    void mistakesAreReportedAtTheirPlaceWithExitCode2() throws IOException {
        Path p = examples.resolve("broken.kumiki");
        Files.writeString(p, Files.readString(examples.resolve("ties.kumiki")).replace("    dtype: bfloat16\n",
                "    dtype: bfloat16\n    shard_sise: 2GB\n").replace("kind: Merge\n", "kind: Mrege\n"));
        Cli.Result r = Cli.kumiki("run", p.toString());
        assertEquals(2, r.code());
        assertEquals("kumiki run: " + p + ":17:11: error: node 'merge': unknown node kind 'Mrege' (did you mean "
                + "'Merge'?); known kinds: ApplyAdapter, Check, Dataset, Evaluate, EvolveMerge, ExportMergekitYaml, Generate, LoadModel, Merge, Report, SaveModel, Train\n" + p + ":28:5: error: node "
                + "'save' (SaveModel): unknown setting 'shard_sise' (did you mean 'shard_size'?); SaveModel has path, "
                + "shard_size, dtype, threads\n", r.err());

        Files.writeString(p, Files.readString(examples.resolve("ties.kumiki")).replace("models/math", "models/maths")
                .replace("density: 0.5}", "density: 0.5, weigth: 1}"));
        Cli.Result v = Cli.kumiki("validate", p.toString());
        assertEquals(2, v.code());
        assertEquals(p + ":15:11: error: node 'math' (path): there is no folder " + examples.resolve("models/maths")
                + " (the path is relative to the pipeline file's folder); LoadModel reads a local Hugging Face model "
                + "folder (config.json and *.safetensors), Kumiki downloads nothing\n", v.err());
        assertTrue(v.out().contains("✗ math (LoadModel)"), v.out());
        assertTrue(v.out().contains("1 error"), v.out());

        Files.writeString(p, Files.readString(examples.resolve("ties.kumiki"))
                .replace("density: 0.5}", "density: 0.5, weigth: 1}"));
        Cli.Result w = Cli.kumiki("validate", p.toString());
        assertEquals(0, w.code(), w.err());
        // at the misspelt parameter itself
        assertEquals(p + ":23:49: warning: node 'merge' (models.math.weigth): ties has no parameter 'weigth' (did you "
                + "mean 'weight'?); it is ignored (ties has normalize, rescale, lambda, int8_mask, weight, density)\n",
                w.err());

        Cli.Result missing = Cli.kumiki("run", examples.resolve("nope.kumiki").toString());
        assertEquals(2, missing.code());
        assertEquals("kumiki run: there is no pipeline file " + examples.resolve("nope.kumiki") + "\n", missing.err());
    }

    @Test
    void anExampleValidatedBeforeTheDemoSaysThatTheDemoMakesItsModels() throws IOException {
        Path fresh = dir.resolve("fresh");
        Files.createDirectories(fresh);
        Path ties = Files.copy(Path.of("../../examples/ties.kumiki"), fresh.resolve("ties.kumiki"));
        Cli.Result r = Cli.kumiki("validate", ties.toString());
        assertEquals(2, r.code());
        String hint = "hint: the example models (base, chat, code, math) are made, not downloaded: `kumiki demo "
                + fresh + "` writes them into " + fresh.resolve("models") + " and runs the examples; `kumiki "
                + "make-model FOLDER` makes one small model.\n";
        assertTrue(r.err().contains("error: node 'base' (path): there is no folder " + fresh.resolve("models/base")),
                r.err());
        assertTrue(r.err().endsWith(hint), r.err());
        assertEquals(1, r.err().split("hint: ").length - 1, "one hint for the four missing models");
        assertEquals(hint.substring("hint: ".length(), hint.length() - 1), new ObjectMapper().readTree(Cli.kumiki(
                "validate", ties.toString(), "--json").out()).get("hint").asText());

        // the demo it names makes them, and the pipeline is ready
        assertEquals(0, Cli.kumiki("demo", fresh.toString()).code());
        Cli.Result after = Cli.kumiki("validate", ties.toString());
        assertEquals(0, after.code(), after.err());
        assertTrue(!after.err().contains("hint:"), after.err());

        // a missing model folder of the user's own gets no such hint
        Path own = Files.writeString(fresh.resolve("own.kumiki"), "kumiki: 1\nnodes:\n  m: {kind: LoadModel, path: "
                + "models/mine}\n");
        Cli.Result mine = Cli.kumiki("validate", own.toString());
        assertEquals(2, mine.code());
        assertTrue(mine.err().contains("there is no folder") && !mine.err().contains("hint:"), mine.err());
    }

    @Test
    void theNodeReferenceComesFromTheModel() {
        Cli.Result all = Cli.kumiki("nodes");
        assertEquals(0, all.code());
        assertTrue(all.out().contains("Merging:\n  Merge "), all.out());
        assertTrue(all.out().contains("Models:\n  LoadModel "), all.out());
        Cli.Result merge = Cli.kumiki("nodes", "Merge");
        assertEquals(0, merge.code());
        assertTrue(merge.out().contains("  models         model (any number) — the models to merge, in order"),
                merge.out());
        assertTrue(merge.out().contains("  seed (whole number, default 0, at least 0)"), merge.out());
        assertTrue(merge.out().contains("    dare_ties         Task vectors with random drop and rescale (DARE)"),
                merge.out());
        Cli.Result bad = Cli.kumiki("nodes", "Marge");
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("kumiki nodes: there is no node kind 'Marge' (did you mean 'Merge'?)"),
                bad.err());
    }
}
