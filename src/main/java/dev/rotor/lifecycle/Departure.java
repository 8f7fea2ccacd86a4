package dev.rotor.lifecycle;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

/**
 * How an expired replica leaves, decided once from the exit mode: the one place that knows.
 * <ul>
 *     <li>{@code liveness}: liveness turns 503 ({@link ReplicaLifecycle#live()}) and the
 *     orchestrator restarts the container, perhaps without a SIGTERM this process gets to
 *     handle, so the {@linkplain #beforeRestart hooks} (write what Redis lacks) run now;</li>
 *     <li>{@code exit}: stop the server, close every part in reverse order, exit with the
 *     configured status (compose and Render restart a process that exits);</li>
 *     <li>{@code evict}: ask the Kubernetes Eviction API; a refusal turns liveness down.</li>
 * </ul>
 * A stop signal always stops and exits 0, whatever the mode.
 */
public final class Departure {
    private static final System.Logger LOG = System.getLogger(Departure.class.getName());

    private final ExitMode mode;
    private final int exitCode;
    private final Rotation rotation;
    private final Runnable closeAll;
    private final IntConsumer exit;
    private final List<Runnable> beforeRestart = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * @param rotation the rotation (its lifecycle, its evictor in evict mode)
     * @param closeAll stops the server and closes every part, in reverse order of creation
     * @param exit     ends the process with a status ({@code System::exit} in production)
     */
    public Departure(Rotation rotation, Runnable closeAll, IntConsumer exit) {
        this.rotation = rotation;
        this.mode = rotation.lifecycle().config().exitMode();
        this.exitCode = rotation.lifecycle().config().exitCode();
        this.closeAll = closeAll;
        this.exit = exit;
    }

    /**
     * @param hook work for the moment the orchestrator may kill the process without warning
     *             (liveness mode), such as writing what a shared store lacks
     */
    public void beforeRestart(Runnable hook) {
        beforeRestart.add(hook);
    }

    /**
     * @param mode     the exit mode
     * @param exitCode the status in exit mode
     * @return how the log says the replica leaves
     */
    static String describe(ExitMode mode, int exitCode) {
        return switch (mode) {
            case LIVENESS -> "liveness down, the orchestrator restarts it";
            case EXIT -> "stopping and exiting with code " + exitCode;
            case EVICT -> "asking Kubernetes to evict the pod";
        };
    }

    /**
     * Leave, now that the lifecycle expired.
     *
     * @param expiry why and how the drain ended
     */
    public void leave(ReplicaLifecycle.Expiry expiry) {
        if (expiry.cause() == RotationCause.SIGNAL) {
            stop(0);
            return;
        }
        switch (mode) {
        case LIVENESS -> Thread.ofVirtual().name("rotor-before-restart").start(() -> beforeRestart.forEach(Runnable::run));
        case EVICT -> rotation.evict(); // Kubernetes deletes the pod (SIGTERM follows) or liveness goes down
        case EXIT -> stop(exitCode);
        default -> throw new IllegalStateException(mode.name());
        }
    }

    private void stop(int status) {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        ReplicaLifecycle lifecycle = rotation.lifecycle();
        // not on the (daemon) ticker thread: closing shuts the ticker down, and a daemon thread
        // would let the JVM end with status 0 once the server threads are gone
        Thread.ofPlatform().name("rotor-exit").daemon(false).start(() -> {
            closeAll.run();
            rotation.afterServing();
            LOG.log(Level.INFO, "replica " + lifecycle.id() + " stopped after " + lifecycle.served()
                    + " requests; exit status " + status);
            for (var handler : java.util.logging.Logger.getLogger("").getHandlers()) {
                handler.flush();
            }
            exit.accept(status);
        });
    }
}
