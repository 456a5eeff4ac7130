package dev.kumiki.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.llm.tokenizer.PretrainedTokenizer;
import dev.kumiki.train.data.DatasetFormat;

/**
 * The whole public path of a scratch run: a JSONL corpus generated here, a byte-level BPE trained on its training
 * split, a tiny Llama trained on it, and the Hugging Face model folder written at the end.
 */
class ScratchTrainingTest {
    private static final int VOCABULARY = 300;
    private static final List<String> NAMES = List.of("Alice", "Bob", "Carol", "Dave", "Erin", "Frank");
    private static final List<String> THINGS = List.of("apples", "books", "coins", "shells", "stamps", "pencils");

    @Test
    void scratchRunFromJsonlTrainsItsTokenizerAndLearns(@TempDir Path dir) throws Exception {
        Path dataset = corpus(dir, 400);
        Path config = config(dir, VOCABULARY);
        TrainingSettings s = new TrainingSettings(TrainingMode.SCRATCH, 40, 8, 1, 64, 1e-2, 0.1, 2, 0.01, 0.9, 0.95,
                1e-8, 1.0, 5, 20, 20, 0.1, false, Optional.empty());
        TrainingJob job = new TrainingJob(s, Optional.empty(), Optional.of(config), Optional.empty(), VOCABULARY,
                dataset, DatasetFormat.AUTO, dir.resolve("model"), dir.resolve("ckpt"));
        List<String> notes = new ArrayList<>();
        List<TrainingProgress> steps = new ArrayList<>();
        TrainingResult r = Trainer.run(job, new TrainingListener() {
            @Override
            public void step(TrainingProgress p) {
                steps.add(p);
            }

            @Override
            public void note(String message) {
                notes.add(message);
            }
        });
        double random = Math.log(VOCABULARY);
        System.out.printf("scratch from JSONL: validation %.3f (ln %d = %.3f), %.1f steps/s, %.0f tok/s, load %s%n",
                r.validationLoss().getAsDouble(), VOCABULARY, random, 40 / (r.time().toNanos() / 1e9),
                steps.getLast().tokensPerSecond(), Files.readString(Path.of("/proc/loadavg")).strip());
        assertTrue(notes.stream().anyMatch(n -> n.startsWith("trained a byte-level BPE of ")), notes.toString());
        assertTrue(r.validationLoss().getAsDouble() < 0.5 * random, "validation loss " + r.validationLoss()
                + " is not well below ln(vocab) = " + random);

        Path model = dir.resolve("model");
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                "README.md", ".kumiki-output")) {
            assertTrue(Files.isRegularFile(model.resolve(f)), f + " missing");
        }
        JsonNode written = TrainFixtures.JSON.readTree(model.resolve("config.json").toFile());
        assertEquals(VOCABULARY, written.get("vocab_size").asInt());
        assertEquals("float32", written.get("torch_dtype").asText());
        try (PretrainedTokenizer t = PretrainedTokenizer.load(model)) {
            assertTrue(t.vocabularySize() <= VOCABULARY, "tokenizer of " + t.vocabularySize() + " tokens");
        }
        String card = Files.readString(model.resolve("README.md"));
        assertTrue(card.contains("- Data: corpus.jsonl (train split)") && card.contains("- Mode: scratch"), card);

        // a full fine-tune of the new model: a new folder with the model's tokenizer; the input stays as it was
        byte[] before = Files.readAllBytes(model.resolve("model.safetensors"));
        TrainingSettings full = new TrainingSettings(TrainingMode.FULL, 4, 4, 1, 64, 1e-3, 0.1, 0, 0.01, 0.9, 0.95,
                1e-8, 1.0, 5, 0, 0, 0.1, false, Optional.empty());
        TrainingJob fine = new TrainingJob(full, Optional.of(model), Optional.empty(), Optional.empty(), 0, dataset,
                DatasetFormat.TEXT, dir.resolve("fine"), dir.resolve("fine-ckpt"));
        TrainingResult f = Trainer.run(fine, TrainingListener.NONE);
        assertEquals(4, f.steps());
        assertTrue(f.validationLoss().getAsDouble() < r.validationLoss().getAsDouble() + 0.5);
        assertEquals(Files.readString(model.resolve("tokenizer.json")),
                Files.readString(dir.resolve("fine/tokenizer.json")));
        assertTrue(Files.readString(dir.resolve("fine/README.md")).contains("A full fine-tune (every weight trained) "
                + "of " + model));
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(model.resolve("model.safetensors"))));
        assertFalse(java.util.Arrays.equals(before, Files.readAllBytes(dir.resolve("fine/model.safetensors"))));
        TrainingJob intoInput = new TrainingJob(full, Optional.of(model), Optional.empty(), Optional.empty(), 0,
                dataset, DatasetFormat.TEXT, model, dir.resolve("x-ckpt"));
        TrainingException e = assertThrows(TrainingException.class, () -> Trainer.run(intoInput,
                TrainingListener.NONE));
        assertEquals("the output folder " + model + " is also an input (" + model + "); write the model to another "
                + "folder", e.getMessage());
    }

    @Test
    void aConfigWhoseVocabularyDiffersFromTheTokenizerToTrainIsRefused(@TempDir Path dir) throws Exception {
        Path dataset = corpus(dir, 20);
        Path config = config(dir, 512);
        TrainingSettings s = new TrainingSettings(TrainingMode.SCRATCH, 2, 2, 1, 64, 1e-2, 0.1, 0, 0.01, 0.9, 0.95,
                1e-8, 1.0, 5, 0, 0, 0.1, false, Optional.empty());
        TrainingJob job = new TrainingJob(s, Optional.empty(), Optional.of(config), Optional.empty(), VOCABULARY,
                dataset, DatasetFormat.TEXT, dir.resolve("model"), dir.resolve("ckpt"));
        TrainingException e = assertThrows(TrainingException.class, () -> Trainer.run(job, TrainingListener.NONE));
        assertEquals(config + " says vocab_size 512 but the tokenizer to train has tokenizer_vocab_size 300; every "
                + "token needs an embedding row and no row should be unused: make the two equal", e.getMessage());
        assertFalse(Files.exists(dir.resolve("model")));
    }

    /** Lines such as "Alice has 3 apples and Bob has 5 apples, so they have 8 apples." */
    static Path corpus(Path dir, int lines) throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            String a = NAMES.get(random.nextInt(NAMES.size()));
            String c = NAMES.get(random.nextInt(NAMES.size()));
            String thing = THINGS.get(random.nextInt(THINGS.size()));
            int x = random.nextInt(10);
            int y = random.nextInt(10);
            ObjectNode line = TrainFixtures.JSON.createObjectNode();
            line.put("text", a + " has " + x + " " + thing + " and " + c + " has " + y + " " + thing
                    + ", so they have " + (x + y) + " " + thing + ".");
            b.append(line).append('\n');
        }
        Path file = dir.resolve("corpus.jsonl");
        Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
        return file;
    }

    static Path config(Path dir, int vocabulary) throws Exception {
        ObjectNode c = TrainFixtures.config();
        c.put("vocab_size", vocabulary);
        Path file = dir.resolve("config.json");
        Files.writeString(file, c.toPrettyString(), StandardCharsets.UTF_8);
        return file;
    }
}
