package dev.rotor.admission;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import dev.rotor.admission.MalformedRequests.Kind;

import io.helidon.http.Status;
import io.helidon.metrics.api.Metrics;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

class MalformedRequestsTest {
    @Test
    void aFloodIsOneLinePerIntervalWithTheCountsByKind() {
        AtomicLong now = new AtomicLong(5_000_000_000L);
        List<String> lines = new ArrayList<>();
        try (MalformedRequests m = new MalformedRequests(Duration.ofMinutes(1), now::get, Metrics.globalRegistry(), lines::add)) {
            m.record(Kind.CHUNKED_BODY, "zz");
            assertThat("the first is reported at once", lines.size(), is(1));
            for (int i = 0; i < 10_000; i++) {
                now.addAndGet(1_000_000);
                m.record(i % 2 == 0 ? Kind.REQUEST_LINE : Kind.CONTENT_LENGTH, "x");
            }
            assertThat("10,000 within 10 s: no new line", lines.size(), is(1));
            now.addAndGet(Duration.ofMinutes(1).toNanos());
            m.record(Kind.CHUNKED_BODY, "zz");
            assertThat(lines.size(), is(2));
            assertThat(lines.get(1), containsString("10001 malformed requests"));
            assertThat(lines.get(1), containsString("content_length=5000"));
            assertThat(lines.get(1), containsString("request_line=5000"));
            assertThat(lines.get(1), containsString("chunked_body=1"));
            assertThat(m.total(Kind.CHUNKED_BODY), is(2L));
            m.record(Kind.HEADER_SECTION, "x");
        }
        assertThat("what is left is reported at close", lines.size(), is(3));
        assertThat(lines.get(2), containsString("header_section=1"));
    }

    @Test
    void helidonsMessagesAreClassifiedAndLimitsAreNotMalformed() {
        Status bad = Status.BAD_REQUEST_400;
        assertThat(MalformedRequests.classify(bad, "Bad request, see server log for more information"),
                   is(Optional.of(Kind.REQUEST_LINE)));
        assertThat(MalformedRequests.classify(bad, "Content-Length header must have exactly one value."), is(Optional.of(Kind.CONTENT_LENGTH)));
        assertThat(MalformedRequests.classify(bad, "Content length is not a number"), is(Optional.of(Kind.CONTENT_LENGTH)));
        assertThat(MalformedRequests.classify(bad, "Transfer-Encoding and Content-Length headers must not be combined"),
                   is(Optional.of(Kind.TRANSFER_ENCODING)));
        assertThat(MalformedRequests.classify(bad, "Chunk size is invalid"), is(Optional.of(Kind.CHUNKED_BODY)));
        assertThat(MalformedRequests.classify(bad, "Invalid header, missing colon:"), is(Optional.of(Kind.HEADER_SECTION)));
        assertThat(MalformedRequests.classify(bad, "bad header section: a field line has an empty name"),
                   is(Optional.of(Kind.HEADER_SECTION)));
        assertThat(MalformedRequests.classify(bad, null), is(Optional.of(Kind.HEADER_SECTION)));
        assertThat(MalformedRequests.classify(Status.REQUEST_ENTITY_TOO_LARGE_413, ""), is(Optional.empty()));
        assertThat(MalformedRequests.classify(Status.REQUEST_URI_TOO_LONG_414, ""), is(Optional.empty()));
        assertThat(MalformedRequests.classify(bad, "Header size exceeded"), is(Optional.empty()));
    }
}
