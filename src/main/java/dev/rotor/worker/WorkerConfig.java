package dev.rotor.worker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import dev.rotor.config.Settings;

/**
 * The {@code rotor.worker} settings, set by the supervisor for each JVM it starts; nobody sets
 * them by hand. Without a directory the JVM is not supervised and nothing here applies.
 *
 * @param dir       the supervisor's directory: its event pipe, the handover lock, the release files
 *                  ({@code ROTOR_WORKER_DIR}); empty when this JVM runs alone
 * @param slot      this worker's slot, 1 to {@code WORKERS} ({@code ROTOR_WORKER_SLOT}); a
 *                  successor takes its predecessor's slot
 * @param successor whether this JVM was started to take over from a draining one
 *                  ({@code ROTOR_WORKER_SUCCESSOR})
 */
public record WorkerConfig(Optional<Path> dir, int slot, boolean successor) {
    /** The supervisor's pipe for the workers' events, one line each. */
    static final String EVENTS = "events";
    /** Created (exclusively) by the worker that hands over; removed once its successor is ready. */
    static final String LOCK = "handover.lock";

    /**
     * @param s the {@code rotor.worker} node
     * @return validated settings
     */
    public static WorkerConfig from(Settings s) {
        Optional<Path> dir = s.optionalString("dir").map(Path::of);
        if (dir.isPresent() && !Files.isDirectory(dir.get())) {
            throw s.invalid("dir", "is not a directory: " + dir.get() + " (it is set by the supervisor, "
                    + "deploy/image/workers.sh, for the JVMs it starts)");
        }
        return new WorkerConfig(dir, s.integer("slot", 0, 64), s.bool("successor"));
    }

    /** @return whether a supervisor runs this JVM as one of its workers */
    public boolean supervised() {
        return dir.isPresent();
    }
}
