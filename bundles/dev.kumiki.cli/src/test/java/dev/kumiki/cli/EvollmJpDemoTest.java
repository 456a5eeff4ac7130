package dev.kumiki.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kumiki.engine.NodeKinds;
import dev.kumiki.model.pipeline.Node;
import dev.kumiki.model.pipeline.Pipeline;

/**
 * {@code kumiki demo evollm-jp} as a user runs it from an empty folder (its files written from the copies inside
 * Kumiki), reduced with {@code --set} as {@link EvollmJpExampleTest} reduces the pipeline: an estimate first, a line
 * as each node starts and ends, the scores; a second run from the cache with an estimate of nothing; a changed
 * setting that runs only what depends on it; and the mistakes a user can make on its command line.
 */
class EvollmJpDemoTest {
    /**
     * The settings that make the example's run short, by node kind (not by node id, so that nodes added to the
     * example are reduced too): a few training steps, one generation of two documents a search, two items an
     * evaluation, checks that report without stopping.
     */
    static List<String> reduced(Path pipeline) throws IOException {
        NodeKinds kinds = NodeKinds.discover();
        Pipeline p = kinds.yaml().read(Files.readString(pipeline), pipeline.toString()).pipeline();
        List<String> args = new ArrayList<>();
        for (Node n : p.getNodes()) {
            String id = n.getId();
            List<String> sets = switch (n.getSettings().eClass().getName()) {
                case "Train" -> List.of("max_steps=2", "warmup_steps=1", "eval_steps=0", "save_steps=0",
                        "batch_size=2");
                case "EvolveMerge" -> List.of("generations=1", "subsample=2");
                case "Evaluate" -> List.of("limit=2");
                // two training steps teach the sources nothing, so the checks report instead of stopping the run
                case "Check" -> List.of("stop=false");
                default -> List.of();
            };
            for (String s : sets) {
                args.addAll(List.of("--set", id + "." + s));
            }
        }
        return args;
    }

    static Cli.Result demo(Path dir, List<String> more) {
        List<String> args = new ArrayList<>(List.of("demo", "evollm-jp", "--dir", dir.toString()));
        args.addAll(more);
        return Cli.kumiki(args.toArray(String[]::new));
    }

    /** The nodes a run's progress lines say ended in {@code state}. */
    static List<String> ended(String out, String state) {
        List<String> nodes = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^ *\\d+:\\d\\d  (\\S+) +\\S+ +" + state + " +\\d+\\.\\d s   \\d+ of \\d+ nodes, "
                + "\\d+:\\d\\d elapsed, (about \\d+ (s|min)|a few seconds|nothing) left$").matcher(out);
        while (m.find()) {
            nodes.add(m.group(1));
        }
        return nodes;
    }

    @Test
    void theDemoEstimatesRunsEveryStageAndASecondRunComesFromTheCache(@TempDir Path dir) throws IOException {
        // the first run writes the example's files (the pipeline, its README, the base it fine-tunes) where it runs
        Path pipeline = dir.resolve("evollm-jp/evollm-jp.kumiki");
        Cli.Result estimate = demo(dir, List.of("--estimate"));
        assertEquals(0, estimate.code(), estimate.out() + estimate.err());
        assertTrue(estimate.out().contains("Wrote 7 files of the example into " + dir + ": evollm-jp/evollm-jp.kumiki, "
                + "evollm-jp/README.md, train/base/config.json"), estimate.out());
        for (String f : List.of("evollm-jp/README.md", "train/base/model.safetensors", "train/base/tokenizer.json")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        assertFalse(Files.exists(dir.resolve("evollm-jp/.kumiki/runs")), "--estimate runs nothing");
        // a file the user deleted is written again, and only that one
        Files.delete(dir.resolve("evollm-jp/README.md"));
        Cli.Result again = demo(dir, List.of("--estimate"));
        assertTrue(again.out().startsWith("Wrote 1 file of the example into " + dir + ": evollm-jp/README.md\n"),
                again.out());
        List<String> reduced = reduced(pipeline);
        int nodes = NodeKinds.discover().yaml().read(Files.readString(pipeline), "p").pipeline().getNodes().size();

        Cli.Result first = demo(dir, reduced);
        String out = first.out();
        assertEquals(0, first.code(), out + first.err());
        // the estimate before anything runs: nothing is cached, every time is a reference time scaled to this machine
        int cores = Runtime.getRuntime().availableProcessors();
        assertTrue(out.contains("Micro EvoLLM-JP: " + pipeline + ", " + nodes + " nodes\nEstimate for this machine ("
                + cores + (cores == 1 ? " core" : " cores") + "), before it starts:\n"), out);
        assertTrue(out.matches("(?s).*\n  training +\\d+ +0  \\d+ (s|min).*"), out);
        assertTrue(out.matches("(?s).*\n  merging and searching +\\d+ +0  \\d+ (s|min).*"), out);
        assertTrue(out.matches("(?s).*\n  evaluation +\\d+ +0  \\d+ (s|min).*"), out);
        assertTrue(out.matches("(?s).*\n  about \\d+ (s|min) in all, \\d+ nodes at a time.*"), out);
        assertTrue(out.contains("  Node times: " + nodes + " at reference times measured on 2 cores on 2026-12-02, "
                + "× "), out);
        // a line as each node starts and ends, with how far the run is
        List<String> done = ended(out, "done");
        assertEquals(nodes, done.size(), "every node ran:\n" + out);
        assertTrue(out.matches("(?s).*\n +0:\\d\\d  ja_lora +Train +running +\\(about \\d+ s\\)\n.*"), out);
        assertTrue(out.matches("(?s).*  " + nodes + " of " + nodes + " nodes, \\d+:\\d\\d elapsed, nothing left\n.*"),
                out);
        assertTrue(out.matches("(?s).*\nSucceeded in [0-9.]+ s\\. Record: .*\nTook .*; the estimate was .*"), out);
        assertTrue(out.matches("(?s).*\nScores \\(Micro EvoLLM-JP: .*README.md says what they mean\\)\nmodel +task .*"
                + "\n\\S.* +mult_ja +exact_match +japanese-only .*"), out);
        assertTrue(out.matches("(?s).*\nNext:\n  kumiki demo evollm-jp --set \\w+\\.generations=2 .*\n  kumiki studio, "
                + "then File > Open File… .*"), out);

        // again: the nodes that keep outputs come from the cache, the rest (which read headers or plan) run; the estimate
        // says so
        Cli.Result second = demo(dir, reduced);
        out = second.out();
        assertEquals(0, second.code(), out + second.err());
        Matcher all = Pattern.compile("(?m)^  (about 0 s|a few seconds) in all: \\d+ nodes come from the cache, \\d+ run "
                + "\\((.*)\\)$").matcher(out);
        assertTrue(all.find(), out);
        for (String kept : List.of("Train", "SaveModel", "EvolveMerge", "Evaluate")) {
            assertFalse(List.of(all.group(2).split(", ")).contains(kept), kept + " runs again:\n" + out);
        }
        assertTrue(out.matches("(?s).*\n  evaluation +(\\d+) +\\1  0 s\n.*"), out);
        // the datasets are read again (a second or two): they keep no outputs
        assertTrue(out.matches("(?s).*\n  training +\\d+ +\\d+  \\d s\n.*"), out);
        List<String> cached = ended(out, "cached");
        assertEquals(nodes, cached.size() + ended(out, "done").size(), out);
        for (String kept : List.of("ja_lora", "math_lora", "ja", "math", "eval_base", "eval_hybrid")) {
            assertTrue(cached.contains(kept), kept + " cached in\n" + out);
        }

        // a changed setting: the one evaluation runs again, the rest comes from the cache
        List<String> changed = new ArrayList<>(reduced);
        changed.addAll(List.of("--set", "eval_ties.limit=3"));
        Cli.Result third = demo(dir, changed);
        out = third.out();
        assertEquals(0, third.code(), out + third.err());
        Matcher evaluation = Pattern.compile("(?m)^  evaluation +(\\d+) +(\\d+)  ").matcher(out);
        assertTrue(evaluation.find(), out);
        assertEquals(Integer.parseInt(evaluation.group(1)) - 1, Integer.parseInt(evaluation.group(2)),
                "all evaluations but the changed one from the cache:\n" + out);
        assertTrue(ended(out, "done").contains("eval_ties"), out);
        assertFalse(ended(out, "done").contains("eval_base"), out);
        assertTrue(ended(out, "cached").contains("eval_base"), out);
    }

    @Test
    void mistakesOnTheCommandLineAreToldWithExitCode2(@TempDir Path dir) throws IOException {
        Cli.Result unknown = Cli.kumiki("demo", "evollm");
        assertEquals(2, unknown.code(), unknown.out() + unknown.err());
        assertEquals("kumiki demo: there is no demo 'evollm' (did you mean 'evollm-jp'?) and no folder evollm; the "
                + "demos: evollm-jp (Micro EvoLLM-JP). To write the small examples into a new folder, give it as a "
                + "path: kumiki demo ./evollm\n", unknown.err());
        assertEquals("", unknown.out());
        Cli.Result typo = Cli.kumiki("demo", "evolm-jp");
        assertEquals(2, typo.code());
        assertTrue(typo.err().startsWith("kumiki demo: there is no demo 'evolm-jp' (did you mean 'evollm-jp'?)"),
                typo.err());

        Path file = Files.writeString(dir.resolve("notes.txt"), "x");
        Cli.Result notAFolder = Cli.kumiki("demo", file.toString());
        assertEquals(2, notAFolder.code());
        assertEquals("kumiki demo: " + file + " is a file; kumiki demo takes a demo's name (evollm-jp) or the folder "
                + "of the examples\n", notAFolder.err());

        Cli.Result untrained = Cli.kumiki("demo", "evollm-jp", "--untrained");
        assertEquals(2, untrained.code());
        assertTrue(untrained.err().startsWith("kumiki demo: --untrained is for the small examples"), untrained.err());

        Cli.Result set = Cli.kumiki("demo", dir.toString(), "--set", "merge.method=ties");
        assertEquals(2, set.code());
        assertTrue(set.err().startsWith("kumiki demo: --set is for a demo by name (evollm-jp), e.g. kumiki demo "
                + "evollm-jp --set merge.method=ties;"), set.err());

        // a setting the pipeline does not have, before anything is written or run
        Cli.Result badSet = Cli.kumiki("demo", "evollm-jp", "--dir", dir.toString(), "--set", "hybird.generations=2");
        assertEquals(2, badSet.code());
        assertEquals("kumiki demo: --set hybird.generations: there is no node 'hybird' (did you mean 'hybrid'?)\n",
                badSet.err());
        assertFalse(Files.exists(dir.resolve("evollm-jp/.kumiki")), "nothing ran");
    }
}
