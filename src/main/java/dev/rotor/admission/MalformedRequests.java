package dev.rotor.admission;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.helidon.http.Status;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;

/**
 * Requests refused because their bytes were not a well-formed HTTP/1.1 request: the client's
 * mistake (or attack), never the server's. Each is counted by kind
 * ({@code rotor_requests_malformed_total{kind}}) and logged at DEBUG; at INFO there is at most
 * one summary line per {@code malformed-log-interval}, so that a client sending them in a
 * loop cannot flood the log. The first one is reported at once; later ones in the line of the
 * first refusal after the interval has passed (and at shutdown), with the counts since the last line.
 */
public final class MalformedRequests implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MalformedRequests.class.getName());
    private static final int HEADERS_TOO_LARGE_431 = 431;

    /** What was malformed. */
    public enum Kind {
        /** method, target or version. */
        REQUEST_LINE,
        /** a field line or the Host header. */
        HEADER_SECTION,
        /** Content-Length that is not a single plain number. */
        CONTENT_LENGTH,
        /** Transfer-Encoding other than chunked alone, or together with Content-Length. */
        TRANSFER_ENCODING,
        /** a chunk size, chunk extension, chunk end or trailer section. */
        CHUNKED_BODY;

        /** @return the metric tag and log word, e.g. {@code chunked_body} */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Kind, LongAdder> totals = new EnumMap<>(Kind.class);
    private final Map<Kind, LongAdder> sinceReport = new EnumMap<>(Kind.class);
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong nextReport;
    private final Consumer<String> report;
    private final Duration interval;
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    /**
     * @param interval  least time between two summary lines
     * @param nanoClock monotonic clock
     * @param registry  where the counter goes
     */
    public MalformedRequests(Duration interval, LongSupplier nanoClock, MeterRegistry registry) {
        this(interval, nanoClock, registry, line -> LOG.log(Level.INFO, line));
    }

    MalformedRequests(Duration interval, LongSupplier nanoClock, MeterRegistry registry, Consumer<String> report) {
        this.interval = interval;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
        this.registry = registry;
        this.report = report;
        this.nextReport = new AtomicLong(nanoClock.getAsLong());
        for (Kind kind : Kind.values()) {
            totals.put(kind, new LongAdder());
            sinceReport.put(kind, new LongAdder());
            meters.add(registry.getOrCreate(FunctionalCounter.builder("rotor.requests.malformed", totals.get(kind), LongAdder::sum)
                                                    .tags(List.of(Tag.create("kind", kind.tag())))
                                                    .description("Requests refused (4xx and a closed connection) "
                                                                         + "because their framing was malformed, by kind")));
        }
    }

    /**
     * Count one refused request.
     *
     * @param kind   what was malformed
     * @param detail what the parser said, for the DEBUG line
     */
    public void record(Kind kind, String detail) {
        totals.get(kind).increment();
        sinceReport.get(kind).increment();
        LOG.log(Level.DEBUG, () -> "malformed request (" + kind.tag() + "): " + detail);
        long now = nanoClock.getAsLong();
        long due = nextReport.get();
        if (now - due >= 0 && nextReport.compareAndSet(due, now + intervalNanos)) {
            summarize();
        }
    }

    /**
     * @param kind a kind
     * @return how many of that kind were refused since start
     */
    public long total(Kind kind) {
        return totals.get(kind).sum();
    }

    /**
     * What Helidon's parser reports, by kind. Helidon names no kind, so its messages decide:
     * Rotor's own framing checks and Helidon's (4.3 to 4.5) say "Content-Length" / "Content
     * length", "Transfer-Encoding" or "chunk"; a request line it cannot parse comes with its
     * generic "see server log" text. Limits (413, 414, 431) are not malformed requests.
     *
     * @param status  the 4xx answered
     * @param message the parser's message (may be null)
     * @return the kind; empty for a limit
     */
    public static Optional<Kind> classify(Status status, String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        int code = status.code();
        if (code == Status.REQUEST_ENTITY_TOO_LARGE_413.code() || code == Status.REQUEST_URI_TOO_LONG_414.code()
                || code == HEADERS_TOO_LARGE_431 || m.startsWith("header size exceeded")) {
            return Optional.empty();
        }
        if (m.startsWith("bad request, see server log")) {
            return Optional.of(Kind.REQUEST_LINE);
        }
        if (m.contains("transfer-encoding")) {
            return Optional.of(Kind.TRANSFER_ENCODING);
        }
        if (m.contains("content-length") || m.contains("content length")) {
            return Optional.of(Kind.CONTENT_LENGTH);
        }
        if (m.contains("chunk")) {
            return Optional.of(Kind.CHUNKED_BODY);
        }
        return Optional.of(Kind.HEADER_SECTION);
    }

    /** Report what was counted since the last line (nothing when nothing was). */
    void summarize() {
        StringJoiner counts = new StringJoiner(" ");
        long sum = 0;
        for (Kind kind : Kind.values()) {
            long n = sinceReport.get(kind).sumThenReset();
            if (n > 0) {
                counts.add(kind.tag() + "=" + n);
                sum += n;
            }
        }
        if (sum > 0) {
            report.accept(sum + " malformed request" + (sum == 1 ? "" : "s") + " refused since the last report (" + counts
                                  + "): each answered 4xx where possible, its connection closed; at most one such line per "
                                  + interval + ", details at DEBUG (logger " + MalformedRequests.class.getName() + ")");
        }
    }

    @Override
    public void close() {
        summarize();
        meters.forEach(registry::remove);
    }
}
