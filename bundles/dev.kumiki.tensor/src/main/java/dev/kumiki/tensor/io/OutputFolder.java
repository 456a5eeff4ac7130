package dev.kumiki.tensor.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A model folder being written as a whole: the new model goes into a hidden staging folder beside the output
 * ({@code .NAME.kumiki-staging-RANDOM}, on the same file system), and {@link #commit()} swaps it in. Whatever
 * happens — an error, Ctrl-C, SIGTERM, {@code kill -9}, a full disk — what is found under the output's name is the
 * complete old model or the complete new one (or nothing when there was none), never a mix.
 *
 * <p>Rules, shared by every command that writes a model ({@code kumiki merge}, SaveModel, {@code make-model}):
 * <ul>
 * <li>The output must not be, contain or lie inside one of the inputs.</li>
 * <li>An existing output is replaced only when it is empty or Kumiki wrote it: Kumiki leaves a {@value #MARKER}
 * file in every folder it writes (folders written before the marker existed are recognised by the model card and
 * recipe Kumiki writes). Anything else is refused, so that no user file is ever deleted.</li>
 * <li>One writer at a time: a lock file {@code .NAME.kumiki-lock} beside the output, locked with
 * {@link FileChannel#tryLock()} (released by the kernel when the process dies), names the process holding it. The
 * empty file stays when the write is done.</li>
 * <li>The swap is one {@code renameat2(RENAME_EXCHANGE)} on Linux, atomic. Where that is not available, the old
 * folder is renamed aside ({@code .NAME.kumiki-old-RANDOM}) and the staging folder renamed to the output; if the
 * process dies between the two, the next writer of the same output (holding the lock) renames the old folder back
 * before anything else.</li>
 * <li>Leftover staging and aside folders of dead processes are deleted by the next writer of the same output.</li>
 * <li>A JVM shutdown (Ctrl-C, SIGTERM) deletes the staging folders of writes that have not committed.</li>
 * </ul>
 * {@snippet :
 * try (OutputFolder out = OutputFolder.begin(Path.of("merged"), List.of(inputA, inputB))) {
 *     writeModelInto(out.staging());
 *     out.commit();
 * }
 * }
 */
public final class OutputFolder implements AutoCloseable {
    /** The file Kumiki writes into each model folder it creates. */
    public static final String MARKER = ".kumiki-output";

    private static final String MARKER_TEXT = """
            This folder was written by Kumiki. When Kumiki writes a model to this folder again it replaces the whole
            folder (files added here are deleted then). Delete this file to keep Kumiki from replacing the folder.
            """;
    private static final String STAGING = ".kumiki-staging-";
    private static final String ASIDE = ".kumiki-old-";
    private static final String LOCK = ".kumiki-lock";

    /** Writes of this JVM: a second writer of the same output in this process gets a clear message, not a lock error. */
    private static final Set<Path> WRITING = ConcurrentHashMap.newKeySet();
    /** Writes not committed yet, whose staging folders a shutdown deletes. */
    private static final Set<OutputFolder> OPEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (OutputFolder f : OPEN) {
                f.abort();
            }
        }, "kumiki-output-cleanup"));
    }

    private enum State { WRITING, COMMITTED, ABORTED }

    private final Path out;
    private final Path staging;
    private final Path lockFile;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private State state = State.WRITING;

    private OutputFolder(Path out, Path staging, Path lockFile, FileChannel lockChannel, FileLock lock) {
        this.out = out;
        this.staging = staging;
        this.lockFile = lockFile;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Why {@code out} cannot receive a model, if it cannot: a file, or a non-empty folder Kumiki did not write, or an
     * input. For checks before a run (validation); {@link #begin} makes the same checks.
     */
    public static Optional<String> problem(Path out, Collection<Path> inputs) {
        Path target = out.toAbsolutePath().normalize();
        for (Path in : inputs) {
            Path input = in.toAbsolutePath().normalize();
            if (target.equals(input)) {
                return Optional.of("the output folder " + out + " is also an input (" + in + "); write the model to "
                        + "another folder");
            }
            if (input.startsWith(target)) {
                return Optional.of("the output folder " + out + " contains an input (" + in + "), which replacing "
                        + "it would delete; write the model to another folder");
            }
            if (target.startsWith(input)) {
                return Optional.of("the output folder " + out + " is inside an input (" + in + "); write the model "
                        + "to another folder");
            }
        }
        if (Files.exists(target) && !Files.isDirectory(target)) {
            return Optional.of(out + " is an existing file, not a folder; a model is written as a folder: give "
                    + "another path");
        }
        try {
            if (Files.isDirectory(target) && !isEmpty(target) && !writtenByKumiki(target)) {
                return Optional.of(out + " is not empty and was not written by Kumiki (it has no " + MARKER
                        + " file); Kumiki replaces only folders it wrote, so nothing of yours is deleted. Give a new or "
                        + "empty folder, or move the files away first");
            }
        } catch (IOException e) {
            return Optional.of("cannot read the output folder " + out + ": " + describe(e));
        }
        return Optional.empty();
    }

    /** Whether {@code dir} holds a model Kumiki wrote: its marker, or (older versions) its model card and recipe. */
    public static boolean writtenByKumiki(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve(MARKER))) {
            return true;
        }
        Path card = dir.resolve("README.md");
        return Files.isRegularFile(dir.resolve("mergekit_config.yml")) && Files.isRegularFile(card)
                && Files.size(card) < 10_000_000 && Files.readString(card).contains("made with Kumiki");
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /**
     * Starts writing a model to {@code out}: checks it ({@link #problem}), takes its lock, repairs and cleans what a
     * dead writer left, and creates the staging folder.
     *
     * @param inputs the folders the new model is read from
     * @throws IllegalArgumentException when the output cannot be written (the message says why and what to do)
     * @throws IOException              when the file system fails, naming the path
     */
    public static OutputFolder begin(Path out, Collection<Path> inputs) throws IOException {
        Path target = out.toAbsolutePath().normalize();
        if (target.getParent() == null || target.getFileName() == null) {
            throw new IllegalArgumentException("cannot write a model to " + out + "; give a folder below it");
        }
        Optional<String> early = problem(out, inputs);
        if (early.isPresent()) {
            throw new IllegalArgumentException(early.get());
        }
        Path parent = target.getParent();
        try {
            Files.createDirectories(parent);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalArgumentException(parent + " is a file, so the output folder " + out
                    + " cannot be created in it");
        } catch (IOException e) {
            throw new IOException("cannot create " + parent + " for the output " + out + ": " + describe(e), e);
        }
        String name = target.getFileName().toString();
        Path lockFile = parent.resolve("." + name + LOCK);
        if (!WRITING.add(target)) {
            throw new IllegalArgumentException(out + " is being written by another run in this Kumiki process (pid "
                    + ProcessHandle.current().pid() + "); wait for it or choose another folder");
        }
        FileChannel channel = null;
        try {
            // the lock file stays: deleting it would let two writers lock two different files of the same name; and
            // it is never opened a second time by this process, as closing any descriptor of a file drops the
            // process's POSIX locks on it
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = readHolder(channel);
                throw new IllegalArgumentException(out + " is being written by another Kumiki process"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; wait for it or choose another "
                        + "folder");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            recover(target, parent, name);
            // checked again under the lock: another writer may have changed the folder meanwhile
            Optional<String> late = problem(out, inputs);
            if (late.isPresent()) {
                throw new IllegalArgumentException(late.get());
            }
            Path staging = parent.resolve("." + name + STAGING + random());
            Files.createDirectory(staging);
            OutputFolder folder = new OutputFolder(target, staging, lockFile, channel, lock);
            OPEN.add(folder);
            return folder;
        } catch (IOException | RuntimeException e) {
            if (channel != null && channel.isOpen()) {
                channel.close();
            }
            WRITING.remove(target);
            if (e instanceof FileSystemException fs && !(e instanceof NoSuchFileException)) {
                throw new IOException("cannot prepare the output " + out + ": " + describe(fs), fs);
            }
            throw e;
        }
    }

    /**
     * The pid the lock's holder wrote. It writes it just after taking the lock, so a process refused in between reads
     * nothing yet (or the pid of an earlier holder, no longer running): it looks again for up to a second, until it
     * reads a pid of a running process.
     */
    private static String readHolder(FileChannel channel) {
        long deadline = System.nanoTime() + 1_000_000_000L;
        String pid = pidIn(channel);
        while (!running(pid) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            pid = pidIn(channel);
        }
        return pid;
    }

    private static String pidIn(FileChannel channel) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            channel.read(b, 0);
            String text = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
            return text.contains(" ") ? text.substring(0, text.indexOf(' ')) : text;
        } catch (IOException e) {
            return "";
        }
    }

    private static boolean running(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String random() {
        byte[] b = new byte[6];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Under the lock, no other process writes this output: an aside folder means a swap was cut between its two
     * renames (the old model goes back if the output is missing); staging folders are leftovers of dead writers.
     */
    private static void recover(Path target, Path parent, String name) throws IOException {
        List<Path> staging = new ArrayList<>();
        List<Path> aside = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(parent, "." + name + ".kumiki-*")) {
            for (Path p : s) {
                String f = p.getFileName().toString();
                if (f.startsWith("." + name + STAGING)) {
                    staging.add(p);
                } else if (f.startsWith("." + name + ASIDE)) {
                    aside.add(p);
                }
            }
        }
        if (!Files.exists(target) && !aside.isEmpty()) {
            Files.move(aside.remove(0), target, StandardCopyOption.ATOMIC_MOVE);
        }
        for (Path p : staging) {
            deleteTree(p);
        }
        for (Path p : aside) {
            deleteTree(p);
        }
    }

    /** The output folder as given to {@link #begin} (absolute). */
    public Path target() {
        return out;
    }

    /** The folder to write the model into; it becomes the output at {@link #commit()}. */
    public Path staging() {
        return staging;
    }

    /**
     * Makes the staged model the output: writes the marker, flushes every file to disk, swaps it in and deletes the
     * old model.
     *
     * @throws java.util.concurrent.CancellationException when the JVM is shutting down and the staging is gone
     */
    public void commit() throws IOException {
        synchronized (this) {
            if (state == State.ABORTED) {
                throw new java.util.concurrent.CancellationException("the write to " + out + " was cancelled");
            }
            if (state == State.COMMITTED) {
                return;
            }
            try {
                Files.writeString(staging.resolve(MARKER), MARKER_TEXT, StandardCharsets.UTF_8);
                syncTree(staging);
                Path old = null;
                if (Files.exists(out)) {
                    if (!exchange(staging, out)) {
                        old = out.resolveSibling("." + out.getFileName() + ASIDE + random());
                        Files.move(out, old, StandardCopyOption.ATOMIC_MOVE);
                        Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
                    } else {
                        old = staging; // the exchange left the old model under the staging name
                    }
                } else {
                    Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
                }
                syncDirectory(out.getParent());
                state = State.COMMITTED;
                if (old != null) {
                    deleteTree(old);
                }
            } catch (FileSystemException e) {
                throw new IOException("cannot write the model to " + out + ": " + describe(e), e);
            }
        }
    }

    /** Deletes the staging folder unless committed, and releases the output. */
    @Override
    public void close() throws IOException {
        try {
            synchronized (this) {
                if (state == State.WRITING) {
                    state = State.ABORTED;
                    deleteTree(staging);
                }
            }
        } finally {
            OPEN.remove(this);
            release();
        }
    }

    /** At JVM shutdown: the staging folder goes (a commit in progress is let finish first). */
    void abort() {
        synchronized (this) {
            if (state == State.WRITING) {
                state = State.ABORTED;
                removeWhileWritten(staging);
            }
        }
        try {
            release();
        } catch (IOException e) {
            // the kernel releases the lock when the process ends
        }
    }

    /**
     * Deletes a staging folder that the writing thread may still be filling: shutdown hooks run beside it, so a file
     * it adds or renames between the listing and the removal of the folder would keep the folder. The folder is
     * renamed first (the writer's later paths then fail; the new name is still a staging name, which the next writer
     * cleans if this fails), and removal is retried a few times, also in case the writer created the folder again.
     */
    private static void removeWhileWritten(Path staging) {
        Path moved = staging.resolveSibling(staging.getFileName() + "-aborted");
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                deleteTree(moved);
                if (Files.exists(staging, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(staging, moved, StandardCopyOption.ATOMIC_MOVE);
                    deleteTree(moved);
                }
                if (!Files.exists(staging, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    return;
                }
            } catch (IOException e) {
                // a file appeared meanwhile: try again
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // the next writer of this output deletes what is left
            }
        }
    }

    private synchronized void release() throws IOException {
        if (lockChannel.isOpen()) {
            try {
                lockChannel.truncate(0);
                lock.release();
            } finally {
                lockChannel.close();
                WRITING.remove(out);
            }
        }
    }

    /** An I/O error in words, with the path it is about and what to do when the disk is full. */
    public static String describe(IOException e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof FileSystemException fs) {
            reason = Objects.requireNonNullElse(fs.getReason(), e.getClass().getSimpleName());
            String file = fs.getFile();
            if (e instanceof NoSuchFileException) {
                reason = file + ": no such file or folder";
            } else if (e instanceof AccessDeniedException) {
                reason = file + ": permission denied";
            } else if (e instanceof FileAlreadyExistsException) {
                reason = file + " already exists";
            } else if (file != null) {
                reason = file + (fs.getOtherFile() != null ? " -> " + fs.getOtherFile() : "") + ": " + reason;
            }
        }
        if (reason.contains("No space left on device")) {
            reason += " (the disk is full: free some space or write to another disk)";
        }
        return reason;
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Flushes every file of the staged model and the folder itself, so that the swap publishes data on disk. */
    private static void syncTree(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        c.force(true);
                    }
                }
            }
        }
        syncDirectory(dir);
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            // not every file system lets a folder be flushed; the renames are still ordered after the data
        }
    }

    // renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE): swaps two folders in one step on Linux
    private static final int AT_FDCWD = -100;
    private static final int RENAME_EXCHANGE = 2;
    private static final MethodHandle RENAMEAT2 = renameat2();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private static MethodHandle renameat2() {
        try {
            if (!System.getProperty("os.name", "").startsWith("Linux")) {
                return null;
            }
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("renameat2").map(address -> linker.downcallHandle(address,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                    Linker.Option.captureCallState("errno"))).orElse(null);
        } catch (RuntimeException | Error e) {
            return null; // no native access: two renames, recovered by the next writer if cut between them
        }
    }

    /** Swaps {@code a} and {@code b} atomically; false when the system cannot (then nothing changed). */
    static boolean exchange(Path a, Path b) throws IOException {
        if (RENAMEAT2 == null || Boolean.getBoolean("kumiki.output.noExchange")) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) RENAMEAT2.invokeExact(state, AT_FDCWD, arena.allocateFrom(a.toString()), AT_FDCWD,
                    arena.allocateFrom(b.toString()), RENAME_EXCHANGE);
            if (r == 0) {
                return true;
            }
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == 22 || errno == 38 || errno == 95) { // EINVAL, ENOSYS, EOPNOTSUPP: not on this file system
                return false;
            }
            throw new FileSystemException(a.toString(), b.toString(), "renameat2 failed with errno " + errno);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
