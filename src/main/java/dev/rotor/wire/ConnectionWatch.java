package dev.rotor.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import dev.rotor.web.RequestIds;

import io.helidon.common.buffers.BufferData;
import io.helidon.webserver.ConnectionContext;

/**
 * One open connection, seen from accept to close: which phase it is in and since when, so that
 * the watchdog can end a connection whose headers or body do not arrive in time.
 *
 * <p>Phases: {@code HEADERS} from accept (and from the first byte of each later request) until
 * the header section is parsed; {@code BODY} while a request's body is still due; {@code HANDLING}
 * while a route runs (the request deadline is watched per request, see {@link RequestWatch});
 * {@code IDLE} between requests on a kept-alive connection (bounded by Helidon's idle timeout).
 * A phase's start is the watchdog's first look at it, not a clock read by the connection's
 * thread (see {@link #WORD}): only the accept is read off the clock, once per connection.
 */
public final class ConnectionWatch {
    /** Where a connection is in its current request. */
    enum Phase { HEADERS, BODY, HANDLING, IDLE, CLOSED }

    private static final Phase[] PHASES = Phase.values();
    /** The phase's ordinal: the low three bits of {@link #word}. */
    private static final long PHASE_BITS = 0b111;
    /** Set once the phase's start is known: the fourth bit. */
    private static final long STAMPED = 0b1000;
    /**
     * The start, the clock's nanoseconds shifted up by four: the other bits. Its top four bits
     * are lost, which leaves differences exact up to 2^59 ns (18 years).
     */
    private static final long SINCE_BITS = ~0b1111L;
    private static final int SINCE_SHIFT = 4;
    /**
     * A route running: no deadline of the connection's own applies (the request's does, per
     * request), so its start is never read. Stamped from the start, so that the watchdog has
     * nothing to stamp: its compare-and-set would only race the connection's next move.
     */
    private static final long HANDLING = STAMPED | Phase.HANDLING.ordinal();

    /**
     * {@link #word}: the phase and since when, in one long, so that a phase change is one
     * compare-and-set and no allocation. A phase with a deadline (headers, body) or one a drain
     * measures (idle) that the connection's thread enters has no start: the thread never reads
     * the clock. The watchdog stamps it with its own clock the first time
     * it sees it ({@link #stamp}), so a deadline counts from at most one tick after the phase
     * began. {@link #request} and {@link #requestId}: written by the connection's thread with
     * release and read by the watchdog with acquire, which orders what the watchdog needs,
     * without the full fence a volatile write costs each request.
     */
    private static final VarHandle WORD;
    private static final VarHandle REQUEST;
    private static final VarHandle REQUEST_ID;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            WORD = lookup.findVarHandle(ConnectionWatch.class, "word", long.class);
            REQUEST = lookup.findVarHandle(ConnectionWatch.class, "request", RequestWatch.class);
            REQUEST_ID = lookup.findVarHandle(ConnectionWatch.class, "requestId", String.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConnectionContext ctx;
    /** The phase and since when; see {@link #WORD}. */
    @SuppressWarnings("unused") // through WORD
    private volatile long word;
    /** The request its route is running, if any (HTTP/1.1: one at a time); see {@link #REQUEST}. */
    @SuppressWarnings("unused") // through REQUEST
    private RequestWatch request;
    /**
     * The id of the request being read or answered, from its header section on; null before
     * (a request refused while its header section is read has none yet). Read by the watchdog;
     * see {@link #REQUEST_ID}.
     */
    @SuppressWarnings("unused") // through REQUEST_ID
    private String requestId;
    /** Whether the connection's first request has sent a byte (read on the connection's thread only). */
    private boolean started;
    /** New request ids for this connection's requests (its thread only). */
    private final RequestIds.Sequence ids;
    /** Where the parser is in the request being read; only the connection's thread touches it. */
    private ParsePhase parsePhase = ParsePhase.NONE;

    /** @return how far the parser got with the request the connection is reading ({@link ParsePhase}) */
    ParsePhase parsePhase() {
        return parsePhase;
    }

    void parsePhase(ParsePhase phase) {
        parsePhase = phase;
    }

    /**
     * @param ctx       the connection
     * @param nowNanos  when it was accepted: its first header deadline counts from then
     * @param ids       new request ids for its requests
     */
    ConnectionWatch(ConnectionContext ctx, long nowNanos, RequestIds.Sequence ids) {
        this.ctx = ctx;
        this.ids = ids;
        this.word = stamped(Phase.HEADERS, nowNanos);
    }

    private static long stamped(Phase phase, long nowNanos) {
        return (nowNanos << SINCE_SHIFT) | STAMPED | phase.ordinal();
    }

    private static long unstamped(Phase phase) {
        return phase.ordinal();
    }

    /** @return the phase and since when, as one value for {@link #claim} and {@link #stamp} */
    long word() {
        return (long) WORD.getVolatile(this);
    }

    static Phase phase(long word) {
        return PHASES[(int) (word & PHASE_BITS)];
    }

    /** @return whether the watchdog has stamped the phase's start (see {@link #WORD}) */
    static boolean isStamped(long word) {
        return (word & STAMPED) != 0;
    }

    /** @return nanoseconds from the phase's start to {@code nowNanos}; meaningful once stamped */
    static long elapsed(long word, long nowNanos) {
        return ((nowNanos << SINCE_SHIFT) - (word & SINCE_BITS)) >> SINCE_SHIFT;
    }

    Phase phase() {
        return phase(word());
    }

    RequestWatch request() {
        return (RequestWatch) REQUEST.getAcquire(this);
    }

    /** @return the id of the request being read or answered; null before its headers are in */
    String requestId() {
        return (String) REQUEST_ID.getAcquire(this);
    }

    /** @return where this connection's new request ids come from (its thread only) */
    RequestIds.Sequence ids() {
        return ids;
    }

    /** @param id the id of the request whose header section has just been read */
    void requestId(String id) {
        REQUEST_ID.setRelease(this, id);
    }

    void request(RequestWatch r) {
        REQUEST.setRelease(this, r);
    }

    /** The request ended (its handler returned, or the watchdog timed it out). */
    void requestDone(RequestWatch r) {
        if (REQUEST.getAcquire(this) == r) {
            REQUEST.setRelease(this, null);
        }
    }

    /**
     * Bytes arrived: on an idle connection they start the next request's header deadline.
     *
     * @return whether they are the first bytes of a request
     */
    boolean bytesArrived() {
        long w;
        // a loop: the watchdog stamping the idle phase meanwhile changes the word, not the phase
        while (phase(w = word()) == Phase.IDLE) {
            if (WORD.compareAndSet(this, w, unstamped(Phase.HEADERS))) {
                // the previous request is answered: a refusal of this one must not carry its id
                REQUEST_ID.setRelease(this, null);
                return true;
            }
        }
        if (!started) {
            started = true;
            return true;
        }
        return false;
    }

    /** The header section is parsed; a body, when announced, is due from now. */
    void headersRead(boolean bodyFollows) {
        move(bodyFollows ? unstamped(Phase.BODY) : HANDLING);
    }

    /** The whole body is in memory: no more reads are due for this request. */
    void bodyRead() {
        long w;
        // a loop, as in bytesArrived: only the watchdog's claim (CLOSED) ends the body phase otherwise
        while (phase(w = word()) == Phase.BODY) {
            if (WORD.compareAndSet(this, w, HANDLING)) {
                return;
            }
        }
    }

    /** A response began: the connection waits for the client's next request. */
    void responseStarted() {
        move(unstamped(Phase.IDLE));
    }

    /**
     * Stamp a phase the watchdog sees for the first time with its clock: its deadline counts
     * from now. Lost, harmlessly, when the connection moved on meanwhile.
     *
     * @param seen     the word as just read, unstamped
     * @param nowNanos the watchdog's clock
     */
    void stamp(long seen, long nowNanos) {
        WORD.compareAndSet(this, seen, stamped(phase(seen), nowNanos));
    }

    /**
     * Claim the connection for the watchdog when it is still in the phase it was seen in, since
     * the same moment, so that a phase change racing with the deadline wins or loses as a whole.
     *
     * @param seen the word as the watchdog read it
     */
    boolean claim(long seen, long nowNanos) {
        return WORD.compareAndSet(this, seen, stamped(Phase.CLOSED, nowNanos));
    }

    void closed(long nowNanos) {
        WORD.setVolatile(this, stamped(Phase.CLOSED, nowNanos));
    }

    /**
     * Write a complete response straight to the socket, for answers the watchdog gives while
     * the connection's own thread is blocked reading or stuck in a handler.
     *
     * @param id the request's id (its {@code X-Request-ID}), null when it has none
     */
    void writeRaw(int status, String reason, String json, String id) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + (id == null ? "" : RequestIds.HEADER.defaultCase() + ": " + id + "\r\n")
                + "Connection: close\r\n\r\n";
        try {
            ctx.dataWriter().writeNow(BufferData.create(head.getBytes(StandardCharsets.US_ASCII)), BufferData.create(body));
        } catch (RuntimeException e) {
            // the client may be gone already; the close that follows is what matters
        }
    }

    /** Close the socket: a read blocked on it ends with an exception on the connection's thread. */
    void closeSocket() {
        try {
            ctx.serverSocket().close();
        } catch (RuntimeException e) {
            // already closed
        }
    }

    private void move(long to) {
        long w;
        do {
            w = word();
            if (phase(w) == Phase.CLOSED) {
                return;
            }
        } while (!WORD.compareAndSet(this, w, to));
    }
}
