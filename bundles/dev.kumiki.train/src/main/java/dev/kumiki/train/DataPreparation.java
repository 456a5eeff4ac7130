package dev.kumiki.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.llm.tokenizer.PretrainedTokenizer;
import dev.kumiki.tensor.io.OutputFolder;
import dev.kumiki.train.data.DatasetException;
import dev.kumiki.train.data.Example;
import dev.kumiki.train.data.JsonlDataset;
import dev.kumiki.train.data.TokenizedDataset;
import dev.kumiki.train.data.Tokenization;
import dev.kumiki.train.tokenizer.BpeTrainer;

/**
 * A job's dataset read, split with the seed and tokenized with the model's tokenizer; for scratch runs without a
 * tokenizer, a byte-level BPE trained on the training split first (kept in the checkpoints folder, so that a resumed
 * run uses the same one).
 */
final class DataPreparation {
    static final String TOKENIZER_FOLDER = "tokenizer";
    private static final String TOKENIZER_SOURCE = "kumiki-tokenizer-source.json";

    private DataPreparation() {
    }

    static PreparedData prepare(TrainingJob job, TrainingListener listener) throws TrainingException, IOException {
        TrainingSettings s = job.settings();
        Map<String, String> identity = new LinkedHashMap<>();
        JsonlDataset dataset;
        JsonlDataset.Split split;
        try {
            dataset = JsonlDataset.read(job.dataset(), job.format());
            split = dataset.split(s.validationSize(), s.seed());
        } catch (DatasetException e) {
            throw new TrainingException(e.getMessage());
        }
        String datasetHash = Trainer.sha256(job.dataset());
        identity.put("dataset_sha256", datasetHash);
        JsonNode modelConfig = null;
        Path tokenizerFolder;
        if (s.mode() == TrainingMode.SCRATCH) {
            Path configFile = job.modelConfig().orElseThrow();
            modelConfig = readConfig(configFile);
            identity.put("model_config_sha256", Trainer.sha256(configFile));
            if (job.tokenizer().isPresent()) {
                tokenizerFolder = job.tokenizer().get();
            } else {
                int vocabulary = modelConfig.path("vocab_size").asInt(-1);
                if (vocabulary != job.tokenizerVocabularySize()) {
                    throw new TrainingException(configFile + " says vocab_size " + modelConfig.path("vocab_size")
                            + " but the tokenizer to train has tokenizer_vocab_size " + job.tokenizerVocabularySize()
                            + "; every token needs an embedding row and no row should be unused: make the two equal");
                }
                tokenizerFolder = trainTokenizer(job, split, datasetHash, listener);
            }
        } else {
            Path model = job.model().orElseThrow();
            Path config = model.resolve("config.json");
            if (!Files.isRegularFile(config)) {
                throw new TrainingException(model + " has no config.json; give a Hugging Face model folder");
            }
            identity.put("model_config_sha256", Trainer.sha256(config));
            identity.put("model_weights", weightFiles(model));
            tokenizerFolder = model;
        }
        if (!Files.isRegularFile(tokenizerFolder.resolve(PretrainedTokenizer.TOKENIZER_FILE))) {
            throw new TrainingException(tokenizerFolder + " has no " + PretrainedTokenizer.TOKENIZER_FILE
                    + "; training needs the model's tokenizer (a Hugging Face tokenizer.json)");
        }
        identity.put("tokenizer_sha256", Trainer.sha256(tokenizerFolder.resolve(PretrainedTokenizer.TOKENIZER_FILE)));
        String name = job.dataset().getFileName().toString();
        TokenizedDataset train;
        Optional<TokenizedDataset> validation = Optional.empty();
        int vocabulary;
        String summary;
        try (PretrainedTokenizer tokenizer = PretrainedTokenizer.load(tokenizerFolder)) {
            vocabulary = tokenizer.vocabularySize();
            Tokenization tokenization = Tokenization.of(tokenizer, s.cutoffLength(), s.packing());
            Tokenization.Result t = tokenization.tokenize(split.train(), name + " (train split)");
            train = t;
            summary = t.examples() + " training examples → " + t.size() + " sequences of " + t.tokens()
                    + " tokens (" + t.trainedTokens() + " trained)" + (t.truncated() > 0 ? ", " + t.truncated()
                            + " cut at cutoff_len" : "") + (t.dropped() > 0 ? ", " + t.dropped()
                                    + " dropped (nothing left to train after the cut)" : "");
            if (!split.validation().isEmpty()) {
                Tokenization.Result v = tokenization.tokenize(split.validation(), name + " (validation split)");
                if (v.size() > 0) {
                    validation = Optional.of(v);
                }
                summary += "; " + v.examples() + " validation examples → " + v.size() + " sequences";
            }
        } catch (DatasetException e) {
            throw new TrainingException(e.getMessage());
        }
        listener.note(summary);
        return new PreparedData(train, validation, Optional.of(tokenizerFolder), OptionalInt.of(vocabulary),
                modelConfig, identity, summary);
    }

    private static JsonNode readConfig(Path file) throws TrainingException {
        try {
            JsonNode n = Checkpoints.JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new TrainingException(file + " is not a JSON object; give a Hugging Face config.json");
            }
            return n;
        } catch (IOException e) {
            throw new TrainingException("cannot read the model config " + file + ": " + e.getMessage());
        }
    }

    private static String weightFiles(Path model) throws IOException {
        List<String> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(model)) {
            for (Path p : s.sorted().toList()) {
                String f = p.getFileName().toString();
                if (f.endsWith(".safetensors") || f.endsWith(".safetensors.index.json")) {
                    files.add(f + ":" + Files.size(p));
                }
            }
        }
        return String.join(",", files);
    }

    /**
     * The byte-level BPE for a scratch run, trained on the training split's text; kept in the checkpoints folder
     * with the dataset hash and size it was trained for, and reused when they match.
     */
    private static Path trainTokenizer(TrainingJob job, JsonlDataset.Split split, String datasetHash,
            TrainingListener listener) throws TrainingException, IOException {
        Path folder = job.checkpoints().resolve(TOKENIZER_FOLDER);
        ObjectNode source = Checkpoints.JSON.createObjectNode();
        source.put("dataset_sha256", datasetHash);
        source.put("vocab_size", job.tokenizerVocabularySize());
        source.put("val_size", job.settings().validationSize());
        source.put("seed", job.settings().seed());
        Path sourceFile = folder.resolve(TOKENIZER_SOURCE);
        if (Files.isRegularFile(sourceFile) && Checkpoints.JSON.readTree(sourceFile.toFile()).equals(
                Checkpoints.JSON.readTree(source.toString()))) {
            listener.note("using the tokenizer trained before in " + folder);
            return folder;
        }
        if (job.tokenizerVocabularySize() < BpeTrainer.MIN_VOCABULARY_SIZE) {
            throw new TrainingException("tokenizer_vocab_size " + job.tokenizerVocabularySize() + " is too small: a "
                    + "byte-level BPE needs at least " + BpeTrainer.MIN_VOCABULARY_SIZE + " tokens (256 bytes and "
                    + BpeTrainer.SPECIAL_TOKENS.size() + " special tokens)");
        }
        List<String> texts = new ArrayList<>();
        for (Example e : split.train()) {
            texts.add(e.plainText());
        }
        BpeTrainer.Trained trained = BpeTrainer.of(job.tokenizerVocabularySize()).train(texts);
        Files.createDirectories(job.checkpoints());
        Path temp = job.checkpoints().resolve("." + TOKENIZER_FOLDER + ".partial-" + ProcessHandle.current().pid());
        Checkpoints.deleteTree(temp);
        Files.createDirectories(temp);
        trained.writeTo(temp);
        Files.writeString(temp.resolve(TOKENIZER_SOURCE), source.toPrettyString(), StandardCharsets.UTF_8);
        try {
            Checkpoints.deleteTree(folder);
            Files.move(temp, folder, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IOException("cannot write the trained tokenizer to " + folder + ": " + OutputFolder.describe(e),
                    e);
        }
        listener.note("trained a byte-level BPE of " + trained.vocabularySize() + " tokens (" + trained.merges()
                + " merges) on " + texts.size() + " training examples; saved in " + folder);
        return folder;
    }
}
