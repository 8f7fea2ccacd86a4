package dev.rotor.lifecycle;

import java.util.function.IntSupplier;

/**
 * Rotate when too many handlers are stuck: still running past the request timeout, which Java
 * cannot stop (gunicorn's worker timeout killed such a worker; here the replica leaves instead).
 * An emergency: stuck threads may hold locks or burn a core, so it does not wait for the
 * minimum lifetime or a fleet slot.
 */
final class StuckTrigger implements RotationTrigger {
    private final IntSupplier stuck;
    private final int limit;

    /**
     * @param stuck handlers stuck now
     * @param limit how many make the replica rotate (at least 1)
     */
    StuckTrigger(IntSupplier stuck, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("stuck limit must be at least 1, got " + limit);
        }
        this.stuck = stuck;
        this.limit = limit;
    }

    @Override
    public RotationCause cause() {
        return RotationCause.STUCK;
    }

    @Override
    public boolean emergency() {
        return true;
    }

    @Override
    public Decision decide(ReplicaView replica) {
        int n = stuck.getAsInt();
        return n < limit ? Decision.notDue(cause()) : Decision.due(cause(), n, limit);
    }
}
