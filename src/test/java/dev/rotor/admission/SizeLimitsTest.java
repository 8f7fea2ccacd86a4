package dev.rotor.admission;

import java.util.Optional;

import dev.rotor.admission.MalformedRequests.Kind;
import dev.rotor.admission.SizeLimits.JsonDirectHandler;
import dev.rotor.wire.ParsePhase;

import io.helidon.http.DirectHandler.EventType;
import io.helidon.http.Status;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class SizeLimitsTest {
    private static final Status ERROR = Status.INTERNAL_SERVER_ERROR_500;

    @Test
    void anInternalErrorBeforeTheHeadersOnAWireConnectionIsTheClientsMalformedRequest() {
        assertThat(JsonDirectHandler.unparsed(EventType.INTERNAL_ERROR, ERROR, ParsePhase.NONE), is(Optional.of(Kind.REQUEST_LINE)));
        assertThat(JsonDirectHandler.unparsed(EventType.INTERNAL_ERROR, ERROR, ParsePhase.PROLOGUE),
                   is(Optional.of(Kind.HEADER_SECTION)));
    }

    @Test
    void anInternalErrorAfterTheHeadersOrOffTheWireStaysAServerError() {
        assertThat("a route's failure", JsonDirectHandler.unparsed(EventType.INTERNAL_ERROR, ERROR, ParsePhase.HEADERS),
                   is(Optional.empty()));
        assertThat("the admin port shares the direct handlers but not the wire",
                   JsonDirectHandler.unparsed(EventType.INTERNAL_ERROR, ERROR, ParsePhase.UNTRACKED), is(Optional.empty()));
        assertThat("a fresh thread is untracked", ParsePhase.current(), is(ParsePhase.UNTRACKED));
        assertThat(JsonDirectHandler.unparsed(EventType.BAD_REQUEST, Status.BAD_REQUEST_400, ParsePhase.NONE), is(Optional.empty()));
    }
}
