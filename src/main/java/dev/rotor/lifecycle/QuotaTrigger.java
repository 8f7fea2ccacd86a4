package dev.rotor.lifecycle;

/**
 * Rotate once the drawn request quota is served; past {@code ceiling x quota} rotate even
 * without a fleet rotation slot.
 */
final class QuotaTrigger implements RotationTrigger {
    private final double ceilingFactor;

    QuotaTrigger(double ceilingFactor) {
        this.ceilingFactor = ceilingFactor;
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
    public Decision decide(ReplicaView r) {
        long quota = r.quota();
        if (quota <= 0 || r.served() < quota) {
            return Decision.notDue(cause());
        }
        boolean pastCeiling = r.served() >= (long) Math.ceil(quota * ceilingFactor);
        return new Decision(cause(), true, pastCeiling, r.served(), quota);
    }
}
