package dev.rotor.lifecycle;

/**
 * Who takes over when this replica drains. Without a supervisor ({@link #NONE}) the load balancer
 * does: readiness turns 503, the drain period lets it notice, and the orchestrator starts the
 * replacement after this process leaves. A supervised worker (several JVMs sharing one port in
 * one container, see {@code dev.rotor.worker}) is replaced in place instead: its successor starts
 * the moment the drain starts, and this replica keeps serving (and its readiness stays up, since
 * the container as a whole stays ready) until the successor is ready; only then does it stop
 * accepting, answer what it accepted, and leave.
 */
public interface Handover {
    /** No supervisor: the load balancer takes over through readiness. */
    Handover NONE = new Handover() {
        @Override
        public boolean inPlace() {
            return false;
        }

        @Override
        public boolean successor() {
            return false;
        }

        @Override
        public void drainStarted() {
        }

        @Override
        public boolean takenOver() {
            return false;
        }

        @Override
        public void serving() {
        }
    };

    /** @return whether a successor replaces this replica on the same listening port */
    boolean inPlace();

    /**
     * @return whether this replica was started to take over from a draining one: the port is
     *         already served, so it keeps its connections and stays ready while it starts
     */
    boolean successor();

    /** The drain started (a trigger, not a stop signal): start the successor now. */
    void drainStarted();

    /** @return whether the successor is ready, so that this replica may stop accepting */
    boolean takenOver();

    /** This replica is serving: a predecessor waiting for it may stop accepting. */
    void serving();
}
