package dev.rotor.fleet;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

import dev.rotor.lifecycle.RotationCause;
import dev.rotor.lifecycle.RotationGate;
import dev.rotor.redis.RedisScript;
import dev.rotor.redis.RedisUnavailableException;
import dev.rotor.redis.SharedRedis;

/**
 * A fleet-wide bound on replicas draining at once, kept in Redis: a sorted set of holders
 * scored by expiry (Redis's own clock), updated by one atomic script
 * ({@code rotation_acquire.lua}). A slot frees itself when its lease expires, so a holder
 * killed with SIGKILL blocks the fleet for one TTL at most. With Redis unreachable a replica
 * whose trigger fired keeps serving for {@code lease-outage-wait} (long enough for a Sentinel
 * failover, after which the lease decides again); past it every replica may rotate (the
 * quota's jitter alone spreads them), said once in the log. Without the wait, replicas whose
 * quotas fell due during a few seconds' failover all drained at once, and the fleet had none
 * serving until their replacements were up.
 */
public final class RotationLease implements RotationGate {
    private static final System.Logger LOG = System.getLogger(RotationLease.class.getName());
    private static final RedisScript ACQUIRE = RedisScript.load(RotationLease.class, "rotation_acquire.lua");
    private static final RedisScript HOLD = RedisScript.load(RotationLease.class, "rotation_hold.lua");

    private final SharedRedis redis;
    private final String key;
    private final String holder;
    private final FleetConfig config;
    private final LongSupplier nanoClock;
    private volatile long lastRefusal = Long.MIN_VALUE / 2;
    private volatile boolean held;
    private volatile boolean unavailableLogged;
    /** Whether the last call found Redis unreachable, and since when (the outage's first call). */
    private volatile boolean unavailable;
    private volatile long unavailableSince;

    /**
     * @param redis     shared Redis client
     * @param config    fleet settings
     * @param holder    this replica's id
     * @param nanoClock monotonic clock (limits how often a waiting replica asks)
     */
    public RotationLease(SharedRedis redis, FleetConfig config, String holder, LongSupplier nanoClock) {
        this.redis = redis;
        this.config = config;
        this.key = config.redisNamespace() + "rotation-slots";
        this.holder = holder;
        this.nanoClock = nanoClock;
    }

    /**
     * @param redis     the shared Redis client, if any
     * @param config    fleet settings
     * @param holder    this replica's id
     * @param nanoClock monotonic clock
     * @return the fleet's lease when there is Redis and slots are bounded; else a gate that always admits
     */
    public static RotationGate gate(Optional<SharedRedis> redis, FleetConfig config, String holder, LongSupplier nanoClock) {
        if (config.maxConcurrentRotations() == 0) {
            return RotationGate.OPEN;
        }
        if (redis.isEmpty()) {
            LOG.log(Level.INFO, "no Redis: replicas do not coordinate rotations; the quota's jitter alone spreads them");
            return RotationGate.OPEN;
        }
        return new RotationLease(redis.get(), config, holder, nanoClock);
    }

    @Override
    public boolean tryAcquire(RotationCause cause) {
        if (held) {
            return true;
        }
        long now = nanoClock.getAsLong();
        if (now - lastRefusal < config.leaseRetry().toNanos()) {
            return false;
        }
        try {
            // replicated before the slot is used: a grant a replica acknowledged survives a failover
            Object granted = redis.runReplicated(ACQUIRE, List.of(key),
                    List.of(holder, String.valueOf(config.leaseTtl().toMillis()),
                            String.valueOf(config.maxConcurrentRotations())));
            unavailable = false;
            unavailableLogged = false;
            if (Long.valueOf(1).equals(granted)) {
                held = true;
                LOG.log(Level.INFO, "replica " + holder + " took a rotation slot of " + config.serviceName() + " ("
                        + config.maxConcurrentRotations() + " in all, expires in " + config.leaseTtl() + ")");
                return true;
            }
            lastRefusal = now;
            return false;
        } catch (RedisUnavailableException e) {
            if (!unavailable) {
                unavailable = true;
                unavailableSince = now;
            }
            boolean waiting = now - unavailableSince < config.leaseOutageWait().toNanos();
            if (!unavailableLogged) {
                unavailableLogged = true;
                LOG.log(Level.WARNING, "replica " + holder + " cannot reach Redis for a rotation slot ("
                        + e.getMessage() + "); " + (waiting ? "serving on for up to " + config.leaseOutageWait()
                        + " while Redis returns, then rotating on the quota's jitter alone"
                        : "rotating on the quota's jitter alone"));
            }
            if (waiting) {
                lastRefusal = now;
                return false;
            }
            return true;
        }
    }

    @Override
    public java.time.Duration longestHold() {
        return config.leaseTtl();
    }

    @Override
    public synchronized void release() {
        if (!held) {
            return;
        }
        try {
            if (config.leaseHold().isZero()) {
                redis.execute(j -> j.zrem(key, holder));
            } else {
                // keep the slot a little longer: the replacement needs that long to become ready,
                // and another replica draining meanwhile would leave the fleet with no ready one
                redis.run(HOLD, List.of(key), List.of(holder, String.valueOf(config.leaseHold().toMillis())));
            }
            held = false;
        } catch (RedisUnavailableException e) {
            // the lease expires by itself
        }
    }

    /**
     * An in-place handover is complete: this replica's successor serves on its port, so the slot
     * is given back now, without {@code lease-hold} (that hold covers a replacement that still has
     * to start; here it has started, and holding on only kept the next replica of the fleet waiting:
     * 5 s of every rotation under compose). {@link #release()} at exit then finds nothing held.
     */
    @Override
    public synchronized void handedOver() {
        if (!held) {
            return;
        }
        try {
            redis.execute(j -> j.zrem(key, holder));
            held = false;
            LOG.log(Level.INFO, "replica " + holder + " gave its rotation slot of " + config.serviceName()
                    + " back: its successor serves in its place");
        } catch (RedisUnavailableException e) {
            // held stays true: release() at exit tries again; the lease expires by itself anyway
        }
    }

    /** @return whether this replica holds a slot */
    public boolean held() {
        return held;
    }
}
