package dev.rotor.support;

import dev.rotor.lifecycle.Handover;

/** A supervised worker's handover that a test drives: in place, taken over when the test says so. */
public final class FakeHandover implements Handover {
    private final boolean successor;
    /** Whether the lifecycle said its drain started. */
    public volatile boolean drainStarted;
    /** Set by the test: the successor is ready. */
    public volatile boolean takenOver;

    /** @param successor whether this worker was started to take over from a draining one */
    public FakeHandover(boolean successor) {
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
