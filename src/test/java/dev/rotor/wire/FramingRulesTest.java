package dev.rotor.wire;

import io.helidon.http.HeaderNames;
import io.helidon.http.WritableHeaders;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

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

    // the refusal itself (400, a close, the JSON body saying so) is FramingCorpusIT's "empty field name"
    @Test
    void oneWalkFindsAnEmptyFieldNameAmongKnownAndCustomNames() {
        assertThat(FramingRules.Fields.of(headers("Host", "x", "", "1", "X-Other", "2")).emptyName(), is(true));
        assertThat(FramingRules.Fields.of(headers("Host", "x", "X-Other", "2")).emptyName(), is(false));
        assertThat(FramingRules.Fields.of(headers("Host", "x")).emptyName(), is(false));
    }

    @Test
    void oneWalkFindsTheClientsRequestIdWhateverTheCaseOfItsName() {
        FramingRules.Fields f = FramingRules.Fields.of(headers("Host", "x", "x-request-id", "abc-1", "Accept", "*/*"));
        assertThat(f.requestId().get(), is("abc-1"));
        assertThat(f.emptyName(), is(false));
        assertThat(FramingRules.Fields.of(headers("Host", "x", "X-Other", "2")).requestId(), is(nullValue()));
    }
}
