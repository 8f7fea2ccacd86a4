package dev.rotor.lifecycle;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Rotate once the replica is older than its lifetime, drawn once at boot uniformly in
 * {@code [max-lifetime - jitter, max-lifetime + jitter]} so that replicas started together
 * do not leave together.
 */
final class AgeTrigger implements RotationTrigger {
    private final Duration lifetime;
    private final Duration ceiling;

    /**
     * @param lifetime      the drawn lifetime; zero disables the trigger
     * @param ceilingFactor past {@code lifetime x factor} rotate without a fleet slot
     */
    AgeTrigger(Duration lifetime, double ceilingFactor) {
        this.lifetime = lifetime;
        this.ceiling = Duration.ofMillis((long) Math.ceil(lifetime.toMillis() * ceilingFactor));
    }

    /**
     * @param max    configured maximum lifetime; zero = off
     * @param jitter spread around it
     * @param random randomness source
     * @return the drawn lifetime (zero when off), never below one second
     */
    static Duration draw(Duration max, Duration jitter, RandomGenerator random) {
        if (max.isZero()) {
            return Duration.ZERO;
        }
        long low = Math.max(1000, max.minus(jitter).toMillis());
        long high = Math.max(low, max.plus(jitter).toMillis());
        return Duration.ofMillis(low + random.nextLong(high - low + 1));
    }

    @Override
    public RotationCause cause() {
        return RotationCause.AGE;
    }

    @Override
    public boolean emergency() {
        return false;
    }

    @Override
    public Decision decide(ReplicaView r) {
        if (lifetime.isZero() || r.age().compareTo(lifetime) < 0) {
            return Decision.notDue(cause());
        }
        return new Decision(cause(), true, r.age().compareTo(ceiling) >= 0, r.age().toMillis(), lifetime.toMillis());
    }
}
