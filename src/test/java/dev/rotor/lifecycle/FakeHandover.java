package dev.rotor.lifecycle;

/** A supervised worker's handover that a test drives: in place, taken over when the test says so. */
final class FakeHandover implements Handover {
    private final boolean successor;
    volatile boolean drainStarted;
    volatile boolean takenOver;

    /** @param successor whether this worker was started to take over from a draining one */
    FakeHandover(boolean successor) {
        this.successor = successor;
    }

    @Override
    public boolean inPlace() {
        return true;
    }

    @Override
    public boolean successor() {
        return successor;
    }

    @Override
    public void drainStarted() {
        drainStarted = true;
    }

    @Override
    public boolean takenOver() {
        return takenOver;
    }

    @Override
    public void serving() {
    }
}
