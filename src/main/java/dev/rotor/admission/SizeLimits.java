package dev.rotor.admission;

import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.rotor.web.ErrorResponses;
import dev.rotor.web.RequestIds;
import dev.rotor.wire.ParsePhase;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http1.Http1Config;

/**
 * The first admission step, enforced by the server itself while it reads a request, before
 * any routing: the request line ({@code max-prologue-length}), the header section
 * ({@code max-header-size}) and the body ({@code max-payload-size}).
 *
 * <p>Helidon answers these through its direct handlers with its own HTML body, and it
 * reports an oversized header section as a plain 400 ("Header size exceeded"). The handler
 * here answers every such failure in the JSON error shape and turns that case into the
 * status RFC 6585 defines for it, 431. An overlong request line stays Helidon's 414, the
 * status RFC 9110 defines for it. Helidon closes the connection after each of these: it
 * cannot know where the rejected request ends.
 */
public final class SizeLimits {
    /** Helidon's message for an oversized header section (Http1HeadersParser). */
    private static final String HEADER_SIZE_EXCEEDED = "Header size exceeded";
    /** Helidon's Status has no constant for 431 (RFC 6585). */
    private static final Status HEADERS_TOO_LARGE_431 = Status.create(431, "Request Header Fields Too Large");
    /** Longest part of a parser message repeated to the client. */
    private static final int MAX_DETAIL = 160;

    private SizeLimits() {
    }

    /**
     * Apply the limits and the JSON direct handler, counting malformed requests.
     *
     * @param config     admission settings
     * @param server     the server builder
     * @param malformed  where refused malformed requests are counted (asked per refusal: the
     *                   server keeps this handler from before admission opens)
     * @param requestIds the id of the request being refused, from its headers (as far as they
     *                   were read) or the one the wire gave it ({@code Wire#requestId})
     */
    public static void apply(AdmissionConfig config, WebServerConfig.Builder server, Supplier<MalformedRequests> malformed,
                             Function<Headers, String> requestIds) {
        JsonDirectHandler json = new JsonDirectHandler(config, malformed, requestIds);
        server.maxPayloadSize(config.maxPayloadSize())
                // without it Helidon hands direct handlers no message, and an oversized header
                // section could not be told from any other malformed request
                .errorHandling(e -> e.includeEntity(true))
                .directHandlers(DirectHandlers.builder()
                                        .addHandler(DirectHandler.EventType.BAD_REQUEST, json)
                                        .addHandler(DirectHandler.EventType.OTHER, json)
                                        .addHandler(DirectHandler.EventType.HTTP_VERSION_NOT_SUPPORTED, json)
                                        // Helidon reports some unparsable request lines (a control
                                        // character in the method) as internal errors
                                        .addHandler(DirectHandler.EventType.INTERNAL_ERROR, json)
                                        .build());
    }

    /**
     * @param config admission settings
     * @return HTTP/1.1 settings with the request-line and header-section limits
     */
    public static Http1Config.Builder http1(AdmissionConfig config) {
        return Http1Config.builder()
                .maxHeadersSize(config.maxHeaderSize())
                .maxPrologueLength(config.maxPrologueLength());
    }

    /** Every protocol-level failure as {@code {"error","message","request_id"}}, with its {@code X-Request-ID}. */
    record JsonDirectHandler(AdmissionConfig config, Supplier<MalformedRequests> malformed, Function<Headers, String> requestIds)
            implements DirectHandler {
        @Override
        public TransportResponse handle(TransportRequest request,
                                        EventType eventType,
                                        Status status,
                                        ServerResponseHeaders headers,
                                        String message) {
            String detail = message == null ? "" : message;
            Status answer = status;
            String code;
            String sentence;
            Optional<MalformedRequests.Kind> unparsed = unparsed(eventType, status, ParsePhase.current());
            // the id the wire gave the request once its headers were read; refused before that, a new one
            String id = requestIds.apply(request.headers());
            headers.set(HeaderValues.create(RequestIds.HEADER, id));
            if (unparsed.isPresent()) {
                // the failure came while Helidon was still parsing what the client sent: a
                // malformed request, so a 400 (and no "Internal server error" WARNING, which
                // Helidon logs for 500s only)
                MalformedRequests.Kind kind = unparsed.get();
                record(kind, "internal error while parsing the " + kind.tag());
                headers.set(HeaderNames.CONTENT_TYPE, MediaTypes.APPLICATION_JSON.text());
                return TransportResponse.builder()
                        .status(Status.BAD_REQUEST_400)
                        .headers(headers)
                        .keepAlive(false)
                        .entity(ErrorResponses.body("bad_request", "the request could not be parsed: malformed "
                                + kind.tag().replace('_', ' '), id).toString())
                        .build();
            }
            if (status.code() >= 400 && status.code() < 500) {
                MalformedRequests.classify(status, detail).ifPresent(kind -> record(kind, detail));
            } else if (status.code() == Status.HTTP_VERSION_NOT_SUPPORTED_505.code()) {
                record(MalformedRequests.Kind.REQUEST_LINE, detail);
            }
            if (detail.startsWith(HEADER_SIZE_EXCEEDED)) {
                answer = HEADERS_TOO_LARGE_431;
                code = "headers_too_large";
                sentence = "the request headers exceed " + config.maxHeaderSize() + " bytes";
            } else if (status.code() == Status.REQUEST_ENTITY_TOO_LARGE_413.code()) {
                code = "payload_too_large";
                sentence = "the request body exceeds " + config.maxPayloadSize() + " bytes";
            } else if (status.code() == Status.REQUEST_URI_TOO_LONG_414.code()) {
                code = "uri_too_long";
                sentence = "the request line exceeds " + config.maxPrologueLength() + " bytes";
            } else if (status.code() == Status.HTTP_VERSION_NOT_SUPPORTED_505.code()) {
                // Helidon 4.3 speaks HTTP/1.1 only (its parser refuses 1.0 with this status)
                code = "http_version_not_supported";
                sentence = "only HTTP/1.1 is served; send the request as HTTP/1.1";
            } else if (status.code() == Status.NOT_IMPLEMENTED_501.code()) {
                code = "not_implemented";
                sentence = detail.lines().findFirst().orElse("not implemented").strip();
            } else if (status.code() >= 500) {
                code = "server_error";
                sentence = "the server could not handle the request";
            } else {
                code = "bad_request";
                String first = detail.lines().findFirst().orElse("").strip();
                sentence = "the request could not be parsed"
                        + (first.isEmpty() ? "" : ": " + first.substring(0, Math.min(first.length(), MAX_DETAIL)));
            }
            headers.set(HeaderNames.CONTENT_TYPE, MediaTypes.APPLICATION_JSON.text());
            return TransportResponse.builder()
                    .status(answer)
                    .headers(headers)
                    .entity(ErrorResponses.body(code, sentence, id).toString())
                    .build();
        }

        /**
         * @return the part of a malformed request Helidon reported as an internal error, empty
         *         when it is a real one (a route's failure, or a connection the wire does not serve)
         */
        static Optional<MalformedRequests.Kind> unparsed(EventType eventType, Status status, ParsePhase phase) {
            if (eventType != EventType.INTERNAL_ERROR || status.code() != Status.INTERNAL_SERVER_ERROR_500.code()
                    || !phase.beforeHeaders()) {
                return Optional.empty();
            }
            return Optional.of(phase == ParsePhase.NONE ? MalformedRequests.Kind.REQUEST_LINE
                                       : MalformedRequests.Kind.HEADER_SECTION);
        }

        private void record(MalformedRequests.Kind kind, String detail) {
            malformed.get().record(kind, detail);
        }
    }
}
