package dev.rotor.wire;

/**
 * How far Helidon got with the request its connection thread is reading, as the framing
 * listener saw it: nothing yet, the request line, or the whole header section. A failure
 * Helidon reports as an internal error while the phase is before {@link #HEADERS} happened
 * while parsing bytes the client sent, so it is the client's malformed request, not a bug
 * (Helidon 4.3 to 4.5 report a control character in the method that way).
 *
 * <p>Per connection, and found from its thread, because Helidon serves each connection on its
 * own virtual thread and reports parse failures on it; the phase goes back to {@link #NONE}
 * when a response starts. A thread the wire does not serve (the admin port's connections,
 * which share the server's direct handlers) stays {@link #UNTRACKED}: nothing can be
 * concluded there.
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

    /**
     * The connection the calling thread serves: set once, on the connection's first read (a
     * virtual thread serves one connection for its whole life). The phase itself is the
     * connection's ({@link ConnectionWatch#parsePhase}), kept by the framing listener through
     * the connection's context, so a request costs no thread-local write; only a failure's
     * handler, which has no context, looks it up here.
     */
    private static final ThreadLocal<ConnectionWatch> CURRENT = new ThreadLocal<>();

    /** @return the phase of the request the calling connection thread is reading */
    public static ParsePhase current() {
        ConnectionWatch watch = CURRENT.get();
        return watch == null ? UNTRACKED : watch.parsePhase();
    }

    /**
     * @return whether a failure Helidon calls internal happened while it was still reading the
     *         client's request line or header section on a connection the wire serves
     */
    public boolean beforeHeaders() {
        return this == NONE || this == PROLOGUE;
    }

    /**
     * The calling thread serves {@code watch}'s connection: bytes of a request arrived on it.
     *
     * @param watch the connection's watch
     */
    static void track(ConnectionWatch watch) {
        CURRENT.set(watch);
    }
}
