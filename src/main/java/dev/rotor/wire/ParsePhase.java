package dev.rotor.wire;

/**
 * How far Helidon got with the request its connection thread is reading, as the framing
 * listener saw it: nothing yet, the request line, or the whole header section. A failure
 * Helidon reports as an internal error while the phase is before {@link #HEADERS} happened
 * while parsing bytes the client sent, so it is the client's malformed request, not a bug
 * (Helidon 4.3 to 4.5 report a control character in the method that way).
 *
 * <p>Per thread because Helidon serves each connection on its own virtual thread and reports
 * parse failures on it; the phase goes back to {@link #NONE} when a response starts.
 */
public enum ParsePhase {
    /** no request line parsed yet for the next request. */
    NONE,
    /** the request line is parsed, the header section is not. */
    PROLOGUE,
    /** the header section is parsed: the request reached framing checks and routing. */
    HEADERS;

    private static final ThreadLocal<ParsePhase> CURRENT = ThreadLocal.withInitial(() -> NONE);

    /** @return the phase of the request the calling connection thread is reading */
    public static ParsePhase current() {
        return CURRENT.get();
    }

    static void set(ParsePhase phase) {
        CURRENT.set(phase);
    }
}
