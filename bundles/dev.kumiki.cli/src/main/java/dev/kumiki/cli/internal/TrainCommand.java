package dev.kumiki.cli.internal;

import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.kumiki.cli.Kumiki;
import dev.kumiki.train.Trainer;
import dev.kumiki.train.Training;
import dev.kumiki.train.TrainingConfigReader;
import dev.kumiki.train.TrainingException;
import dev.kumiki.train.TrainingJob;
import dev.kumiki.train.TrainingMode;
import dev.kumiki.train.TrainingResult;
import dev.kumiki.train.TrainingSettings;
import dev.kumiki.train.data.DatasetException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model as a settings file describes, without a pipeline: from scratch (mode: scratch, a "
                + "new model from a config.json), every weight of a model (mode: full) or a LoRA adapter (mode: lora). "
                + "The keys are those of the Train node: Hugging Face TrainingArguments, LLaMA-Factory and PEFT names "
                + "(max_steps, learning_rate, batch_size, cutoff_len, val_size, lora: {r, lora_alpha, …}); paths are "
                + "relative to the file. See docs/training.md.",
                "Progress shows as one line on a terminal (step, loss, validation loss, tokens/s, time left), as plain "
                        + "lines otherwise. Ctrl-C stops at the next step and keeps the last checkpoint; the same "
                        + "command resumes from it. The output (a model folder, or a PEFT adapter for lora) is "
                        + "written under a temporary name and renamed when complete."})
public final class TrainCommand implements Callable<Integer> {
    /** How long Ctrl-C waits for the step in progress and the checkpoint to be written. */
    private static final long STOP_WAIT_SECONDS = 300;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CONFIG.yml", description = "the training settings")
    Path config;

    @Option(names = "--dry-run", description = "check the settings, the model and the dataset's path and print what "
            + "would be trained; trains and writes nothing")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TrainingJob job;
        try {
            job = TrainingConfigReader.read(config);
        } catch (TrainingException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (FileSystemException e) {
            // the settings file named on the command line is the user's input: a usage error (exit 2)
            throw new IllegalArgumentException(e instanceof NoSuchFileException ? "no such settings file: " + config
                    : Failures.message(e), e);
        }
        describe(out, job);
        if (dryRun) {
            out.println("Dry run: the settings are complete; nothing was trained or written.");
            return Kumiki.OK;
        }
        Optional<String> missing = Training.availability();
        if (missing.isPresent()) {
            err.println("kumiki train: " + missing.get());
            return Kumiki.FAILED;
        }
        out.flush();

        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(1);
        TrainingLine line = new TrainingLine(out, Progress.isTerminal(), stop::get);
        Thread hook = new Thread(() -> {
            stop.set(true);
            line.message("Stopping after the step in progress; the last checkpoint is kept (run the same command "
                    + "to resume)…");
            try {
                finished.await(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "kumiki-train-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        TrainingResult result = null;
        try {
            result = Trainer.run(job, line);
        } catch (Exception e) {
            if (e instanceof TrainingException || e instanceof DatasetException) {
                // a mistake in the settings, the model or the dataset: the message alone, exit 2
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            throw e;
        } finally {
            line.finish();
            if (result != null) {
                // before the Ctrl-C hook is released: the JVM ends as soon as it returns
                summary(out, job, result);
                out.flush();
            }
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running and waits for this
            }
        }
        return result.cancelled() ? Kumiki.FAILED : Kumiki.OK;
    }

    /** What will be trained, in three lines. */
    static void describe(PrintWriter out, TrainingJob job) {
        TrainingSettings s = job.settings();
        String from = switch (s.mode()) {
            case SCRATCH -> "a new model from " + job.modelConfig().orElseThrow() + job.tokenizer()
                    .map(t -> " with the tokenizer of " + t)
                    .orElse(" with a byte-level BPE of " + job.tokenizerVocabularySize() + " tokens trained on the data");
            case FULL -> "every weight of " + job.model().orElseThrow();
            case LORA -> {
                var l = s.lora().orElseThrow();
                yield String.format(Locale.ROOT, "a LoRA adapter (r %d, alpha %s%s, on %s) for %s", l.rank(),
                        number(l.alpha()), l.rslora() ? ", rsLoRA" : "", String.join(", ", l.targetModules()),
                        job.model().orElseThrow());
            }
        };
        out.println("Training " + from);
        out.println(String.format(Locale.ROOT, "Data     %s (%s)%s", job.dataset(), job.format().userName(),
                s.validationSize() > 0 ? String.format(Locale.ROOT, ", %s held out for validation",
                        number(s.validationSize())) : ""));
        out.println(String.format(Locale.ROOT, "Steps    %d of %d×%d sequences of up to %d tokens%s; learning rate "
                + "%s, warm-up %d, cosine to ×%s; seed %d", s.maxSteps(), s.batchSize(), s.gradientAccumulation(),
                s.cutoffLength(), s.packing() ? " (packed)" : "", number(s.learningRate()), s.warmupSteps(),
                number(s.minLearningRateRatio()), s.seed()));
        out.println("Output   " + job.output() + (s.mode() == TrainingMode.LORA ? " (PEFT adapter)" : "")
                + "; checkpoints in " + job.checkpoints());
    }

    static void summary(PrintWriter out, TrainingJob job, TrainingResult r) {
        String losses = String.format(Locale.ROOT, "loss %.4f", r.trainLoss()) + (r.validationLoss().isPresent()
                ? String.format(Locale.ROOT, ", validation loss %.4f", r.validationLoss().getAsDouble()) : "");
        double seconds = r.time().toNanos() / 1e9;
        String speed = seconds > 0 ? String.format(Locale.ROOT, ", %.0f tokens/s", r.tokens() / seconds) : "";
        if (r.cancelled()) {
            out.println(String.format(Locale.ROOT, "Stopped at step %d of %d (%s) after %s%s.", r.steps(),
                    job.settings().maxSteps(), losses, TrainingLine.duration(r.time()), speed));
            out.println(r.lastCheckpoint().map(c -> "Last checkpoint: " + c + "; run the same command again to "
                    + "resume from it.").orElse("No checkpoint was written yet; the next run starts from the "
                            + "beginning."));
            return;
        }
        out.println(String.format(Locale.ROOT, "Trained %d steps (%d tokens) in %s%s: %s.", r.steps(), r.tokens(),
                TrainingLine.duration(r.time()), speed, losses));
        r.output().ifPresent(o -> out.println((job.settings().mode() == TrainingMode.LORA ? "Adapter: " : "Model:   ")
                + o));
        r.lastCheckpoint().ifPresent(c -> out.println("Last checkpoint: " + c));
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.valueOf((long) v);
        }
        return String.format(Locale.ROOT, "%.4g", v).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2").replace(".e", "e")
                .replaceAll("\\.$", "");
    }
}
