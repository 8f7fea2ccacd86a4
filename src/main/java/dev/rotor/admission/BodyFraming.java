package dev.rotor.admission;

import java.util.Optional;

import dev.rotor.web.ApiException;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.RequestException;
import io.helidon.http.Status;

/**
 * What a failure while reading a request body means for the client. Helidon decodes a chunked
 * body as it is read and reports a malformed chunk from inside that read: 4.3 lets the
 * {@code NumberFormatException} of a chunk size such as {@code zz} (or one over 8 hex digits)
 * escape, 4.5 turns it into a bad-request {@code RequestException}; both report a bad last
 * chunk or a trailer that way. Either is the client's framing, and the connection cannot be
 * read on: 400 and close (413 when the chunks add up to more than the payload limit).
 */
final class BodyFraming {
    private BodyFraming() {
    }

    /**
     * @param e what the body read threw
     * @return the answer, empty when the failure is not about the body's framing
     */
    static Optional<ApiException> refusal(RuntimeException e) {
        if (e instanceof RequestException re) {
            if (re.status().code() == Status.REQUEST_ENTITY_TOO_LARGE_413.code()) {
                return Optional.of(new ApiException(Status.REQUEST_ENTITY_TOO_LARGE_413, "payload_too_large",
                                                    "the chunks add up to more than the largest body accepted"));
            }
            return Optional.of(malformed("the chunked body is malformed (a chunk size, chunk extension, last chunk "
                                                 + "or trailer): send hexadecimal chunk sizes, no extensions, no trailers"));
        }
        if (e instanceof IllegalArgumentException || e instanceof DataReader.IncorrectNewLineException) {
            // NumberFormatException is an IllegalArgumentException
            return Optional.of(malformed("the chunked body is malformed: a chunk size is not a hexadecimal number "
                                                 + "of at most 8 digits followed by CRLF"));
        }
        return Optional.empty();
    }

    private static ApiException malformed(String message) {
        return new ApiException(Status.BAD_REQUEST_400, "bad_framing", message);
    }
}
