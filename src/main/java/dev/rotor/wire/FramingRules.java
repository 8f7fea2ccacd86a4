package dev.rotor.wire;

import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

import io.helidon.http.DirectHandler.EventType;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;

/**
 * RFC 9112 message framing, checked as soon as the header section is parsed and before any
 * route runs. Helidon 4.3 frames a request by the first {@code Content-Length} it finds and
 * lets {@code Transfer-Encoding: chunked} win silently over it, which is exactly the
 * disagreement request smuggling needs between a proxy and a server (§6.3). Here:
 * <ul>
 *     <li>more than one {@code Content-Length} (repeated, or a list), or one that is not a
 *     plain number: 400 and close;</li>
 *     <li>{@code Transfer-Encoding} together with {@code Content-Length}: 400 and close;</li>
 *     <li>{@code Transfer-Encoding} other than exactly {@code chunked}: 501 (a coding we do not
 *     implement) or 400 (chunked not last), and close.</li>
 * </ul>
 * It also tells the connection's watch that the headers are in, and whether a body follows.
 */
final class FramingRules implements Http1ConnectionListener {
    private static final Status NOT_IMPLEMENTED_501 = Status.NOT_IMPLEMENTED_501;

    private final LongSupplier nanoClock;

    FramingRules(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        boolean body = check(headers);
        if (ctx instanceof WatchedContext w) {
            w.watch().headersRead(body, nanoClock.getAsLong());
        }
    }

    @Override
    public void status(ConnectionContext ctx, Status status) {
        if (ctx instanceof WatchedContext w) {
            w.watch().responseStarted(nanoClock.getAsLong());
        }
    }

    /**
     * @param headers a request's header section
     * @return whether a body follows
     * @throws RequestException when the framing is ambiguous
     */
    static boolean check(Headers headers) {
        List<String> lengths = headers.all(HeaderNames.CONTENT_LENGTH, List::of);
        List<String> codings = headers.all(HeaderNames.TRANSFER_ENCODING, List::of);
        if (!codings.isEmpty()) {
            if (!lengths.isEmpty()) {
                throw reject(Status.BAD_REQUEST_400, "Content-Length and Transfer-Encoding together: the body's length is ambiguous");
            }
            List<String> all = codings.stream()
                    .flatMap(v -> java.util.Arrays.stream(v.split(",")))
                    .map(s -> s.strip().toLowerCase(Locale.ROOT))
                    .toList();
            if (!all.getLast().equals("chunked")) {
                throw reject(Status.BAD_REQUEST_400, "Transfer-Encoding must end with chunked");
            }
            if (all.size() > 1) {
                throw reject(NOT_IMPLEMENTED_501, "only Transfer-Encoding: chunked is implemented, got " + String.join(", ", all));
            }
            return true;
        }
        if (lengths.isEmpty()) {
            return false;
        }
        if (lengths.size() > 1 || lengths.getFirst().contains(",")) {
            throw reject(Status.BAD_REQUEST_400, "more than one Content-Length");
        }
        String length = lengths.getFirst().strip();
        if (length.isEmpty() || length.length() > 18 || !length.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw reject(Status.BAD_REQUEST_400, "Content-Length is not a number");
        }
        return Long.parseLong(length) > 0;
    }

    private static RequestException reject(Status status, String why) {
        return RequestException.builder()
                .type(EventType.BAD_REQUEST)
                .status(status)
                .setKeepAlive(false)
                .safeMessage(true)
                .message("bad framing: " + why)
                .build();
    }
}
