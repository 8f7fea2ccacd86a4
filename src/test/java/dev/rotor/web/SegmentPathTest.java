package dev.rotor.web;

import io.helidon.common.uri.UriPath;
import io.helidon.http.PathMatchers;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

class SegmentPathTest {
    private static final SegmentPath ID = SegmentPath.named("id");

    @Test
    void oneSegmentMatchesAndIsTheParameterAsHelidonsPatternWouldGiveIt() {
        for (String path : new String[] {"/0123456789abcdef0123456789abcdef", "/x", "/a%20b", "/caf%C3%A9"}) {
            PathMatchers.MatchResult ours = ID.match(UriPath.create(path));
            PathMatchers.MatchResult helidons = PathMatchers.create("/{id}").match(UriPath.create(path));
            assertThat(path, ours.accepted(), is(true));
            assertThat(path, helidons.accepted(), is(true));
            assertThat(path, ours.path().pathParameters().get("id"), is(helidons.path().pathParameters().get("id")));
            assertThat(path, ours.path().rawPath(), is(path));
        }
    }

    @Test
    void anythingButOneNonEmptySegmentIsNotMatchedNorByHelidonsPattern() {
        for (String path : new String[] {"/", "/a/b", "/a/", "/a/messages", "/a%2Fb"}) {
            assertThat(path, ID.match(UriPath.create(path)).accepted(), is(false));
            assertThat(path, PathMatchers.create("/{id}").match(UriPath.create(path)).accepted(), is(false));
        }
    }

    @Test
    void pathsHelidonNormalisesAreMatchedAsItsPatternMatchesThem() {
        for (String path : new String[] {"//a", "/a//", "/./a", "/a;x=1", "/%61"}) {
            PathMatchers.MatchResult helidons = PathMatchers.create("/{id}").match(UriPath.create(path));
            PathMatchers.MatchResult ours = ID.match(UriPath.create(path));
            assertThat(path, ours.accepted(), is(helidons.accepted()));
            if (ours.accepted()) {
                assertThat(path, ours.path().pathParameters().get("id"), is(helidons.path().pathParameters().get("id")));
            }
        }
    }
}
