package dev.rotor.lifecycle;

import java.util.Optional;

/**
 * Rotate once the drawn request quota is served; past {@code ceiling x quota} rotate even
 * without a fleet rotation slot.
 */
final class QuotaTrigger implements RotationTrigger {
    private final long quota;
    private final long ceiling;

    QuotaTrigger(long quota, double ceilingFactor) {
        this.quota = quota;
        this.ceiling = (long) Math.ceil(quota * ceilingFactor);
    }

    @Override
    public RotationCause cause() {
        return RotationCause.QUOTA;
    }

    @Override
    public boolean emergency() {
        return false;
    }

    @Override
    public Optional<String> due(ReplicaLifecycle l) {
        if (quota <= 0 || l.served() < quota) {
            return Optional.empty();
        }
        return Optional.of("reached its quota (" + l.served() + " of " + quota + " requests in "
                                   + ReplicaLifecycle.human(l.age()) + ")");
    }

    @Override
    public boolean pastCeiling(ReplicaLifecycle l) {
        return quota > 0 && l.served() >= ceiling;
    }
}
