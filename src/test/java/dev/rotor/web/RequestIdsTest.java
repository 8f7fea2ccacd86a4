package dev.rotor.web;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import io.helidon.http.WritableHeaders;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

class RequestIdsTest {
    private final RequestIds ids = new RequestIds(40, new Random(7));

    private String of(String... values) {
        WritableHeaders<?> headers = WritableHeaders.create();
        for (String v : values) {
            headers.add(RequestIds.HEADER, v);
        }
        return ids.of(headers);
    }

    @Test
    void aUsableIdFromTheClientIsKept() {
        assertThat(of("3f2504e0-4f89-11d3-9a0c-0305e82c3301"), is("3f2504e0-4f89-11d3-9a0c-0305e82c3301"));
        assertThat(of("Root=1-67891233:abc/def+g_h.i@j"), is("Root=1-67891233:abc/def+g_h.i@j"));
        assertThat(of("a".repeat(40)), is("a".repeat(40)));
    }

    @Test
    void anythingElseGetsANewIdOfThisReplica() {
        String prefix = ids.next().substring(0, 17);
        for (String bad : new String[] {"a".repeat(41), "", "two words", "quote\"", "back\\slash", "semi;colon", "caf\u00e9",
                                        "line\nbreak", "<b>"}) {
            String id = of(bad);
            assertThat(bad, id, startsWith(prefix));
            assertThat(bad, id, not(is(bad)));
        }
        assertThat("two lines: neither is believed", of("one", "two"), startsWith(prefix));
        assertThat("no header: a new one", ids.of(WritableHeaders.create()), startsWith(prefix));
    }

    @Test
    void newIdsNeverRepeatAndReplicasDrawDifferentPrefixes() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            assertThat(seen.add(ids.next()), is(true));
        }
        String other = new RequestIds(40, new Random(8)).next();
        assertThat(other.substring(0, 17), not(is(ids.next().substring(0, 17))));
        assertThat(ids.next().matches("[0-9a-f]{16}-[0-9a-f]+"), is(true));
    }

    @Test
    void connectionsTakeBlocksOfTheCounterAndNeverRepeatAnId() {
        Set<String> seen = new HashSet<>();
        RequestIds.Sequence one = ids.sequence();
        RequestIds.Sequence two = ids.sequence();
        for (int i = 0; i < 3 * RequestIds.BLOCK + 5; i++) {
            for (String id : new String[] {one.next(), two.next(), ids.next(), ids.of(WritableHeaders.create(), one)}) {
                assertThat(id, seen.add(id), is(true));
                assertThat(id, id.matches("[0-9a-f]{16}-[0-9a-f]+"), is(true));
            }
        }
    }
}
