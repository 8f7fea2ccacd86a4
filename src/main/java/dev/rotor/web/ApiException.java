package dev.rotor.web;

import java.time.Duration;
import java.util.Optional;

import io.helidon.http.Status;

/**
 * A request that ends in an error response of the JSON shape. Expected outcomes (bad input,
 * upstream failures) are cheap: no stack trace is filled in.
 */
public final class ApiException extends RuntimeException {
    private final Status status;
    private final String code;
    private final Duration retryAfter;

    /**
     * @param status     HTTP status
     * @param code       stable machine-readable code, e.g. {@code invalid_parameter}
     * @param message    a sentence for people that says what was wrong
     */
    public ApiException(Status status, String code, String message) {
        this(status, code, message, null);
    }

    /**
     * @param status     HTTP status
     * @param code       stable machine-readable code
     * @param message    a sentence for people
     * @param retryAfter how long the client should wait, sent as {@code Retry-After}; may be null
     */
    public ApiException(Status status, String code, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /**
     * @param parameter name of the bad parameter
     * @param problem   what is wrong with it
     * @return a 400 {@code invalid_parameter}
     */
    public static ApiException badParameter(String parameter, String problem) {
        return new ApiException(Status.BAD_REQUEST_400, "invalid_parameter", parameter + " " + problem);
    }

    /** @return HTTP status */
    public Status status() {
        return status;
    }

    /** @return stable error code */
    public String code() {
        return code;
    }

    /** @return suggested wait, if any */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
