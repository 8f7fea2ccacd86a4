package dev.rotor.wire;

import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.http.WritableHeaders;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The rules Rotor keeps; the ones Helidon 4.5 enforces itself are proven against a real
 * replica by {@link FramingCorpusIT} (the cases whose answer must be Helidon's own words).
 */
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
    void malformedLengthsAreLeftToHelidonWithoutThrowing() {
        assertThat(FramingRules.check(headers("Content-Length", "2", "Content-Length", "3")), is(false));
        assertThat(FramingRules.check(headers("Content-Length", "0x10")), is(false));
        assertThat(FramingRules.check(headers("Content-Length", "4", "Transfer-Encoding", "chunked")), is(true));
    }

    @Test
    void anEmptyFieldNameIsRefusedWithAClose() {
        RequestException e = assertThrows(RequestException.class, () -> FramingRules.check(headers("", "1")));
        assertThat(e.status().code(), is(400));
        assertThat(e.keepAlive(), is(false));
        assertThat(e.getMessage(), containsString("empty name"));
    }
}
