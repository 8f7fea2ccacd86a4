package dev.rotor.departure;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

import dev.rotor.lifecycle.Durations;
import dev.rotor.lifecycle.ReplicaLifecycle;
import dev.rotor.lifecycle.RotationCause;

/**
 * How an expired replica leaves, decided once from the exit mode: the one place that reads it
 * ({@link DepartureConfig}). A new exit mode is a constant in {@link ExitMode}, its words in
 * {@link DepartureConfig#leaving()} and a branch in {@link #leave}.
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
public final class Departure implements AutoCloseable {
    /** Kubernetes resets a container's restart back-off only after it ran this long. */
    static final Duration BACKOFF_RESET = Duration.ofMinutes(10);
    private static final System.Logger LOG = System.getLogger(Departure.class.getName());

    private final DepartureConfig config;
    private final ReplicaLifecycle lifecycle;
    private final Optional<Evictor> evictor;
    private final Runnable stopAll;
    private final IntConsumer exit;
    private final List<Runnable> beforeRestart = new CopyOnWriteArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private volatile boolean backoffRisk;

    /**
     * @param config    the exit mode and, for eviction, the Kubernetes API
     * @param lifecycle the replica that leaves
     * @param stopAll   stops the server and closes every part, in reverse order of creation
     * @param exit      ends the process with a status ({@code System::exit} in production)
     */
    public Departure(DepartureConfig config, ReplicaLifecycle lifecycle, Runnable stopAll, IntConsumer exit) {
        this.config = config;
        this.lifecycle = lifecycle;
        this.evictor = config.mode() == ExitMode.EVICT ? Optional.of(new Evictor(config.kubernetes())) : Optional.empty();
        this.stopAll = stopAll;
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
     * Leave, now that the lifecycle expired.
     *
     * @param expiry why and how the drain ended
     */
    public void leave(ReplicaLifecycle.Expiry expiry) {
        if (expiry.cause() == RotationCause.SIGNAL) {
            stop(0);
            return;
        }
        // a switch expression: a new exit mode does not compile until it says how it leaves
        Runnable leaving = switch (config.mode()) {
            case LIVENESS -> () -> Thread.ofVirtual().name("rotor-before-restart")
                    .start(() -> beforeRestart.forEach(Runnable::run));
            case EVICT -> this::evict; // Kubernetes deletes the pod (SIGTERM follows) or liveness goes down
            case EXIT -> () -> stop(config.exitCode());
        };
        leaving.run();
    }

    /**
     * The drain started: in liveness mode, a replica that rotates before Kubernetes resets its
     * restart back-off is headed for CrashLoopBackOff; say so once, with the numbers that avoid it.
     *
     * @param cause why it drains
     */
    public void drainStarted(RotationCause cause) {
        Duration age = lifecycle.age();
        if (config.mode() != ExitMode.LIVENESS || cause == RotationCause.SIGNAL || age.compareTo(BACKOFF_RESET) >= 0) {
            return;
        }
        backoffRisk = true;
        double rate = lifecycle.served() / Math.max(1.0, age.toMillis() / 1000.0);
        long quotaFor10m = (long) Math.ceil(rate * BACKOFF_RESET.toSeconds());
        LOG.log(Level.WARNING, String.format(Locale.ROOT,
                "replica %s rotates after %s (%d requests at %.1f req/s, cause %s): Kubernetes backs off restarts "
                        + "of containers that ran under 10 minutes (10 s doubling to 5 min, CrashLoopBackOff). "
                        + "Avoid it with ROTOR_MIN_LIFETIME=PT10M, ROTOR_MAX_REQUESTS of at least %d at this rate, "
                        + "or ROTOR_EXIT_MODE=evict",
                lifecycle.id(), Durations.human(age), lifecycle.served(), rate,
                cause.name().toLowerCase(Locale.ROOT), quotaFor10m));
    }

    /** @return whether this replica's rotation will meet Kubernetes' restart back-off */
    public boolean backoffRisk() {
        return backoffRisk;
    }

    /** @return the self-evictor, in evict mode */
    public Optional<Evictor> evictor() {
        return evictor;
    }

    /** @return the exit mode as operators write it ({@code /observe/replica} shows it) */
    public String mode() {
        return config.modeName();
    }

    /**
     * Leave by self-eviction: ask the API, and fail liveness when it refuses. Once the API
     * accepts, the fleet slot is released (it stays taken for the lease hold).
     */
    private void evict() {
        Evictor e = evictor.orElseThrow();
        Thread.ofPlatform().name("rotor-evict").start(() -> {
            try {
                if (e.evict() == Evictor.Outcome.REFUSED) {
                    lifecycle.failLiveness("self-eviction refused");
                } else {
                    // Kubernetes deletes the pod and its ReplicaSet starts the replacement now,
                    // not when this pod exits: the fleet slot is held for the replacement's start
                    // from here, not after the preStop pause and the shutdown drain as well
                    lifecycle.gate().release();
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void stop(int status) {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        // not on the (daemon) ticker thread: closing shuts the ticker down, and a daemon thread
        // would let the JVM end with status 0 once the server threads are gone
        Thread.ofPlatform().name("rotor-exit").daemon(false).start(() -> {
            stopAll.run();
            LOG.log(Level.INFO, "replica " + lifecycle.id() + " stopped after " + lifecycle.served()
                    + " requests; exit status " + status);
            for (var handler : java.util.logging.Logger.getLogger("").getHandlers()) {
                handler.flush();
            }
            exit.accept(status);
        });
    }

    @Override
    public void close() {
        evictor.ifPresent(Evictor::close);
    }
}
