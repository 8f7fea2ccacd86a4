package dev.rotor.web;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.BadRequestException;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.NotFoundException;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;

import jakarta.json.Json;
import jakarta.json.JsonBuilderFactory;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;

/**
 * The one place where failures become responses, all in the JSON shape
 * {@code {"error": "<stable_code>", "message": "<human sentence>", "request_id": "<id>"}}; the
 * id is the request's {@code X-Request-ID} ({@link RequestIds}), absent only for a response
 * that has none (those under {@code /observe}).
 */
public final class ErrorResponses {
    private static final System.Logger LOG = System.getLogger(ErrorResponses.class.getName());
    private static final JsonBuilderFactory JSON = Json.createBuilderFactory(Map.of());

    private ErrorResponses() {
    }

    /**
     * Register the error handlers on a routing.
     *
     * @param routing the routing builder
     */
    public static void register(HttpRouting.Builder routing) {
        routing.error(ApiException.class, (req, res, e) -> send(res, e.status(), e.code(), e.getMessage(),
                                                                   e.retryAfter().orElse(null)))
                .error(NotFoundException.class, (req, res, e) -> send(res, Status.NOT_FOUND_404, "not_found",
                        "no route for " + req.prologue().method().text() + " " + req.path().path(), null))
                .error(BadRequestException.class, (req, res, e) -> send(res, Status.BAD_REQUEST_400, "bad_request",
                        e.getMessage(), null))
                .error(HttpException.class, (req, res, e) -> send(res, e.status(), codeFor(e.status()),
                        e.getMessage(), null))
                .error(Exception.class, (req, res, e) -> {
                    LOG.log(Level.ERROR, "unexpected failure on " + req.prologue().method().text() + " "
                            + req.path().path(), e);
                    send(res, Status.INTERNAL_SERVER_ERROR_500, "internal_error",
                         "the server failed to handle the request; this is a bug", null);
                });
    }

    /**
     * @param code      stable code
     * @param message   sentence
     * @param requestId the request's id; null = none
     * @return the error body
     */
    public static JsonObject body(String code, String message, String requestId) {
        JsonObjectBuilder body = JSON.createObjectBuilder()
                .add("error", code)
                .add("message", message == null ? "" : message);
        if (requestId != null) {
            body.add("request_id", requestId);
        }
        return body.build();
    }

    /**
     * Write an error response.
     *
     * @param res        the response
     * @param status     HTTP status
     * @param code       stable code
     * @param message    sentence
     * @param retryAfter wait hint, may be null
     */
    public static void send(ServerResponse res, Status status, String code, String message, Duration retryAfter) {
        if (res.isSent()) {
            return;
        }
        res.status(status);
        if (retryAfter != null) {
            res.header(HeaderNames.RETRY_AFTER, String.valueOf(Math.max(1, ceilSeconds(retryAfter))));
        }
        // bytes, not the JsonObject: Helidon writes a media entity through an output stream,
        // which leaves isSent() false, and a filter that answered that way (admission's 503
        // and 429) is then taken for one that did nothing and turned into a 500
        res.header(HeaderNames.CONTENT_TYPE, MediaTypes.APPLICATION_JSON.text());
        // the id the request's response already carries (admission set it before any route ran)
        res.send(body(code, message, RequestIds.of(res)).toString().getBytes(StandardCharsets.UTF_8));
    }

    private static long ceilSeconds(Duration d) {
        return (d.toMillis() + 999) / 1000;
    }

    private static String codeFor(Status status) {
        return switch (status.code()) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            case 431 -> "headers_too_large";
            default -> status.code() >= 500 ? "server_error" : "client_error";
        };
    }
}
