package dev.rotor.wire;

import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.http.WritableHeaders;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FramingRulesTest {
    private static WritableHeaders<?> headers(String... nameValues) {
        WritableHeaders<?> h = WritableHeaders.create();
        for (int i = 0; i < nameValues.length; i += 2) {
            h.add(HeaderNames.create(nameValues[i]), nameValues[i + 1]);
        }
        return h;
    }

    @Test
    void aSingleLengthOrChunkedFramesTheBody() {
        assertThat(FramingRules.check(headers("Content-Length", "12")), is(true));
        assertThat(FramingRules.check(headers("Content-Length", "0")), is(false));
        assertThat(FramingRules.check(headers("Transfer-Encoding", "chunked")), is(true));
        assertThat(FramingRules.check(headers("Host", "x")), is(false));
    }

    @Test
    void refusesRepeatedOrConflictingContentLength() {
        assertThrows(RequestException.class, () -> FramingRules.check(headers("Content-Length", "2", "Content-Length", "3")));
        assertThrows(RequestException.class, () -> FramingRules.check(headers("Content-Length", "2", "Content-Length", "2")));
        assertThrows(RequestException.class, () -> FramingRules.check(headers("Content-Length", "2, 3")));
        assertThrows(RequestException.class, () -> FramingRules.check(headers("Content-Length", "+2")));
        assertThrows(RequestException.class, () -> FramingRules.check(headers("Content-Length", "0x10")));
    }

    @Test
    void refusesContentLengthWithTransferEncoding() {
        RequestException e = assertThrows(RequestException.class, () -> FramingRules.check(
                headers("Content-Length", "4", "Transfer-Encoding", "chunked")));
        assertThat(e.status().code(), is(400));
        assertThat(e.keepAlive(), is(false));
    }

    @Test
    void transferCodingsOtherThanChunkedAreNotImplementedOrAmbiguous() {
        assertThat(assertThrows(RequestException.class, () -> FramingRules.check(
                headers("Transfer-Encoding", "gzip, chunked"))).status().code(), is(501));
        RequestException notLast = assertThrows(RequestException.class, () -> FramingRules.check(
                headers("Transfer-Encoding", "chunked, gzip")));
        assertThat(notLast.status().code(), is(400));
        assertThat(notLast.getMessage(), containsString("end with chunked"));
        assertThat(assertThrows(RequestException.class, () -> FramingRules.check(
                headers("Transfer-Encoding", "identity"))).status().code(), is(400));
    }
}
