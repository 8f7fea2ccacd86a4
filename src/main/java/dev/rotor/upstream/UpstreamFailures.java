package dev.rotor.upstream;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Optional;

import dev.rotor.web.ApiException;
import dev.rotor.web.Jsons;

import io.helidon.http.Status;

import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;

/**
 * How an upstream's HTTP status becomes ours: its 429 is our 503 with its {@code Retry-After}
 * (the caller did nothing wrong; the shared upstream is busy), any other non-2xx is a 502.
 * Messages name the upstream and the status, never a URL with credentials or a key.
 */
final class UpstreamFailures {
    private static final Duration DEFAULT_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofHours(1);

    private UpstreamFailures() {
    }

    /**
     * @param upstream name
     * @param response the exchange
     * @param metrics  where errors are counted
     * @throws ApiException when the status is not 2xx
     */
    static void check(String upstream, OutboundClient.Response response, UpstreamMetrics metrics) {
        int status = response.status();
        if (status >= 200 && status < 300) {
            return;
        }
        if (status == 429) {
            metrics.error(upstream, "rate_limited");
            throw new ApiException(Status.SERVICE_UNAVAILABLE_503, "upstream_rate_limited", upstream
                    + " upstream is rate limiting this service; try again later", retryAfter(response.retryAfter()));
        }
        metrics.error(upstream, status >= 500 ? "status_5xx" : "status_4xx");
        throw new ApiException(Status.BAD_GATEWAY_502, "upstream_error", upstream + " upstream answered HTTP " + status);
    }

    /**
     * @param upstream name
     * @param what     what was wrong with the body
     * @param metrics  where errors are counted
     * @return a 502 to throw
     */
    static ApiException badResponse(String upstream, String what, UpstreamMetrics metrics) {
        metrics.error(upstream, "bad_response");
        return new ApiException(Status.BAD_GATEWAY_502, "upstream_bad_response", upstream + " upstream answered "
                + "something unusable: " + what);
    }

    /**
     * @param upstream name
     * @param body     response body
     * @param metrics  where errors are counted
     * @return the body as a JSON object
     * @throws ApiException 502 when it is not one
     */
    static JsonObject jsonObject(String upstream, byte[] body, UpstreamMetrics metrics) {
        try (JsonReader reader = Jsons.PROVIDER.createReader(new ByteArrayInputStream(body))) {
            return reader.readObject();
        } catch (JsonException | IllegalStateException e) {
            throw badResponse(upstream, "not a JSON object", metrics);
        }
    }

    /** Seconds or an HTTP date, per RFC 9110; anything else (or nothing) waits one second. */
    static Duration retryAfter(Optional<String> header) {
        if (header.isEmpty()) {
            return DEFAULT_RETRY;
        }
        String v = header.get().trim();
        try {
            long s = Long.parseLong(v);
            Duration d = Duration.ofSeconds(Math.max(1, s));
            return d.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : d;
        } catch (NumberFormatException e) {
            try {
                java.time.ZonedDateTime at = java.time.ZonedDateTime.parse(v, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(java.time.Instant.now(), at.toInstant());
                return d.isNegative() || d.isZero() ? DEFAULT_RETRY : (d.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : d);
            } catch (java.time.format.DateTimeParseException ignored) {
                return DEFAULT_RETRY;
            }
        }
    }
}
