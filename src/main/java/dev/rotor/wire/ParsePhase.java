package dev.rotor.wire;

/**
 * How far Helidon got with the request its connection thread is reading, as the framing
 * listener saw it: nothing yet, the request line, or the whole header section. A failure
 * Helidon reports as an internal error while the phase is before {@link #HEADERS} happened
 * while parsing bytes the client sent, so it is the client's malformed request, not a bug
 * (Helidon 4.3 to 4.5 report a control character in the method that way).
 *
 * <p>Per thread because Helidon serves each connection on its own virtual thread and reports
 * parse failures on it; the phase goes back to {@link #NONE} when a response starts. A thread
 * the wire does not serve (the admin port's connections, which share the server's direct
 * handlers) stays {@link #UNTRACKED}: nothing can be concluded there.
 */
public enum ParsePhase {
    /** not a connection of the public listener: its failures are what Helidon says they are. */
    UNTRACKED,
    /** no request line parsed yet for the next request. */
    NONE,
    /** the request line is parsed, the header section is not. */
    PROLOGUE,
    /** the header section is parsed: the request reached framing checks and routing. */
    HEADERS;

    private static final ThreadLocal<ParsePhase> CURRENT = ThreadLocal.withInitial(() -> UNTRACKED);

    /** @return the phase of the request the calling connection thread is reading */
    public static ParsePhase current() {
        return CURRENT.get();
    }

    /**
     * @return whether a failure Helidon calls internal happened while it was still reading the
     *         client's request line or header section on a connection the wire serves
     */
    public boolean beforeHeaders() {
        return this == NONE || this == PROLOGUE;
    }

    static void set(ParsePhase phase) {
        CURRENT.set(phase);
    }

    /** The calling thread serves a public connection: bytes of a request arrived on it. */
    static void track() {
        if (CURRENT.get() == UNTRACKED) {
            CURRENT.set(NONE);
        }
    }
}
