package dev.rotor.lifecycle;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The state machine of one replica: {@code STARTING -> SERVING -> DRAINING -> EXPIRED}.
 *
 * <p>Requests are counted with {@link #requestStarted()} and {@link #requestFinished()}; time
 * advances through {@link #tick()}, which a scheduler calls a few times a second and tests call
 * after moving their clock. A quota reached before the minimum lifetime waits for it. A drain
 * ends once its period has passed and nothing is in flight, or when the drain timeout is hit;
 * the expiry listener then decides how the replica leaves. State changes are logged once each,
 * with the numbers.
 */
public final class ReplicaLifecycle {
    private static final System.Logger LOG = System.getLogger(ReplicaLifecycle.class.getName());
    /** Room for 16 million requests in flight (the connection cap is far lower), 2^40 served. */
    private static final int IN_FLIGHT_BITS = 24;
    private static final long IN_FLIGHT_MASK = (1L << IN_FLIGHT_BITS) - 1;
    private static final long ONE_SERVED = 1L << IN_FLIGHT_BITS;
    private static final long ONE_SERVED_ONE_IN_FLIGHT = ONE_SERVED + 1;

    private final String id;
    private final LifecycleConfig config;
    private final long quota;
    private final TriggerPolicy policy;
    private final Leaving leaving;
    private final Handover handover;
    private final LongSupplier nanoClock;
    private final Clock wallClock;
    private final long bornNanos;
    /**
     * Requests served and those in flight that count themselves, in one word: served above
     * {@link #IN_FLIGHT_BITS}, in flight below, so that one write counts a request both ways
     * (on a small machine every core writes this word, and each write moves its cache line
     * between cores). A request admission let in adds to served only: its permit counts it in
     * flight ({@link #countPermits}).
     */
    private final AtomicLong counts = new AtomicLong();
    /** Requests in flight that their admission permits count ({@link #countPermits}); null = none. */
    private volatile IntSupplier permitsHeld;
    private final ReentrantLock lock = new ReentrantLock();

    private volatile ReplicaState state = ReplicaState.STARTING;
    private volatile Instant stateSince;
    private volatile RotationCause cause;
    private volatile long drainStartNanos;
    private volatile long drainEndNanos;
    private volatile Duration drainPeriod;
    private volatile boolean livenessFailed;
    private final List<Consumer<RotationCause>> drainListeners = new CopyOnWriteArrayList<>();
    private volatile Consumer<Expiry> expiryListener = expiry -> { };

    /**
     * A replica behind a load balancer, with no fleet lease (tests and tools).
     *
     * @param id        replica id used in logs
     * @param config    lifecycle settings
     * @param triggers  every trigger, the quota's included ({@link Triggers})
     * @param leaving   how it leaves once expired, as departure tells it
     * @param nanoClock monotonic clock ({@link System#nanoTime} in production)
     * @param wallClock wall clock for the times shown to people
     */
    public ReplicaLifecycle(String id, LifecycleConfig config, Triggers triggers, Leaving leaving, LongSupplier nanoClock,
                            Clock wallClock) {
        this(id, config, triggers, leaving, RotationGate.OPEN, Handover.NONE, nanoClock, wallClock);
    }

    /**
     * @param id        replica id used in logs
     * @param config    lifecycle settings
     * @param triggers  every trigger, the quota's included ({@link Triggers})
     * @param leaving   how it leaves once expired, as departure tells it
     * @param gate      admits the replica into draining (fleet lease, the container's handover lock)
     * @param handover  who takes over when it drains: the load balancer, or a successor in place
     * @param nanoClock monotonic clock
     * @param wallClock wall clock for the times shown to people
     */
    public ReplicaLifecycle(String id, LifecycleConfig config, Triggers triggers, Leaving leaving, RotationGate gate,
                            Handover handover, LongSupplier nanoClock, Clock wallClock) {
        this(id, config, triggers, leaving, gate, handover, Duration.ZERO, nanoClock, wallClock);
    }

    /**
     * @param id        replica id used in logs
     * @param config    lifecycle settings
     * @param triggers  every trigger, the quota's included ({@link Triggers})
     * @param leaving   how it leaves once expired, as departure tells it
     * @param gate      admits the replica into draining (fleet lease, the container's handover lock)
     * @param handover  who takes over when it drains: the load balancer, or a successor in place
     * @param startedAgo how long the process had run when this lifecycle was built (the JVM's
     *                  uptime): the replica's age, and so its minimum and maximum lifetime, counts
     *                  from the process's start, as the orchestrators count a container's run time
     *                  (Kubernetes resets its restart back-off after 10 minutes of it, Docker after
     *                  10 s). Under load the lifecycle was built 1-3.5 s after the JVM started,
     *                  and counting from then lengthened every rotation by that much
     * @param nanoClock monotonic clock
     * @param wallClock wall clock for the times shown to people
     */
    public ReplicaLifecycle(String id, LifecycleConfig config, Triggers triggers, Leaving leaving, RotationGate gate,
                            Handover handover, Duration startedAgo, LongSupplier nanoClock, Clock wallClock) {
        this.id = id;
        this.handover = handover;
        this.config = config;
        this.quota = triggers.quota();
        this.leaving = leaving;
        this.policy = new TriggerPolicy(id, config, triggers, gate, nanoClock);
        this.nanoClock = nanoClock;
        this.wallClock = wallClock;
        this.bornNanos = nanoClock.getAsLong() - startedAgo.toNanos();
        this.stateSince = wallClock.instant();
    }

    /**
     * What the expiry listener is told.
     *
     * @param cause    why the replica drained
     * @param timedOut whether the drain timeout cut it short
     * @param inFlight requests still in flight at expiry
     */
    public record Expiry(RotationCause cause, boolean timedOut, int inFlight) {
    }

    /**
     * @param listener called once, outside any lock, when the replica expires
     */
    public void onExpiry(Consumer<Expiry> listener) {
        this.expiryListener = listener;
    }

    /**
     * @param listener called once, outside any lock, when draining starts (leak report, back-off
     *                 warning), after the listeners added before it
     */
    public void onDrain(Consumer<RotationCause> listener) {
        drainListeners.add(listener);
    }

    /**
     * The server, pools and checks are up: start serving and counting.
     */
    public void serving() {
        boolean nowServing = false;
        lock.lock();
        try {
            if (state == ReplicaState.STARTING) {
                nowServing = true;
                moveTo(ReplicaState.SERVING);
                LOG.log(Level.INFO, "replica " + id + " serving " + Durations.human(Duration.ofMillis(
                        java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime())) + " after JVM start: quota "
                        + (quota == 0 ? "off" : quota + " requests (" + config.quotaRange() + ")")
                        + ", min lifetime " + config.minLifetime() + ", drain " + config.drainPeriod()
                        + " (timeout " + config.drainTimeout() + "), exit mode " + leaving.mode()
                        + (handover.inPlace() ? ", replaced in place by a successor worker" : ""));
            }
        } finally {
            lock.unlock();
        }
        if (nowServing) {
            handover.serving();
        }
    }

    /**
     * A public request arrived: count it toward the quota and as in flight.
     */
    public void requestStarted() {
        counted(counts.addAndGet(ONE_SERVED_ONE_IN_FLIGHT));
    }

    /**
     * A public request admitted with a permit of the admission whose permits this lifecycle
     * counts ({@link #countPermits}): counted toward the quota, and in flight for as long as
     * its permit is held, with no count of its own to undo.
     */
    public void requestAdmitted() {
        counted(counts.addAndGet(ONE_SERVED));
    }

    /** @param c the counts just after a request was counted */
    private void counted(long c) {
        // the request that reaches the quota turns readiness down at once; the ticker handles
        // every later evaluation (minimum lifetime, waiting for a rotation slot)
        if (c >>> IN_FLIGHT_BITS == quota && state == ReplicaState.SERVING) {
            tick();
        }
    }

    /**
     * Count the permits admission holds as requests in flight, rather than counting admitted
     * requests a second time: the permit is what the drain, {@code /observe/replica} and
     * admission's own limit all mean by a request in flight (held until the handler returns
     * or the request deadline gives up on it), and one shared counter per request instead of
     * two keeps each request's writes to counters that every core shares to the permit's.
     *
     * @param held permits held right now
     */
    public void countPermits(IntSupplier held) {
        permitsHeld = held;
    }

    /**
     * A public request finished (its response is written).
     */
    public void requestFinished() {
        counts.decrementAndGet();
    }

    /**
     * Evaluate the time-based transitions: minimum lifetime over, drain complete.
     */
    public void tick() {
        Expiry expiry = null;
        RotationCause drained = null;
        boolean handedOver = false;
        lock.lock();
        try {
            if (state == ReplicaState.SERVING) {
                drained = evaluateTriggers();
            }
            if (state == ReplicaState.DRAINING) {
                expiry = expireIfDrained();
                handedOver = expiry != null && handsOver() && handover.takenOver();
            }
        } finally {
            lock.unlock();
        }
        if (handedOver) {
            // the successor serves in this replica's place: the fleet's slot is free now, not
            // after this process has answered what it accepted, exited and held the slot longer
            policy.gate().handedOver();
        }
        if (drained != null) {
            if (handsOver()) {
                handover.drainStarted();
            }
            for (Consumer<RotationCause> listener : drainListeners) {
                listener.accept(drained);
            }
        }
        if (expiry != null) {
            expiryListener.accept(expiry);
        }
    }

    private RotationCause evaluateTriggers() {
        Optional<TriggerPolicy.Due> due = policy.evaluate(view());
        if (due.isEmpty()) {
            return null;
        }
        startDrain(due.get().cause(), config.drainPeriod());
        LOG.log(due.get().emergency() ? Level.WARNING : Level.INFO, "replica " + id + " " + due.get().reason()
                + (handover.inPlace() ? " handing over: its successor starts now, and this one serves until it is ready"
                : " draining: readiness down for " + drainPeriod));
        return due.get().cause();
    }

    /**
     * The process was asked to stop. Readiness goes down for the shutdown drain period; a drain
     * already under way keeps its start but ends no later than the shutdown period would. An
     * already expired replica is told to leave at once.
     */
    public void terminate() {
        Expiry expiry = null;
        lock.lock();
        try {
            switch (state) {
            case STARTING, SERVING -> {
                startDrain(RotationCause.SIGNAL, config.shutdownDrainPeriod());
                LOG.log(Level.INFO, "replica " + id + " asked to stop after " + served() + " requests in "
                        + Durations.human(age()) + "; draining: readiness down for " + drainPeriod + ", "
                        + inFlight() + " requests in flight");
            }
            case DRAINING -> {
                cause = RotationCause.SIGNAL;
                Duration sinceStart = Duration.ofNanos(nanoClock.getAsLong() - drainStartNanos);
                Duration shorter = sinceStart.plus(config.shutdownDrainPeriod());
                if (shorter.compareTo(drainPeriod) < 0) {
                    drainPeriod = shorter;
                }
                LOG.log(Level.INFO, "replica " + id + " asked to stop while draining; leaving once drained");
            }
            case EXPIRED -> {
                cause = RotationCause.SIGNAL;
                expiry = new Expiry(RotationCause.SIGNAL, false, inFlight());
            }
            default -> throw new IllegalStateException(state.name());
            }
        } finally {
            lock.unlock();
        }
        if (expiry != null) {
            expiryListener.accept(expiry);
        } else {
            tick();
        }
    }

    private void startDrain(RotationCause why, Duration period) {
        cause = why;
        drainPeriod = period;
        drainStartNanos = nanoClock.getAsLong();
        moveTo(ReplicaState.DRAINING);
    }

    private Expiry expireIfDrained() {
        long now = nanoClock.getAsLong();
        Duration draining = Duration.ofNanos(now - drainStartNanos);
        int active = inFlight();
        boolean timedOut = draining.compareTo(config.drainTimeout()) >= 0;
        if (handsOver()) {
            return handOverIfTakenOver(now, draining, active, timedOut);
        }
        boolean periodOver = draining.compareTo(drainPeriod) >= 0;
        if (!(periodOver && active == 0) && !timedOut) {
            return null;
        }
        drainEndNanos = now;
        moveTo(ReplicaState.EXPIRED);
        boolean cut = active > 0;
        String how = cause == RotationCause.SIGNAL ? "stopping" : leaving.how();
        if (cut) {
            LOG.log(Level.WARNING, "replica " + id + " drain timed out after " + Durations.human(draining) + " with " + active
                    + " requests still in flight (" + served() + " served); expired: " + how);
        } else {
            LOG.log(Level.INFO, "replica " + id + " drained in " + Durations.human(draining) + " (" + served()
                    + " served, none in flight); expired: " + how);
        }
        return new Expiry(cause, cut, active);
    }

    /**
     * In place: once the successor is ready this replica stops accepting; what it accepted (the
     * requests in flight, connections whose request is on its way) is answered while its server
     * stops, within the drain timeout (the server's grace period, see RotorFeature).
     */
    private Expiry handOverIfTakenOver(long now, Duration draining, int active, boolean timedOut) {
        boolean takenOver = handover.takenOver();
        if (!takenOver && !timedOut) {
            return null;
        }
        drainEndNanos = now;
        moveTo(ReplicaState.EXPIRED);
        String how = leaving.how();
        if (takenOver) {
            LOG.log(Level.INFO, "replica " + id + " handed over to its successor in " + Durations.human(draining) + " ("
                    + served() + " served, " + active + " in flight finish as it stops accepting); expired: " + how);
        } else {
            LOG.log(Level.WARNING, "replica " + id + " handover timed out after " + Durations.human(draining)
                    + ": no successor became ready (" + served() + " served, " + active
                    + " in flight); expired: " + how);
        }
        return new Expiry(cause, false, active);
    }

    /** @return whether the current drain hands over to a successor in place (not a stop signal) */
    private boolean handsOver() {
        return handover.inPlace() && cause != RotationCause.SIGNAL;
    }

    private void moveTo(ReplicaState next) {
        state = next;
        stateSince = wallClock.instant();
    }

    /** @return what a trigger may see: counts and age, read now */
    public ReplicaView view() {
        long c = counts.get();
        return new ReplicaView(c >>> IN_FLIGHT_BITS, quota, age(), inFlight(c));
    }

    /** @return replica id */
    public String id() {
        return id;
    }

    /** @return current state */
    public ReplicaState state() {
        return state;
    }

    /** @return when the current state was entered */
    public Instant stateSince() {
        return stateSince;
    }

    /** @return public requests counted so far */
    public long served() {
        return counts.get() >>> IN_FLIGHT_BITS;
    }

    /** @return the drawn quota, 0 when off */
    public long quota() {
        return quota;
    }

    /** @return public requests in flight */
    public int inFlight() {
        return inFlight(counts.get());
    }

    private int inFlight(long c) {
        IntSupplier held = permitsHeld;
        return (int) (c & IN_FLIGHT_MASK) + (held == null ? 0 : held.getAsInt());
    }

    /** @return time since the process started (see the constructor's {@code startedAgo}) */
    public Duration age() {
        return Duration.ofNanos(nanoClock.getAsLong() - bornNanos);
    }

    /** @return how often a fleet rotation slot was refused */
    public long slotRefusals() {
        return policy.slotRefusals();
    }

    /** @return the gate that admits this replica into draining */
    public RotationGate gate() {
        return policy.gate();
    }

    /** @return why the replica is draining or expired; null while it is not */
    public RotationCause cause() {
        return cause;
    }

    /** @return how long the current (or last) drain has lasted; zero if none started */
    public Duration drainDuration() {
        if (state.ordinal() < ReplicaState.DRAINING.ordinal()) {
            return Duration.ZERO;
        }
        long end = state == ReplicaState.EXPIRED ? drainEndNanos : nanoClock.getAsLong();
        return Duration.ofNanos(end - drainStartNanos);
    }

    /** @return whether the startup probe should pass */
    public boolean started() {
        return state != ReplicaState.STARTING;
    }

    /**
     * @return whether load balancers should send traffic: while serving; for a worker replaced in
     *         place also while it hands over and while it starts as a successor, since its
     *         container serves throughout (a probe reaches whichever worker the kernel picks)
     */
    public boolean ready() {
        ReplicaState s = state;
        if (s == ReplicaState.SERVING) {
            return true;
        }
        return handover.inPlace() && cause != RotationCause.SIGNAL
                && (s == ReplicaState.DRAINING || s == ReplicaState.STARTING && handover.successor());
    }

    /**
     * @return whether responses keep their connections open: while serving, while a successor
     *         starts (it is where connections should go), and while a worker replaced in place
     *         waits for its successor (a client that reconnects lands on this same worker until the
     *         successor listens, so closing would only cost a handshake per request while the
     *         successor's start takes the CPU). Once the drain leads elsewhere (the load balancer
     *         takes over, or the successor took over) every response closes its connection, so
     *         that clients reconnect where they are served next
     */
    public boolean keepsConnections() {
        ReplicaState s = state;
        return s == ReplicaState.SERVING
                || s == ReplicaState.STARTING && handover.inPlace() && handover.successor()
                || s == ReplicaState.DRAINING && handsOver();
    }

    /** @return who takes over when this replica drains */
    public Handover handover() {
        return handover;
    }

    /** @return whether the liveness probe should pass: down only once expired where departure says so
     *         (liveness mode), or once {@link #failLiveness} was called (evict's fallback) */
    public boolean live() {
        return !(state == ReplicaState.EXPIRED && (leaving.livenessDown() || livenessFailed));
    }

    /**
     * Turn liveness down from now on, so the orchestrator restarts the container (the fallback
     * when self-eviction is refused).
     *
     * @param why for the log
     */
    public void failLiveness(String why) {
        livenessFailed = true;
        LOG.log(Level.WARNING, "replica " + id + ": " + why + "; liveness down, the orchestrator restarts it");
    }
}
