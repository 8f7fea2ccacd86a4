package dev.rotor.admission;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ClientIdentityTest {
    private static InetAddress ip(String literal) {
        return TrustedProxies.literal(literal).orElseThrow();
    }

    @Test
    void untrustedPeerIsTheClientWhateverItForwards() {
        ClientIdentity identity = new ClientIdentity(TrustedProxies.parse("10.0.0.0/8"));
        assertThat(identity.resolve(ip("198.51.100.3"), List.of("1.2.3.4")), is(ip("198.51.100.3")));
        assertThat(new ClientIdentity(TrustedProxies.none()).resolve(ip("10.0.0.1"), List.of("1.2.3.4")),
                   is(ip("10.0.0.1")));
    }

    @Test
    void trustedPeerIsWalkedFromTheRightPastTrustedHops() {
        ClientIdentity identity = new ClientIdentity(TrustedProxies.parse("10.0.0.0/8, fd00::/8"));
        // the client prepended 1.2.3.4; 203.0.113.7 is what our first proxy saw
        assertThat(identity.resolve(ip("10.0.0.5"), List.of("1.2.3.4", "203.0.113.7", "10.0.0.9")),
                   is(ip("203.0.113.7")));
        assertThat(identity.resolve(ip("fd00::1"), List.of("2001:db8::7", "[fd00::2]:443")), is(ip("2001:db8::7")));
        assertThat(identity.resolve(ip("10.0.0.5"), List.of("203.0.113.7:5555")), is(ip("203.0.113.7")));
    }

    @Test
    void allHopsTrustedMeansTheLeftmostAndGarbageStopsTheWalk() {
        ClientIdentity identity = new ClientIdentity(TrustedProxies.parse("10.0.0.0/8"));
        assertThat(identity.resolve(ip("10.0.0.5"), List.of("10.1.1.1", "10.2.2.2")), is(ip("10.1.1.1")));
        assertThat(identity.resolve(ip("10.0.0.5"), List.of("203.0.113.7", "not-an-ip", "10.2.2.2")), is(ip("10.2.2.2")));
        assertThat(identity.resolve(ip("10.0.0.5"), List.of()), is(ip("10.0.0.5")));
    }

    @Test
    void cidrBlocksMatchByPrefix() {
        TrustedProxies t = TrustedProxies.parse("172.16.0.0/12 192.168.1.7 2001:db8::/32");
        assertThat(t.trusts(ip("172.31.255.255")), is(true));
        assertThat(t.trusts(ip("172.32.0.0")), is(false));
        assertThat(t.trusts(ip("192.168.1.7")), is(true));
        assertThat(t.trusts(ip("192.168.1.8")), is(false));
        assertThat(t.trusts(ip("2001:db8:ffff::1")), is(true));
        assertThat(t.trusts(ip("2001:db9::1")), is(false));
        assertThat("IPv4 never matches an IPv6 block", TrustedProxies.parse("::/0").trusts(ip("1.2.3.4")), is(false));
    }

    @Test
    void hostNamesAndBadPrefixesAreRejected() {
        assertThat(assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("proxy.internal")).getMessage(),
                   containsString("\"proxy.internal\""));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse("300.0.0.1"));
        assertThat(TrustedProxies.literal("example.com").isPresent(), is(false));
        assertThat(TrustedProxies.literal("abc::z").isPresent(), is(false));
    }
}
