package dev.kumiki.train;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.kumiki.tensor.DType;
import dev.kumiki.tensor.MappedTensor;
import dev.kumiki.tensor.Shape;
import dev.kumiki.tensor.TensorInfo;
import dev.kumiki.tensor.io.OutputFolder;
import dev.kumiki.tensor.io.SafetensorsFile;
import dev.kumiki.tensor.io.SafetensorsWriter;
import dev.kumiki.tensor.kernel.Kernels;

/**
 * The checkpoints folder of a training run: {@code checkpoint-<step>/} folders, each written under a hidden
 * temporary name and renamed when complete, so that a folder with the real name is always whole. A lock file keeps a
 * second run from using the same folder at the same time; leftovers of killed runs are deleted when it is opened.
 *
 * <p>A checkpoint holds {@value #WEIGHTS} (the trained parameters, float32, in the model's own names),
 * {@value #OPTIMIZER} ({@code exp_avg.<name>} and {@code exp_avg_sq.<name>}) and {@value #STATE} (step, position in
 * the data order, the settings and their fingerprint, the loss history).
 */
final class Checkpoints implements AutoCloseable {
    static final String WEIGHTS = "weights.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "trainer_state.json";
    static final String PREFIX = "checkpoint-";
    /** Checkpoints kept: the newest ones. */
    static final int KEEP = 2;
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    private static final String LOCK = ".kumiki-train-lock";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private Checkpoints(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Opens (creating) the checkpoints folder, takes its lock and deletes what killed runs left half-written.
     *
     * @throws TrainingException when another run holds the folder
     */
    static Checkpoints open(Path dir) throws TrainingException, IOException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TrainingException("cannot create the checkpoints folder " + dir + ": " + OutputFolder.describe(e));
        }
        FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ByteBuffer b = ByteBuffer.allocate(32);
            channel.read(b, 0);
            channel.close();
            String holder = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
            throw new TrainingException("the checkpoints folder " + dir + " is in use by another training run"
                    + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; wait for it to finish, or give this run "
                    + "another checkpoints folder");
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        Checkpoints c = new Checkpoints(dir, channel, lock);
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, ".checkpoint-*")) {
            for (Path p : s) {
                deleteTree(p);
            }
        }
        return c;
    }

    Path dir() {
        return dir;
    }

    /** The complete checkpoints, newest first. */
    List<Path> complete() throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path p : s) {
                if (NAME.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p.resolve(STATE))) {
                    found.add(p);
                }
            }
        }
        found.sort(Comparator.comparingInt(Checkpoints::step).reversed());
        return found;
    }

    /** The newest complete checkpoint. */
    Optional<Path> latest() throws IOException {
        List<Path> all = complete();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    static int step(Path checkpoint) {
        Matcher m = NAME.matcher(checkpoint.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * Writes checkpoint {@code step} (temporary folder, then renamed) and deletes all but the newest {@value #KEEP}.
     *
     * @return the checkpoint's folder
     */
    Path write(int step, Map<String, float[]> weights, Map<String, long[]> shapes, Map<String, float[]> first,
            Map<String, float[]> second, ObjectNode state) throws IOException {
        Path temp = dir.resolve("." + PREFIX + step + ".partial-" + ProcessHandle.current().pid());
        deleteTree(temp);
        Files.createDirectories(temp);
        writeTensors(temp.resolve(WEIGHTS), weights, shapes);
        Map<String, float[]> moments = new LinkedHashMap<>();
        Map<String, long[]> momentShapes = new LinkedHashMap<>();
        first.forEach((n, v) -> {
            moments.put("exp_avg." + n, v);
            momentShapes.put("exp_avg." + n, shapes.get(n));
        });
        second.forEach((n, v) -> {
            moments.put("exp_avg_sq." + n, v);
            momentShapes.put("exp_avg_sq." + n, shapes.get(n));
        });
        writeTensors(temp.resolve(OPTIMIZER), moments, momentShapes);
        Files.writeString(temp.resolve(STATE), JSON.writeValueAsString(state), StandardCharsets.UTF_8);
        Path target = dir.resolve(PREFIX + step);
        if (Files.exists(target)) {
            discard(target);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        List<Path> all = complete();
        for (int i = KEEP; i < all.size(); i++) {
            discard(all.get(i));
        }
        return target;
    }

    /** Removes a checkpoint so that no half-deleted folder keeps a checkpoint's name: renamed first, then deleted. */
    private void discard(Path checkpoint) throws IOException {
        Path aside = dir.resolve("." + checkpoint.getFileName() + ".deleting-" + ProcessHandle.current().pid());
        deleteTree(aside);
        Files.move(checkpoint, aside, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(aside);
    }

    static void writeTensors(Path file, Map<String, float[]> tensors, Map<String, long[]> shapes)
            throws IOException {
        List<TensorInfo> infos = new ArrayList<>();
        for (String n : tensors.keySet()) {
            infos.add(new TensorInfo(n, DType.F32, Shape.of(shapes.get(n))));
        }
        try (SafetensorsWriter w = SafetensorsWriter.create(file, infos, Map.of("format", "pt"))) {
            for (Map.Entry<String, float[]> e : tensors.entrySet()) {
                float[] v = e.getValue();
                MemorySegment bytes = MemorySegment.ofArray(new byte[v.length * 4]);
                Kernels.scalar().store(v, 0, v.length, bytes, DType.F32, 0);
                w.write(e.getKey(), 0, bytes);
            }
            w.commit();
        }
    }

    /**
     * Reads float32 tensors of a checkpoint file by name.
     *
     * @throws TrainingException when the file is unreadable or a tensor is missing or has another size
     */
    static Map<String, float[]> readTensors(Path file, Map<String, Long> expected) throws TrainingException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (Map.Entry<String, Long> e : expected.entrySet()) {
                Optional<TensorInfo> info = f.info(e.getKey());
                if (info.isEmpty() || info.get().dtype() != DType.F32
                        || info.get().shape().elements() != e.getValue()) {
                    throw new TrainingException(file + " has " + info.map(i -> "tensor " + e.getKey() + " as "
                            + i.dtype() + " " + i.shape()).orElse("no tensor " + e.getKey()) + ", but this run needs "
                            + e.getValue() + " float32 values for it; the checkpoint belongs to another model: give "
                            + "this run another checkpoints folder, or delete " + file.getParent());
                }
                MappedTensor t = f.tensor(e.getKey());
                float[] v = new float[Math.toIntExact(e.getValue())];
                Kernels.scalar().load(t.data(), DType.F32, 0, v, 0, v.length);
                out.put(e.getKey(), v);
            }
        } catch (IOException e) {
            throw new TrainingException("cannot read the checkpoint file " + file + ": " + OutputFolder.describe(e)
                    + "; delete " + file.getParent() + " to resume from the checkpoint before it");
        }
        return out;
    }

    static JsonNode readState(Path checkpoint) throws TrainingException {
        Path file = checkpoint.resolve(STATE);
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new TrainingException("cannot read " + file + ": " + e.getMessage() + "; delete " + checkpoint
                    + " to resume from the checkpoint before it");
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(root)) {
                for (Path p : s) {
                    deleteTree(p);
                }
            }
        }
        Files.deleteIfExists(root);
    }

    @Override
    public void close() throws IOException {
        if (lockChannel.isOpen()) {
            try {
                lockChannel.truncate(0);
                lock.release();
            } finally {
                lockChannel.close();
            }
        }
    }
}
