package dev.rotor.worker;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.rotor.lifecycle.Handover;
import dev.rotor.lifecycle.RotationCause;
import dev.rotor.lifecycle.RotationGate;

/**
 * A supervised worker's side of the handover ({@link Handover}), through the supervisor's
 * directory:
 * <ul>
 *     <li>{@code draining.<pid>}: created when this worker's drain starts (the supervisor starts a
 *     successor in its slot), and {@code ready.<pid>} once it serves (the supervisor then
 *     releases the predecessor of that slot). Files, not messages: the supervisor looks at them
 *     on every turn of its loop, so nothing is lost if a wake-up is;</li>
 *     <li>{@code events}: a pipe the supervisor waits on; a line there wakes it at once instead of
 *     at its next turn (a fifth of a second);</li>
 *     <li>{@code released.<pid>}: written by the supervisor when this worker's successor is
 *     ready; this worker then stops accepting;</li>
 *     <li>{@code handover.lock}: taken exclusively (create-new) by the worker that starts a
 *     handover, so that the container's workers never drain together; given back when the
 *     worker leaves (its successor ready by then), and removed by the supervisor when the
 *     holder dies instead.</li>
 * </ul>
 * A wake-up line is shorter than {@code PIPE_BUF}, so lines from several workers never interleave.
 */
public final class WorkerHandover implements Handover {
    private static final System.Logger LOG = System.getLogger(WorkerHandover.class.getName());

    private final WorkerConfig config;
    private final Path dir;
    private final long pid;
    private final Path released;
    private final Path lock;
    private volatile boolean lockHeld;

    /**
     * @param config the worker settings, {@linkplain WorkerConfig#supervised() supervised}
     * @param pid    this process's id (the supervisor knows its workers by it)
     */
    public WorkerHandover(WorkerConfig config, long pid) {
        this.config = config;
        this.dir = config.dir().orElseThrow(() -> new IllegalArgumentException("not a supervised worker"));
        this.pid = pid;
        this.released = dir.resolve("released." + pid);
        this.lock = dir.resolve(WorkerConfig.LOCK);
    }

    @Override
    public boolean inPlace() {
        return true;
    }

    @Override
    public boolean successor() {
        return config.successor();
    }

    @Override
    public void drainStarted() {
        mark("draining");
    }

    @Override
    public boolean takenOver() {
        return Files.exists(released);
    }

    @Override
    public void serving() {
        mark("ready");
    }

    /** @return the container's gate: one worker hands over at a time */
    public RotationGate lock() {
        return new RotationGate() {
            @Override
            public boolean tryAcquire(RotationCause cause) {
                if (lockHeld) {
                    return true;
                }
                try {
                    Files.writeString(lock, pid + "\n", StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    lockHeld = true;
                    return true;
                } catch (FileAlreadyExistsException e) {
                    return false;
                } catch (IOException e) {
                    // a directory the supervisor removed (it is stopping): do not block the drain
                    LOG.log(Level.WARNING, "worker " + pid + " cannot take the handover lock " + lock + ": " + e.getMessage()
                            + "; handing over without it");
                    return true;
                }
            }

            @Override
            public void release() {
                if (!lockHeld) {
                    return;
                }
                lockHeld = false;
                try {
                    Files.deleteIfExists(lock);
                } catch (IOException e) {
                    LOG.log(Level.DEBUG, "handover lock already gone: " + e.getMessage());
                }
            }
        };
    }

    /**
     * Leave the mark the supervisor looks for, then wake it up. On a virtual thread: the pipe is
     * held open for reading and writing by the supervisor, so opening it never blocks while the
     * supervisor lives, but a vanished supervisor must not stall the lifecycle's ticker.
     */
    private void mark(String event) {
        Path mark = dir.resolve(event + "." + pid);
        Path pipe = dir.resolve(WorkerConfig.EVENTS);
        byte[] line = (event + " " + pid + " " + config.slot() + "\n").getBytes(StandardCharsets.US_ASCII);
        Thread.ofVirtual().name("rotor-worker-event").start(() -> {
            try {
                Files.write(mark, line);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "worker " + pid + " could not leave '" + event + "' for the supervisor in " + dir
                        + ": " + e.getMessage());
                return;
            }
            try (OutputStream out = Files.newOutputStream(pipe, StandardOpenOption.WRITE)) {
                out.write(line);
            } catch (NoSuchFileException e) {
                LOG.log(Level.WARNING, "worker " + pid + ": the supervisor's pipe " + pipe + " is gone");
            } catch (IOException e) {
                // the supervisor finds the mark on its next turn all the same
                LOG.log(Level.DEBUG, "worker " + pid + ": no wake-up for the supervisor: " + e.getMessage());
            }
        });
    }
}
