package dev.kumiki.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.train.data.DatasetFormat;
import dev.kumiki.train.data.TokenizedDataset;
import dev.kumiki.train.data.TokenizedSequence;

/**
 * A tiny model and a generated token corpus for the training loop's tests: sequences that count up from a random
 * start in strides of 1, 2 or 3 (the stride follows from the first token), so a model can learn them in a few dozen
 * steps.
 */
final class TrainFixtures {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int VOCABULARY = 64;

    private TrainFixtures() {
    }

    /** 2 layers, hidden 32, 4 heads over 2 key/value heads, MLP 48, vocabulary 64, context 64 (~30k parameters). */
    static ObjectNode config() {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", 32);
        c.put("intermediate_size", 48);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("vocab_size", VOCABULARY);
        c.put("max_position_embeddings", 64);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("tie_word_embeddings", false);
        c.put("hidden_act", "silu");
        c.put("initializer_range", 0.02);
        c.put("torch_dtype", "float32");
        return c;
    }

    /** {@code n} counting sequences of 12 to 24 tokens. */
    static List<TokenizedSequence> sequences(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<TokenizedSequence> out = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            int length = 12 + random.nextInt(13);
            int[] tokens = new int[length];
            boolean[] trained = new boolean[length];
            tokens[0] = 1 + random.nextInt(VOCABULARY - 1);
            int stride = 1 + tokens[0] % 3;
            for (int i = 1; i < length; i++) {
                tokens[i] = (tokens[i - 1] + stride) % VOCABULARY;
                trained[i] = true;
            }
            out.add(new TokenizedSequence(tokens, trained));
        }
        return out;
    }

    record ListDataset(List<TokenizedSequence> list, String description) implements TokenizedDataset {
        @Override
        public int size() {
            return list.size();
        }

        @Override
        public TokenizedSequence get(int index) {
            return list.get(index);
        }
    }

    static TrainingSettings settings(TrainingMode mode, int maxSteps, int batch, int accumulation, int evalSteps,
            int saveSteps, Optional<LoraSettings> lora) {
        return settings(mode, 3e-3, maxSteps, batch, accumulation, evalSteps, saveSteps, lora);
    }

    static TrainingSettings settings(TrainingMode mode, double learningRate, int maxSteps, int batch,
            int accumulation, int evalSteps, int saveSteps, Optional<LoraSettings> lora) {
        return new TrainingSettings(mode, maxSteps, batch, accumulation, 32, learningRate, 0.1, 2, 0.01, 0.9, 0.95,
                1e-8, 1.0, 7, evalSteps, saveSteps, 0.1, false, lora);
    }

    /** A scratch job in {@code dir}: config.json and the corpus (as text, for the record) written there. */
    static TrainingJob scratchJob(Path dir, TrainingSettings settings, String output, String checkpoints)
            throws IOException {
        Path config = dir.resolve("config.json");
        if (!Files.exists(config)) {
            Files.writeString(config, config().toPrettyString(), StandardCharsets.UTF_8);
        }
        Path dataset = dir.resolve("counting.jsonl");
        if (!Files.exists(dataset)) {
            StringBuilder b = new StringBuilder();
            for (TokenizedSequence s : sequences(240, 11)) {
                b.append("{\"tokens\": ").append(java.util.Arrays.toString(s.tokens())).append("}\n");
            }
            Files.writeString(dataset, b.toString(), StandardCharsets.UTF_8);
        }
        return new TrainingJob(settings, Optional.empty(), Optional.of(config), Optional.empty(), VOCABULARY, dataset,
                DatasetFormat.TEXT, dir.resolve(output), dir.resolve(checkpoints));
    }

    /** The corpus split 9:1, as the data pipeline would hand it over. */
    static PreparedData data(TrainingJob job) throws IOException {
        List<TokenizedSequence> all = sequences(240, 11);
        return new PreparedData(new ListDataset(all.subList(24, 240), "counting (train split)"),
                Optional.of(new ListDataset(all.subList(0, 24), "counting (validation split)")), Optional.empty(),
                OptionalInt.of(VOCABULARY), config(), Map.of("dataset_sha256", Trainer.sha256(job.dataset())),
                "240 generated counting sequences");
    }
}
