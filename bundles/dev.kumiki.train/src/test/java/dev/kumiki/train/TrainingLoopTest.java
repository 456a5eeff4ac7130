package dev.kumiki.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.kumiki.merge.lora.PeftAdapter;
import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.io.SafetensorsFile;
import dev.kumiki.tensor.kernel.Kernels;
import dev.kumiki.train.model.LlamaNetwork;

/** The training loop on a tiny model and a generated corpus: learning, accumulation, cancel, resume, refusals. */
class TrainingLoopTest {

    @Test
    void scratchRunLearnsAndWritesAModelFolder(@TempDir Path dir) throws Exception {
        TrainingSettings s = TrainFixtures.settings(TrainingMode.SCRATCH, 1e-2, 60, 8, 1, 20, 0, Optional.empty());
        TrainingJob job = TrainFixtures.scratchJob(dir, s, "out", "ckpt");
        List<TrainingProgress> progress = new ArrayList<>();
        List<double[]> validations = new ArrayList<>();
        TrainingResult r = Trainer.run(job, new TrainingListener() {
            @Override
            public void step(TrainingProgress p) {
                progress.add(p);
            }

            @Override
            public void validated(int step, double loss) {
                validations.add(new double[] {step, loss});
            }
        }, TrainFixtures.data(job));
        double random = Math.log(TrainFixtures.VOCABULARY);
        System.out.printf("scratch: validation %s, final train loss %.3f, ln(vocab) %.3f, %.1f steps/s, %.0f tok/s,"
                + " load %s%n", validations.stream().map(v -> String.format("%.0f:%.3f", v[0], v[1])).toList(),
                r.trainLoss(), random, 60 / (r.time().toNanos() / 1e9), progress.getLast().tokensPerSecond(),
                Files.readString(Path.of("/proc/loadavg")).strip());
        assertEquals(60, r.steps());
        assertEquals(60, progress.size());
        assertEquals(List.of(20.0, 40.0, 60.0), validations.stream().map(v -> v[0]).toList());
        assertTrue(validations.get(0)[1] < random, "validation loss starts below ln(vocab) after 20 steps");
        assertTrue(r.validationLoss().getAsDouble() < 0.3 * random, "validation loss " + r.validationLoss()
                + " is not well below ln(vocab) = " + random);
        assertTrue(progress.get(0).learningRate() == 0 && progress.get(2).learningRate() == 1e-2,
                "warm-up of 2 steps");
        assertEquals(1e-2 * 0.1, progress.getLast().learningRate(), 1e-2 * 0.1 * 0.01, "cosine ends near its floor");
        assertTrue(progress.getLast().tokensPerSecond() > 0);
        assertEquals(0, progress.getLast().remaining().toMillis());

        Path out = dir.resolve("out");
        assertTrue(Files.isRegularFile(out.resolve(".kumiki-output")));
        JsonNode config = TrainFixtures.JSON.readTree(out.resolve("config.json").toFile());
        assertEquals("float32", config.get("torch_dtype").asText());
        assertEquals(TrainFixtures.VOCABULARY, config.get("vocab_size").asInt());
        String card = Files.readString(out.resolve("README.md"));
        assertTrue(card.contains("trained from scratch") && card.contains("Trained with Kumiki "
                + Trainer.KUMIKI_VERSION) && card.contains("| learning_rate | 0.01 |")
                && card.contains("Final validation loss: "), card);
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            assertTrue(f.names().contains("model.layers.1.mlp.down_proj.weight"), f.names().toString());
            assertEquals(DType.F32, f.info("lm_head.weight").orElseThrow().dtype());
        }
        // the final checkpoint is there; a second run resumes at the end and writes the output again
        assertTrue(Files.isDirectory(dir.resolve("ckpt/checkpoint-60")));
        List<String> notes = new ArrayList<>();
        TrainingResult again = Trainer.run(job, new TrainingListener() {
            @Override
            public void note(String message) {
                notes.add(message);
            }
        }, TrainFixtures.data(job));
        assertEquals(r.trainLoss(), again.trainLoss());
        assertTrue(notes.get(0).contains("step 60 of 60"), notes.toString());
    }

    @Test
    void accumulationOfTwoBatchesOfTwoEqualsOneBatchOfFour(@TempDir Path dir) throws Exception {
        TrainingJob four = TrainFixtures.scratchJob(dir,
                TrainFixtures.settings(TrainingMode.SCRATCH, 4, 4, 1, 0, 0, Optional.empty()), "four", "four-ckpt");
        TrainingJob twoByTwo = TrainFixtures.scratchJob(dir,
                TrainFixtures.settings(TrainingMode.SCRATCH, 4, 2, 2, 0, 0, Optional.empty()), "two", "two-ckpt");
        TrainingResult a = Trainer.run(four, TrainingListener.NONE, TrainFixtures.data(four));
        TrainingResult b = Trainer.run(twoByTwo, TrainingListener.NONE, TrainFixtures.data(twoByTwo));
        assertEquals(a.tokens(), b.tokens(), "the same sequences were seen");
        assertEquals(a.trainLoss(), b.trainLoss(), 1e-5);
        Map<String, float[]> wa = weights(dir.resolve("four/model.safetensors"));
        Map<String, float[]> wb = weights(dir.resolve("two/model.safetensors"));
        double worst = 0;
        for (String n : wa.keySet()) {
            float[] x = wa.get(n);
            float[] y = wb.get(n);
            for (int i = 0; i < x.length; i++) {
                worst = Math.max(worst, Math.abs(x[i] - y[i]));
            }
        }
        System.out.println("accumulation: largest weight difference 2x2 vs 4: " + worst);
        // 4 AdamW steps at lr 3e-3 move a weight by up to ~1e-2; float rounding of the two summations stays far below
        assertTrue(worst < 2e-5, "largest weight difference " + worst);
    }

    @Test
    void cancelKeepsTheLastCheckpointAndTheResumeEndsAsAnUninterruptedRun(@TempDir Path dir) throws Exception {
        TrainingSettings s = TrainFixtures.settings(TrainingMode.SCRATCH, 9, 4, 1, 0, 4, Optional.empty());
        TrainingJob job = TrainFixtures.scratchJob(dir, s, "out", "ckpt");
        List<Integer> checkpointed = new ArrayList<>();
        TrainingResult cancelled = Trainer.run(job, new TrainingListener() {
            int asked;

            @Override
            public boolean cancelled() {
                return ++asked > 6;
            }

            @Override
            public void checkpointed(int step, Path folder) {
                checkpointed.add(step);
            }
        }, TrainFixtures.data(job));
        assertTrue(cancelled.cancelled());
        assertEquals(6, cancelled.steps());
        assertEquals(Optional.empty(), cancelled.output());
        assertEquals(List.of(4, 6), checkpointed, "the cancel writes a checkpoint of the last finished step");
        assertEquals(Optional.of(dir.resolve("ckpt/checkpoint-6")), cancelled.lastCheckpoint());
        assertFalse(Files.exists(dir.resolve("out")));

        TrainingResult resumed = Trainer.run(job, TrainingListener.NONE, TrainFixtures.data(job));
        assertFalse(resumed.cancelled());
        TrainingJob plain = TrainFixtures.scratchJob(dir, s, "plain", "plain-ckpt");
        Trainer.run(plain, TrainingListener.NONE, TrainFixtures.data(plain));
        assertArrayEquals(Files.readAllBytes(dir.resolve("plain/model.safetensors")),
                Files.readAllBytes(dir.resolve("out/model.safetensors")));
        try (Stream<Path> list = Files.list(dir.resolve("ckpt"))) {
            assertEquals(List.of("checkpoint-8", "checkpoint-9"), list.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList(), "the last two checkpoints are kept");
        }
    }

    @Test
    void aCheckpointOfOtherSettingsIsNotResumed(@TempDir Path dir) throws Exception {
        TrainingJob job = TrainFixtures.scratchJob(dir,
                TrainFixtures.settings(TrainingMode.SCRATCH, 2, 4, 1, 0, 0, Optional.empty()), "out", "ckpt");
        Trainer.run(job, TrainingListener.NONE, TrainFixtures.data(job));
        TrainingSettings s = job.settings();
        TrainingSettings other = new TrainingSettings(s.mode(), 4, s.batchSize(), s.gradientAccumulation(),
                s.cutoffLength(), 0.01, s.minLearningRateRatio(), s.warmupSteps(), s.weightDecay(), s.beta1(), s.beta2(),
                s.epsilon(), s.maxGradNorm(), s.seed(), s.evalSteps(), s.saveSteps(), s.validationSize(), s.packing(),
                s.lora());
        TrainingJob changed = TrainFixtures.scratchJob(dir, other, "out2", "ckpt");
        TrainingException e = assertThrows(TrainingException.class,
                () -> Trainer.run(changed, TrainingListener.NONE, TrainFixtures.data(changed)));
        assertTrue(e.getMessage().startsWith("cannot resume from checkpoint " + dir.resolve("ckpt/checkpoint-2")
                + ": it was written by a run with other settings: max_steps is 2 there and 4 here; learning_rate is "
                + "0.003 there and 0.01 here. A run resumes only with the settings it started with"), e.getMessage());
        assertTrue(e.getMessage().endsWith("or give another checkpoints folder (or delete " + dir.resolve("ckpt")
                + ") to start afresh"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("out2")));
    }

    @Test
    void anOutputFolderKumikiDidNotWriteIsRefusedBeforeTraining(@TempDir Path dir) throws Exception {
        Path out = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(out.resolve("notes.txt"), "my notes", StandardCharsets.UTF_8);
        TrainingJob job = TrainFixtures.scratchJob(dir,
                TrainFixtures.settings(TrainingMode.SCRATCH, 2, 4, 1, 0, 0, Optional.empty()), "mine", "ckpt");
        TrainingException e = assertThrows(TrainingException.class,
                () -> Trainer.run(job, TrainingListener.NONE, TrainFixtures.data(job)));
        assertEquals(job.output() + " is not empty and was not written by Kumiki (it has no .kumiki-output file); "
                + "Kumiki replaces only folders it wrote, so nothing of yours is deleted. Give a new or empty folder, "
                + "or move the files away first", e.getMessage());
        assertEquals("my notes", Files.readString(out.resolve("notes.txt")));
        assertFalse(Files.exists(dir.resolve("ckpt")), "nothing was trained");

        TrainingJob intoInput = new TrainingJob(job.settings(), job.model(), job.modelConfig(), job.tokenizer(),
                job.tokenizerVocabularySize(), job.dataset(), job.format(), dir.resolve("out"), dir);
        TrainingException inside = assertThrows(TrainingException.class,
                () -> Trainer.run(intoInput, TrainingListener.NONE, TrainFixtures.data(intoInput)));
        assertTrue(inside.getMessage().startsWith("the checkpoints folder " + dir + " and the output folder "), inside
                .getMessage());
    }

    @Test
    void loraRunWritesAPeftAdapterAndResumesExactly(@TempDir Path dir) throws Exception {
        Path base = Files.createDirectories(dir.resolve("base"));
        try (LlamaNetwork n = LlamaNetwork.initialise(TrainFixtures.config(), 3)) {
            Files.writeString(base.resolve("config.json"), TrainFixtures.config().toPrettyString());
            n.writeSafetensors(base.resolve("model.safetensors"), Map.of("format", "pt"));
        }
        byte[] baseWeights = Files.readAllBytes(base.resolve("model.safetensors"));
        Optional<LoraSettings> lora = Optional.of(new LoraSettings(4, 8, 0.1, List.of("q_proj", "v_proj"), false));
        TrainingSettings s = TrainFixtures.settings(TrainingMode.LORA, 1e-2, 8, 4, 1, 0, 3, lora);
        TrainingJob job = loraJob(dir, base, s, "adapter", "ckpt");
        TrainingResult cancelled = Trainer.run(job, new TrainingListener() {
            int asked;

            @Override
            public boolean cancelled() {
                return ++asked > 4;
            }
        }, TrainFixtures.data(job));
        assertEquals(4, cancelled.steps());
        TrainingResult r = Trainer.run(job, TrainingListener.NONE, TrainFixtures.data(job));
        assertEquals(8, r.steps());
        TrainingJob plain = loraJob(dir, base, s, "plain", "plain-ckpt");
        Trainer.run(plain, TrainingListener.NONE, TrainFixtures.data(plain));

        Path adapter = dir.resolve("adapter");
        assertArrayEquals(Files.readAllBytes(dir.resolve("plain/adapter_model.safetensors")),
                Files.readAllBytes(adapter.resolve("adapter_model.safetensors")),
                "LoRA with dropout resumed after a cancel equals the uninterrupted run");
        PeftAdapter read = PeftAdapter.read(adapter);
        assertEquals(4, read.modules().size(), "q_proj and v_proj of 2 layers");
        assertEquals(4, read.config().rank());
        assertTrue(read.modules().stream().anyMatch(m -> {
            for (float v : m.b()) {
                if (v != 0) {
                    return true;
                }
            }
            return false;
        }), "B has moved from its zero start");
        JsonNode config = TrainFixtures.JSON.readTree(adapter.resolve("adapter_config.json").toFile());
        assertEquals(base.toString(), config.get("base_model_name_or_path").asText());
        assertTrue(Files.readString(adapter.resolve("README.md")).contains("A LoRA adapter in PEFT's layout for "
                + base));
        assertArrayEquals(baseWeights, Files.readAllBytes(base.resolve("model.safetensors")), "the base is untouched");
        try (Stream<Path> files = Files.list(base)) {
            assertEquals(List.of("config.json", "model.safetensors"), files.map(p -> p.getFileName().toString())
                    .sorted().toList(), "nothing was written into the input model folder");
        }
    }

    private static TrainingJob loraJob(Path dir, Path base, TrainingSettings s, String output, String checkpoints)
            throws Exception {
        TrainingJob scratch = TrainFixtures.scratchJob(dir, s, output, checkpoints);
        return new TrainingJob(s, Optional.of(base), Optional.empty(), Optional.empty(), 0, scratch.dataset(),
                scratch.format(), scratch.output(), scratch.checkpoints());
    }

    static Map<String, float[]> weights(Path file) throws Exception {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String n : f.names()) {
                MappedTensor t = f.tensor(n);
                float[] v = new float[(int) t.info().shape().elements()];
                Kernels.scalar().load(t.data(), DType.F32, 0, v, 0, v.length);
                out.put(n, v);
            }
        }
        return out;
    }
}
